// Authentication of an S3 request: which scheme signed it, and whether the
// signature holds. Decoupled from any HTTP library (see request.h).
//
// authenticate() decides, in order:
//   - neither an Authorization header nor query authentication
//     (X-Amz-Algorithm/X-Amz-Credential for SigV4, AWSAccessKeyId/Signature
//     for SigV2): anonymous (the caller evaluates bucket policy); so is a
//     request whose query cannot be parsed and that has no Authorization
//     header (the router reports the bad URI);
//   - an Authorization header together with query authentication, or both
//     query forms: InvalidArgument;
//   - Authorization "AWS4-HMAC-SHA256 ...": sigv4_verify.h, header form;
//     "AWS ak:sig": sigv2_verify.h, header form; any other scheme:
//     InvalidArgument "Unsupported Authorization Type";
//   - query X-Amz-*: SigV4 presigned; AWSAccessKeyId/Signature: SigV2 presigned.
// X-Amz-Security-Token / x-amz-security-token are not validated here (Silo has
// no temporary credentials yet); a caller adding STS must check them.
// Pure and thread-safe (the SecretLookup must be, too).
#pragma once

#include <chrono>
#include <string_view>

#include "auth/auth_result.h"
#include "auth/request.h"

namespace silo::auth {

// Verifies the request's signature. `server_region` is the region this server
// answers for; an empty server_region accepts any region in a SigV4 scope (the
// result's `region` says which; SigV2 names no region). `now` is the server's
// clock.
Result<AuthResult> authenticate(const SignedRequest& request, const SecretLookup& lookup,
                                std::string_view server_region,
                                std::chrono::system_clock::time_point now);

}  // namespace silo::auth
