#include "auth/authenticate.h"

#include "auth/sigv2_verify.h"
#include "auth/sigv4_verify.h"
#include "common/strings.h"

namespace silo::auth {

Result<AuthResult> authenticate(const SignedRequest& request, const SecretLookup& lookup,
                                std::string_view server_region,
                                std::chrono::system_clock::time_point now) {
  auto authorization = find_header(request.headers, "authorization");
  auto params = parse_signed_query(request.raw_query);
  bool v4_query = false;
  bool v2_query = false;
  if (params) {
    v4_query = find_param(*params, "X-Amz-Algorithm") || find_param(*params, "X-Amz-Credential");
    v2_query = find_param(*params, "AWSAccessKeyId") || find_param(*params, "Signature");
  }
  if ((authorization && (v4_query || v2_query)) || (v4_query && v2_query)) {
    return fail(ErrorCode::kInvalidArgument,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified");
  }
  if (authorization) {
    std::string_view value = trim(*authorization);
    auto scheme_is = [&](std::string_view name) {
      return value.starts_with(name) && value.size() > name.size() &&
             (value[name.size()] == ' ' || value[name.size()] == '\t');
    };
    if (scheme_is(kSigV4Algorithm)) {
      return verify_sigv4_header(request, value, lookup, server_region, now);
    }
    if (scheme_is("AWS")) return verify_sigv2_header(request, value, lookup, now);
    return fail(ErrorCode::kInvalidArgument, "Unsupported Authorization Type");
  }
  if (v4_query) return verify_sigv4_presigned(request, *params, lookup, server_region, now);
  if (v2_query) return verify_sigv2_presigned(request, *params, lookup, now);
  return AuthResult{};
}

}  // namespace silo::auth
