#include "cluster/internode_auth.h"

#include "common/hash.h"

namespace silo::cluster {

std::string internode_token(std::string_view root_user, std::string_view root_password) {
  std::string message = "silo-internode-v1\n";
  message += root_user;
  return hex_encode(hmac_sha256_raw(root_password, message));
}

bool internode_token_ok(std::string_view expected, std::string_view presented) {
  if (expected.empty()) return false;
  return constant_time_equal(expected, presented);
}

}  // namespace silo::cluster
