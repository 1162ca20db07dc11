#include "iam/policy.h"

#include <gtest/gtest.h>

namespace silo::iam {
namespace {

Policy parse(std::string_view json, std::string_view bucket = "photos") {
  auto p = Policy::parse_bucket_policy(json, bucket);
  EXPECT_TRUE(p) << (p ? "" : p.error().text());
  return p ? std::move(*p) : Policy::parse_bucket_policy(R"({"Statement":[]})", bucket).value();
}

Decision anonymous(const Policy& p, std::string_view action, std::string_view resource,
                   const ConditionValues* c = nullptr) {
  return p.evaluate(PolicyRequest{true, {}, action, resource, c});
}

constexpr std::string_view kPublicPrefix = R"({
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": ["*"]},
    "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::photos/public/*"]
  }, {
    "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::photos",
    "Condition": {"StringLike": {"s3:prefix": ["public/*", "public"]}}
  }]
})";

TEST(Wildcard, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(wildcard_match("a*c", "abbbc"));
  EXPECT_TRUE(wildcard_match("a*", "a"));
  EXPECT_TRUE(wildcard_match("a?c", "abc"));
  EXPECT_FALSE(wildcard_match("a?c", "ac"));
  EXPECT_FALSE(wildcard_match("a*d", "abc"));
  EXPECT_TRUE(wildcard_match("*", ""));
  // A hostile pattern stays linear-ish rather than exponential.
  EXPECT_FALSE(wildcard_match(std::string(100, '*') + "b", std::string(10000, 'a')));
}

TEST(BucketPolicy, AllowsAnonymousReadsUnderOnePrefixOnly) {
  auto p = parse(kPublicPrefix);
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/public/cat.jpg"), Decision::kAllow);
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/private/cat.jpg"),
            Decision::kNoMatch);
  EXPECT_EQ(anonymous(p, "s3:PutObject", "arn:aws:s3:::photos/public/cat.jpg"),
            Decision::kNoMatch);
  // Action names compare without case.
  EXPECT_EQ(anonymous(p, "S3:getobject", "arn:aws:s3:::photos/public/x"), Decision::kAllow);
}

TEST(BucketPolicy, ConditionsTestTheRequestsKeys) {
  auto p = parse(kPublicPrefix);
  ConditionValues public_prefix{{"s3:prefix", {"public/"}}};
  ConditionValues other_prefix{{"s3:prefix", {"private/"}}};
  EXPECT_EQ(anonymous(p, "s3:ListBucket", "arn:aws:s3:::photos", &public_prefix), Decision::kAllow);
  EXPECT_EQ(anonymous(p, "s3:ListBucket", "arn:aws:s3:::photos", &other_prefix),
            Decision::kNoMatch);
  // A listing without a prefix has no s3:prefix key: StringLike does not hold.
  EXPECT_EQ(anonymous(p, "s3:ListBucket", "arn:aws:s3:::photos"), Decision::kNoMatch);
}

TEST(BucketPolicy, DenyWinsOverAllow) {
  auto p = parse(R"({"Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"},
    {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::photos/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})");
  ConditionValues inside{{"aws:sourceip", {"10.1.2.3"}}};
  ConditionValues outside{{"aws:sourceip", {"192.168.1.1"}}};
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a", &inside), Decision::kAllow);
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a", &outside), Decision::kDeny);
  EXPECT_EQ(anonymous(p, "s3:PutObject", "arn:aws:s3:::photos/a", &outside), Decision::kAllow);
}

TEST(BucketPolicy, OperatorsOfEveryKind) {
  auto p = parse(R"({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::photos/*", "Condition": {
      "Bool": {"aws:SecureTransport": "false"},
      "NumericLessThanEquals": {"s3:max-keys": "10"},
      "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
      "StringEqualsIgnoreCase": {"aws:UserAgent": "CURL"},
      "StringNotEqualsIfExists": {"aws:Referer": "http://evil.example/"},
      "Null": {"s3:x-amz-acl": "true"}}}]})");
  ConditionValues c{{"aws:securetransport", {"false"}},
                    {"s3:max-keys", {"5"}},
                    {"aws:currenttime", {"2026-12-07T10:00:00Z"}},
                    {"aws:useragent", {"curl"}}};
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a", &c), Decision::kAllow);
  auto more = c;
  more["s3:max-keys"] = {"50"};
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a", &more), Decision::kNoMatch);
  auto referred = c;
  referred["aws:referer"] = {"http://evil.example/"};
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a", &referred), Decision::kNoMatch);
  auto with_acl = c;
  with_acl["s3:x-amz-acl"] = {"public-read"};
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a", &with_acl), Decision::kNoMatch);
}

TEST(BucketPolicy, PrincipalsOtherThanEveryoneDoNotAllowAnonymous) {
  auto p = parse(R"({"Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::photos/*"}]})");
  EXPECT_EQ(anonymous(p, "s3:GetObject", "arn:aws:s3:::photos/a"), Decision::kNoMatch);
  const std::string alice[] = {"arn:aws:iam::123456789012:user/alice"};
  EXPECT_EQ(p.evaluate(PolicyRequest{false, alice, "s3:GetObject", "arn:aws:s3:::photos/a",
                                     nullptr}),
            Decision::kAllow);
}

TEST(BucketPolicy, MalformedDocumentsAreRefusedWithTheReason) {
  auto bad = [](std::string_view json) {
    auto p = Policy::parse_bucket_policy(json, "photos");
    EXPECT_FALSE(p) << json;
    if (!p) {
      EXPECT_EQ(p.error().code, ErrorCode::kMalformedPolicy) << json;
    }
  };
  bad("not json");
  bad("[]");
  bad(R"({"Statement": []})");
  bad(R"({"Version": "2099-01-01", "Statement": [{"Effect": "Allow", "Principal": "*",
          "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]})");
  bad(R"({"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::photos/*"}]})");
  bad(R"({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::photos/*"}]})");
  bad(R"({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ec2:RunInstances",
          "Resource": "arn:aws:s3:::photos/*"}]})");
  // Another bucket's objects.
  bad(R"({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::other/*"}]})");
  bad(R"({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::photos/*", "Condition": {"StringSortOf": {"a": "b"}}}]})");
}

TEST(BucketPolicy, GrantsEveryoneOnlyWithoutConditions) {
  EXPECT_TRUE(parse(R"({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
      "Resource": "arn:aws:s3:::photos/*"}]})").grants_everyone("s3:GetObject"));
  EXPECT_FALSE(parse(kPublicPrefix).grants_everyone("s3:ListBucket"));
}

}  // namespace
}  // namespace silo::iam
