#include "s3/credential_lookup.h"

namespace silo::s3 {

auth::SecretLookup CredentialLookup::lookup() {
  return [this](std::string_view access_key) -> std::optional<std::string> {
    if (!token_.empty()) {
      auto c = iam_.session_credential(access_key, token_);
      if (!c) {
        token_error_ = c.error();
        return std::nullopt;
      }
      identity_ = std::move(c->identity);
      return std::move(c->secret);
    }
    auto c = iam_.credential(access_key);
    if (!c) return std::nullopt;
    identity_ = std::move(c->identity);
    return std::move(c->secret);
  };
}

std::string security_token(const auth::SignedRequest& request) {
  if (auto h = auth::find_header(request.headers, "x-amz-security-token")) return *h;
  if (request.raw_query.find("X-Amz-Security-Token") == std::string_view::npos) return {};
  auto params = auth::parse_signed_query(request.raw_query);
  if (!params) return {};
  if (const std::string* v = auth::find_param(*params, "X-Amz-Security-Token")) return *v;
  return {};
}

}  // namespace silo::s3
