#include "s3/acl.h"

#include <gtest/gtest.h>

#include <map>

namespace silo::s3 {
namespace {

const std::string kOwner(64, 'a');
const std::string kOther(64, 'b');

CanonicalUsers users() {
  return [](std::string_view id) -> std::optional<std::string> {
    if (id == kOwner) return "owner";
    if (id == kOther) return "other";
    return std::nullopt;
  };
}

HeaderLookup headers(std::map<std::string, std::string, std::less<>> h) {
  return [h = std::move(h)](std::string_view name) -> std::optional<std::string_view> {
    auto it = h.find(name);
    if (it == h.end()) return std::nullopt;
    return std::string_view(it->second);
  };
}

TEST(Acl, CannedAclsGrantWhatAwsDocuments) {
  auto acl = canned_acl("public-read-write", kOwner, kOwner);
  ASSERT_TRUE(acl);
  EXPECT_EQ(acl->grants.size(), 3u);
  EXPECT_TRUE(acl_grants(*acl, kAclRead, "", false));
  EXPECT_TRUE(acl_grants(*acl, kAclWrite, "", false));
  EXPECT_FALSE(acl_grants(*acl, kAclReadAcp, "", false));
  EXPECT_TRUE(acl_grants(*acl, kAclWriteAcp, kOwner, false));
  EXPECT_FALSE(acl_grants(*acl, kAclRead, "", true)) << "IgnorePublicAcls";
  EXPECT_TRUE(acl_is_public(*acl));
  // S3 lists what the name adds first and the owner's FULL_CONTROL last.
  EXPECT_EQ(acl->grants.front().grantee.type, AclGrantee::Type::kGroup);
  EXPECT_EQ(acl->grants.back().grantee.value, kOwner);
  EXPECT_EQ(acl->grants.back().permission, kAclFullControl);

  auto authenticated = canned_acl("authenticated-read", kOwner, kOwner);
  EXPECT_FALSE(acl_grants(*authenticated, kAclRead, "", false));
  EXPECT_TRUE(acl_grants(*authenticated, kAclRead, kOther, false));

  auto bucket_owner = canned_acl("bucket-owner-full-control", kOther, kOwner);
  EXPECT_EQ(bucket_owner->grants.size(), 2u);
  EXPECT_TRUE(acl_is_owner_only(*bucket_owner, kOwner));
  EXPECT_FALSE(canned_acl("everyone", kOwner, kOwner));
}

TEST(Acl, GrantHeadersNameIdsAndGroups) {
  auto acl = acl_from_headers(
      headers({{"x-amz-grant-read",
                "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\", id=\"" + kOther + "\""},
               {"x-amz-grant-full-control", "id=" + kOwner}}),
      kOwner, kOwner, users());
  ASSERT_TRUE(acl) << acl.error().text();
  ASSERT_TRUE(*acl);
  EXPECT_EQ((*acl)->grants.size(), 3u);
  EXPECT_TRUE(acl_grants(**acl, kAclRead, kOther, false));
  EXPECT_FALSE(acl_grants(**acl, kAclWrite, kOther, false));

  auto none = acl_from_headers(headers({}), kOwner, kOwner, users());
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  auto code = [&](std::map<std::string, std::string, std::less<>> h) {
    auto r = acl_from_headers(headers(std::move(h)), kOwner, kOwner, users());
    return r ? ErrorCode::kInternalError : r.error().code;
  };
  EXPECT_EQ(code({{"x-amz-grant-read", "id=\"nobody\""}}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({{"x-amz-grant-read", "emailAddress=\"a@b.c\""}}),
            ErrorCode::kUnresolvableGrantByEmailAddress);
  EXPECT_EQ(code({{"x-amz-grant-read", "uri=\"http://example.com/g\""}}),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code({{"x-amz-acl", "private"}, {"x-amz-grant-write", "id=" + kOwner}}),
            ErrorCode::kInvalidRequest);
}

TEST(Acl, DocumentsRoundTripThroughXmlAndStorage) {
  auto acl = canned_acl("log-delivery-write", kOwner, kOwner);
  acl->grants.push_back({{AclGrantee::Type::kCanonicalUser, kOther}, kAclReadAcp});
  std::string xml = acl_xml(*acl, users());
  EXPECT_NE(xml.find("<DisplayName>owner</DisplayName>"), std::string::npos);
  auto parsed = parse_acl_xml(xml, users());
  ASSERT_TRUE(parsed) << parsed.error().text();
  EXPECT_EQ(encode_acl(*parsed), encode_acl(*acl));
  auto decoded = decode_acl(encode_acl(*acl));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(acl_xml(*decoded, users()), xml);
  EXPECT_FALSE(decode_acl("garbage"));
  EXPECT_FALSE(decode_acl(""));
}

TEST(Acl, BadDocumentsAreMalformed) {
  auto code = [](std::string_view body) {
    auto r = parse_acl_xml(body, users());
    return r ? ErrorCode::kInternalError : r.error().code;
  };
  EXPECT_EQ(code("<AccessControlPolicy/>"), ErrorCode::kMalformedACLError);
  EXPECT_EQ(code("not xml"), ErrorCode::kMalformedACLError);
  std::string head = "<AccessControlPolicy><Owner><ID>" + kOwner + "</ID></Owner><AccessControlList>";
  EXPECT_EQ(code(head + "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                        "xsi:type=\"CanonicalUser\"><ID>" + kOwner +
                 "</ID></Grantee><Permission>ALL</Permission></Grant></AccessControlList>"
                 "</AccessControlPolicy>"),
            ErrorCode::kMalformedACLError);
  EXPECT_EQ(code(head + "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                        "xsi:type=\"AmazonCustomerByEmail\"><EmailAddress>a@b.c</EmailAddress>"
                        "</Grantee><Permission>READ</Permission></Grant></AccessControlList>"
                        "</AccessControlPolicy>"),
            ErrorCode::kUnresolvableGrantByEmailAddress);
  auto empty = parse_acl_xml(head + "</AccessControlList></AccessControlPolicy>", users());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->grants.empty());
}

TEST(Acl, ActionsNeedTheirPermission) {
  EXPECT_FALSE(acl_need("s3:GetObject")->permission != kAclRead);
  EXPECT_TRUE(acl_need("s3:GetObject")->on_object);
  EXPECT_FALSE(acl_need("s3:PutObject")->on_object);
  EXPECT_EQ(acl_need("s3:PutObject")->permission, kAclWrite);
  EXPECT_EQ(acl_need("s3:PutBucketAcl")->permission, kAclWriteAcp);
  EXPECT_FALSE(acl_need("s3:PutBucketPolicy"));
  EXPECT_FALSE(acl_need("s3:DeleteBucket"));
}

}  // namespace
}  // namespace silo::s3
