// Browser POST forms (auth/post_policy.h): the signature over the policy
// (SigV4, SigV2, anonymous) and the policy's conditions.
#include "auth/post_policy.h"

#include <gtest/gtest.h>

#include "auth/sigv4.h"
#include "common/hash.h"

namespace silo::auth {
namespace {

using namespace std::chrono;
const auto kNow = system_clock::time_point(seconds(1'800'000'000));  // 2027-01-15

std::string policy_b64(std::string_view json) { return base64_encode(json); }

SecretLookup lookup() {
  return [](std::string_view ak) -> std::optional<std::string> {
    if (ak == "AK") return std::string("SECRET");
    return std::nullopt;
  };
}

TEST(PostPolicy, SigV4FormsAreVerified) {
  std::string policy = policy_b64(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[]})");
  std::string key = derive_signing_key("SECRET", "20270115", "us-east-1");
  FormFields fields{{"key", "k"},
                    {"policy", policy},
                    {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
                    {"x-amz-credential", "AK/20270115/us-east-1/s3/aws4_request"},
                    {"x-amz-date", "20270115T000000Z"},
                    {"x-amz-signature", signature_hex(key, policy)}};
  auto ok = authenticate_post(fields, lookup(), "us-east-1", kNow);
  ASSERT_TRUE(ok) << ok.error().text();
  EXPECT_EQ(ok->auth.access_key, "AK");
  EXPECT_EQ(ok->policy_json.substr(0, 14), R"({"expiration":)");
  fields.back().second[0] = fields.back().second[0] == '0' ? '1' : '0';
  EXPECT_EQ(authenticate_post(fields, lookup(), "us-east-1", kNow).error().code,
            ErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(authenticate_post(fields, lookup(), "eu-west-1", kNow).error().code,
            ErrorCode::kAuthorizationQueryParametersError);
}

TEST(PostPolicy, SigV2AndAnonymousForms) {
  std::string policy = policy_b64(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[]})");
  FormFields fields{{"key", "k"},
                    {"awsaccesskeyid", "AK"},
                    {"policy", policy},
                    {"signature", base64_encode(hmac_sha1_raw("SECRET", policy))}};
  ASSERT_TRUE(authenticate_post(fields, lookup(), "", kNow));
  fields[1].second = "UNKNOWN";
  EXPECT_EQ(authenticate_post(fields, lookup(), "", kNow).error().code,
            ErrorCode::kInvalidAccessKeyId);
  auto anonymous = authenticate_post({{"key", "k"}}, lookup(), "", kNow);
  ASSERT_TRUE(anonymous);
  EXPECT_TRUE(anonymous->auth.anonymous());
  EXPECT_TRUE(anonymous->policy_json.empty());
}

Result<PostLimits> check(std::string_view conditions, const FormFields& fields,
                         std::string_view expiration = "2030-01-01T00:00:00.000Z") {
  std::string json = R"({"expiration":")" + std::string(expiration) + R"(","conditions":)" +
                     std::string(conditions) + "}";
  return check_post_policy(json, fields, "bkt", kNow);
}

TEST(PostPolicy, ConditionsAndLimits) {
  FormFields form{{"key", "user/a.txt"}, {"content-type", "image/png"}, {"acl", "private"}};
  auto ok = check(R"([{"bucket":"bkt"},["starts-with","$key","user/"],)"
                  R"(["eq","$Content-Type","image/png"],{"acl":"private"},)"
                  R"(["content-length-range",1,"1024"]])",
                  form);
  ASSERT_TRUE(ok) << ok.error().text();
  EXPECT_EQ(ok->min_size, 1u);
  EXPECT_EQ(ok->max_size, 1024u);
  // Each failure: a condition not met, a field no condition allows, the
  // wrong bucket, an expired policy.
  EXPECT_EQ(check(R"([["starts-with","$key","other/"],["starts-with","$content-type",""],{"acl":"private"}])",
                  form).error().code,
            ErrorCode::kAccessDenied);
  EXPECT_EQ(check(R"([["starts-with","$key",""],{"acl":"private"}])", form).error().code,
            ErrorCode::kAccessDenied);
  EXPECT_EQ(check(R"([{"bucket":"other"}])", {}).error().code, ErrorCode::kAccessDenied);
  // A bucket field naming the policy's bucket does not stand in for the
  // bucket the form is posted to.
  EXPECT_EQ(check(R"([{"bucket":"other"}])", {{"bucket", "other"}}).error().code,
            ErrorCode::kAccessDenied);
  EXPECT_EQ(check("[]", {}, "2020-01-01T00:00:00Z").error().code, ErrorCode::kAccessDenied);
  // Malformed policies.
  EXPECT_EQ(check(R"([["regex","$key","."]])", {}).error().code, ErrorCode::kInvalidPolicyDocument);
  EXPECT_EQ(check(R"(["content-length-range",1])", {}).error().code,
            ErrorCode::kInvalidPolicyDocument);
  EXPECT_EQ(check_post_policy("not json", {}, "bkt", kNow).error().code,
            ErrorCode::kInvalidPolicyDocument);
  EXPECT_EQ(check_post_policy(R"({"conditions":[]})", {}, "bkt", kNow).error().code,
            ErrorCode::kInvalidPolicyDocument);
  // Signature fields, the policy, the file and x-ignore-* need no condition.
  EXPECT_TRUE(check("[]", {{"policy", "p"}, {"x-amz-signature", "s"}, {"x-ignore-me", "1"}}));
}

}  // namespace
}  // namespace silo::auth
