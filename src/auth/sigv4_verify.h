// Server-side verification of SigV4 requests, header-signed and presigned.
// authenticate() (authenticate.h) picks the scheme and calls one of these.
//
// Checks, in order, mirroring AWS S3 (codes are ErrorCode):
//   - header auth: AuthorizationHeaderMalformed for a bad header or credential
//     scope (service "s3", terminal "aws4_request", region == server_region
//     unless that is empty, scope date == request date); presigned:
//     AuthorizationQueryParametersError for missing/bad X-Amz-* parameters or
//     X-Amz-Expires outside 1..604800;
//   - x-amz-content-sha256: required for header auth (InvalidRequest); must be a
//     64-hex digest, UNSIGNED-PAYLOAD or one of the STREAMING-* values
//     (InvalidArgument);
//   - a date: x-amz-date, else Date (RFC 1123), else AccessDenied;
//   - access key: InvalidAccessKeyId when the lookup returns nullopt;
//   - time: header auth more than 15 minutes off `now` -> RequestTimeTooSkewed;
//     presigned: past X-Amz-Date + X-Amz-Expires -> AccessDenied "Request has
//     expired", more than 15 minutes in the future -> AccessDenied "Request is
//     not valid yet";
//   - "host" and every x-amz-* header present must be signed, else AccessDenied
//     "There were headers present in the request which were not signed";
//   - signature, compared in constant time: SignatureDoesNotMatch. When the raw
//     path contains "%2F", the form that keeps it escaped (Go's EscapedPath)
//     is accepted too: both name the same key.
// Pure functions, thread-safe (the SecretLookup must be, too).
#pragma once

#include <chrono>
#include <string_view>

#include "auth/auth_result.h"
#include "auth/request.h"

namespace silo::auth {

// REQUIRES: `authorization` is the Authorization header and starts with
// "AWS4-HMAC-SHA256".
Result<AuthResult> verify_sigv4_header(const SignedRequest& request, std::string_view authorization,
                                       const SecretLookup& lookup, std::string_view server_region,
                                       std::chrono::system_clock::time_point now);

// REQUIRES: `params` is request.raw_query parsed (parse_signed_query) and
// names X-Amz-Algorithm or X-Amz-Credential.
Result<AuthResult> verify_sigv4_presigned(const SignedRequest& request, const QueryParams& params,
                                          const SecretLookup& lookup,
                                          std::string_view server_region,
                                          std::chrono::system_clock::time_point now);

}  // namespace silo::auth
