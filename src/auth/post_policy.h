// Browser POST uploads (S3 "POST Object"): authentication by the signed
// policy of an HTML form, and the check of that policy's conditions.
//
// The form is signed by signing its base64 policy document: SigV4 with
// x-amz-algorithm/x-amz-credential/x-amz-date/x-amz-signature fields, or
// SigV2 with AWSAccessKeyId/signature. A form with neither is anonymous
// (the bucket policy decides). The policy names an expiration and
// conditions; every field of the form must be allowed by one (except the
// signature fields themselves, the policy, the file and x-ignore-*).
// Pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/auth_result.h"

namespace silo::auth {

// Form fields in order, names lower-cased (S3 matches them without case).
using FormFields = std::vector<std::pair<std::string, std::string>>;

// The value of field `name` (lower-case), nullptr when absent.
const std::string* form_value(const FormFields& fields, std::string_view name);

struct PostAuth {
  AuthResult auth;
  std::string policy_json;  // decoded policy; empty for an anonymous form
};

// Verifies the form's signature over its policy. SignatureDoesNotMatch,
// InvalidAccessKeyId, InvalidArgument (incomplete signature fields) or
// AuthorizationQueryParametersError (a scope of another region).
Result<PostAuth> authenticate_post(const FormFields& fields, const SecretLookup& lookup,
                                   std::string_view server_region,
                                   std::chrono::system_clock::time_point now);

// What the policy allows of the file, checked once its size is known.
struct PostLimits {
  uint64_t min_size = 0;
  uint64_t max_size = UINT64_MAX;
};

// Checks `policy_json` against the form (`fields`, the key already with
// ${filename} replaced) and the request's bucket: InvalidPolicyDocument
// (400) when the policy is malformed, AccessDenied (403) "Invalid according
// to Policy" when it expired or a condition fails or a field has none.
Result<PostLimits> check_post_policy(std::string_view policy_json, const FormFields& fields,
                                     std::string_view bucket,
                                     std::chrono::system_clock::time_point now);

}  // namespace silo::auth
