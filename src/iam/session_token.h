// Temporary credentials (STS AssumeRole) as self-contained session tokens:
// the token carries its own access key, secret, owner, expiry and session
// policy, sealed (sealing.h) under a key derived from the root user's
// secret. Any node of the deployment can check one without shared state,
// and changing a byte of it makes it invalid. The secret travels only
// inside the seal; the signature of each request still proves that the
// caller holds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silo::iam {

struct SessionClaims {
  std::string access_key;
  std::string secret;
  std::string parent;  // the user (or root access key) whose permissions it carries
  int64_t expires_s = 0;  // Unix seconds
  std::optional<std::string> policy;  // the session policy, narrowing the parent's
};

// The token for `claims`, sealed with the 32-byte `key` (URL-safe base64).
std::string encode_session_token(std::string_view key, const SessionClaims& claims);

// The claims of `token`: InvalidToken when it was not made with `key` or
// was changed, ExpiredToken once `now_s` reached its expiry.
Result<SessionClaims> decode_session_token(std::string_view key, std::string_view token,
                                           int64_t now_s);

}  // namespace silo::iam
