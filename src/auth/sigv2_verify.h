// Server-side verification of SigV2 requests (canonical forms in sigv2.h):
// the header form "Authorization: AWS AccessKeyId:Signature" and the
// presigned form (query parameters AWSAccessKeyId, Expires, Signature).
// authenticate() (authenticate.h) picks the scheme and calls one of these.
//
// Checks, in order (codes are ErrorCode):
//   - header form: InvalidArgument when the header is not "AWS ak:signature";
//     presigned: AccessDenied when a parameter is missing or Expires is not
//     an integer;
//   - x-amz-content-sha256, when present (it is signed, as every x-amz-*
//     header is): a 64-hex digest the body must match, UNSIGNED-PAYLOAD or
//     STREAMING-UNSIGNED-PAYLOAD-TRAILER; the signed streaming forms need
//     SigV4's key (InvalidRequest). Without it the body is unsigned (a
//     Content-MD5 is still checked by the body path);
//   - header form: a date from x-amz-date (which overrides Date), else Date,
//     as an HTTP date, else AccessDenied;
//   - access key: InvalidAccessKeyId when the lookup returns nullopt;
//   - time: header form more than 15 minutes off `now` ->
//     RequestTimeTooSkewed; presigned: `now` past Expires -> AccessDenied
//     "Request has expired";
//   - signature, compared in constant time: SignatureDoesNotMatch.
// Where x-amz-date is present, clients disagree on the Date line: most sign
// the Date header as it is (empty when absent) with x-amz-date among the
// x-amz-* headers, AWS's documented example puts x-amz-date's value on the
// Date line instead, and AWS's prose says to leave the line empty. All three
// are accepted; each signs the date the skew check reads.
// Likewise a bucket signed as "/bucket" or "/bucket/", and the resource as
// Debian 12's botocore signs it (the leading query parameter before the
// sub-resources, "/b?location?location"): each names the same resource.
// In the presigned form, x-amz-* parameters of the query count as x-amz-*
// headers, and content-type/content-md5 parameters stand in for missing
// headers (botocore moves signed headers into the URL that way).
// Pure functions, thread-safe (the SecretLookup must be, too).
#pragma once

#include <chrono>
#include <string_view>

#include "auth/auth_result.h"
#include "auth/request.h"

namespace silo::auth {

// REQUIRES: `authorization` is the Authorization header and starts with "AWS ".
Result<AuthResult> verify_sigv2_header(const SignedRequest& request, std::string_view authorization,
                                       const SecretLookup& lookup,
                                       std::chrono::system_clock::time_point now);

// REQUIRES: `params` is request.raw_query parsed (parse_signed_query) and
// names AWSAccessKeyId or Signature.
Result<AuthResult> verify_sigv2_presigned(const SignedRequest& request, const QueryParams& params,
                                          const SecretLookup& lookup,
                                          std::chrono::system_clock::time_point now);

}  // namespace silo::auth
