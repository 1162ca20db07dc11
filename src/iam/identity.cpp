#include "iam/identity.h"

#include "common/hash.h"

namespace silo::iam {

Decision Identity::evaluate(const PolicyRequest& request) const {
  for (const auto& limit : limits) {
    if (limit->evaluate(request) != Decision::kAllow) return Decision::kDeny;
  }
  if (root_owned) return Decision::kAllow;
  bool allowed = false;
  for (const auto& p : policies) {
    auto d = p->evaluate(request);
    if (d == Decision::kDeny) return d;
    allowed = allowed || d == Decision::kAllow;
  }
  return allowed ? Decision::kAllow : Decision::kNoMatch;
}

std::string canonical_user_id(std::string_view access_key) { return sha256_hex(access_key); }

std::string user_arn(std::string_view user) { return "arn:aws:iam:::user/" + std::string(user); }

}  // namespace silo::iam
