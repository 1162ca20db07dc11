// Fuzzes the bucket policy parser and evaluator (iam/policy.*): any input
// either is refused with MalformedPolicy or parses into a policy that
// evaluates requests without crashing, and only allows an anonymous caller
// what some statement names.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "iam/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace silo::iam;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = Policy::parse_bucket_policy(text, "bucket");
  if (!policy) {
    if (policy.error().code != silo::ErrorCode::kMalformedPolicy) std::abort();
    return 0;
  }
  ConditionValues conditions{{"aws:sourceip", {"10.1.2.3"}},
                             {"s3:prefix", {"public/"}},
                             {"aws:currenttime", {"2026-12-07T10:00:00Z"}},
                             {"aws:username", {"u"}},
                             {"s3:max-keys", {"10"}}};
  const std::string principals[] = {"arn:aws:iam:::user/u", "u"};
  for (auto action : {"s3:GetObject", "s3:ListBucket", "s3:PutObject"}) {
    for (auto resource : {"arn:aws:s3:::bucket", "arn:aws:s3:::bucket/public/a",
                          "arn:aws:s3:::bucket/" }) {
      (void)policy->evaluate(PolicyRequest{true, {}, action, resource, &conditions});
      (void)policy->evaluate(PolicyRequest{false, principals, action, resource, nullptr});
    }
    (void)policy->grants_everyone(action);
  }
  // The same text as an identity policy (no principal, policy variables).
  auto identity = Policy::parse_identity_policy(text);
  if (!identity) {
    if (identity.error().code != silo::ErrorCode::kMalformedPolicy) std::abort();
    return 0;
  }
  for (auto action : {"s3:GetObject", "admin:CreateUser"}) {
    (void)identity->evaluate(PolicyRequest{false, principals, action, "arn:aws:s3:::b/u/x",
                                           &conditions});
    (void)identity->evaluate(PolicyRequest{false, principals, action, "", nullptr});
  }
  return 0;
}
