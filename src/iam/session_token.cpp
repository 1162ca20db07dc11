#include "iam/session_token.h"

#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "iam/sealing.h"

namespace silo::iam {

namespace {

constexpr std::string_view kAad = "silo-session-v1";

// Base64 with - and _ (and no padding): tokens go in headers and query strings.
std::string url_safe(std::string b64) {
  for (auto& c : b64) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

std::optional<std::string> from_url_safe(std::string_view token) {
  std::string b64(token);
  for (auto& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (b64.size() % 4 != 0) b64 += '=';
  return base64_decode(b64);
}

}  // namespace

std::string encode_session_token(std::string_view key, const SessionClaims& claims) {
  nlohmann::json doc = {{"ak", claims.access_key},
                        {"sk", claims.secret},
                        {"p", claims.parent},
                        {"exp", claims.expires_s}};
  if (claims.policy) doc["pol"] = *claims.policy;
  return url_safe(base64_encode(seal(key, doc.dump(), kAad)));
}

Result<SessionClaims> decode_session_token(std::string_view key, std::string_view token,
                                           int64_t now_s) {
  auto invalid = [] { return fail(ErrorCode::kInvalidToken); };
  if (token.empty() || token.size() > 16 * 1024) return invalid();
  auto sealed = from_url_safe(token);
  if (!sealed) return invalid();
  auto text = open_sealed(key, *sealed, kAad);
  if (!text) return invalid();
  auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return invalid();
  try {
    SessionClaims c;
    c.access_key = doc.at("ak").get<std::string>();
    c.secret = doc.at("sk").get<std::string>();
    c.parent = doc.at("p").get<std::string>();
    c.expires_s = doc.at("exp").get<int64_t>();
    if (doc.contains("pol")) c.policy = doc["pol"].get<std::string>();
    if (now_s >= c.expires_s) return fail(ErrorCode::kExpiredSessionToken);
    return c;
  } catch (const nlohmann::json::exception&) {
    return invalid();
  }
}

}  // namespace silo::iam
