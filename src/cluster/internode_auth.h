// Internode authentication: every node of a deployment derives the same
// token from the root credentials, sends it on each internode request and
// refuses requests that do not carry it. The token is a secret like the
// root password it comes from: never log or print it.
#pragma once

#include <string>
#include <string_view>

namespace silo::cluster {

// The header internode requests carry the token in.
inline constexpr std::string_view kTokenHeader = "x-silo-internode-token";

// hex(HMAC-SHA256(key = password, "silo-internode-v1\n" + user)): the same on
// every node given the same root credentials, and useless for S3 signing
// (a different key and message), so a leaked token does not give S3 access.
std::string internode_token(std::string_view root_user, std::string_view root_password);

// Whether `presented` is `expected`, compared in constant time. An empty
// expected token accepts nothing.
bool internode_token_ok(std::string_view expected, std::string_view presented);

}  // namespace silo::cluster
