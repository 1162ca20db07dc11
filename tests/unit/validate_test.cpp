#include "s3/validate.h"

#include <gtest/gtest.h>

#include <string>

namespace silo::s3 {
namespace {

TEST(BucketName, AcceptsTypicalNames) {
  for (const char* ok : {"abc", "my-bucket", "my.bucket.example", "bucket-1", "123", "a1b2c3",
                         "docexamplebucket1", "log-delivery-march-2020", "a.b-c.d", "a--b",
                         "xn-abc", "sthree", "s3alias", "bucket-s3alias1", "abc.mrap1"}) {
    EXPECT_TRUE(valid_bucket_name(ok)) << ok;
  }
}

TEST(BucketName, LengthMustBeThreeToSixtyThree) {
  EXPECT_FALSE(valid_bucket_name(""));
  EXPECT_FALSE(valid_bucket_name("a"));
  EXPECT_FALSE(valid_bucket_name("ab"));
  EXPECT_TRUE(valid_bucket_name("abc"));
  EXPECT_TRUE(valid_bucket_name(std::string(63, 'a')));
  EXPECT_FALSE(valid_bucket_name(std::string(64, 'a')));
  EXPECT_FALSE(valid_bucket_name(std::string(300, 'a')));
}

TEST(BucketName, OnlyLowerCaseLettersDigitsDotsAndHyphens) {
  for (const char* bad : {"MyBucket", "myBucket", "my_bucket", "my bucket", "my/bucket",
                          "my:bucket", "bucket!", "b\xC3\xA9ket", "abc\tdef", "ab+c", "ab~c"}) {
    EXPECT_FALSE(valid_bucket_name(bad)) << bad;
  }
  EXPECT_FALSE(valid_bucket_name(std::string_view("ab\0c", 4)));
}

TEST(BucketName, MustBeginAndEndWithLetterOrDigit) {
  for (const char* bad : {"-abc", "abc-", ".abc", "abc.", "-ab-", ".ab."}) {
    EXPECT_FALSE(valid_bucket_name(bad)) << bad;
  }
  EXPECT_TRUE(valid_bucket_name("0bc"));
  EXPECT_TRUE(valid_bucket_name("ab9"));
}

TEST(BucketName, RejectsAdjacentPeriods) {
  EXPECT_FALSE(valid_bucket_name("my..bucket"));
  EXPECT_FALSE(valid_bucket_name("a...b"));
  EXPECT_TRUE(valid_bucket_name("my.bucket"));
}

// The rule of the legacy DNS-compliant naming scheme, which Silo keeps.
TEST(BucketName, RejectsHyphenNextToPeriod) {
  EXPECT_FALSE(valid_bucket_name("my-.bucket"));
  EXPECT_FALSE(valid_bucket_name("my.-bucket"));
}

TEST(BucketName, RejectsIpv4AddressForm) {
  EXPECT_FALSE(valid_bucket_name("192.168.5.4"));
  EXPECT_FALSE(valid_bucket_name("10.0.0.1"));
  EXPECT_FALSE(valid_bucket_name("255.255.255.255"));
  EXPECT_FALSE(valid_bucket_name("1.2.3.4"));
  // Not four dotted numbers: not an address.
  EXPECT_TRUE(valid_bucket_name("192.168.5"));
  EXPECT_TRUE(valid_bucket_name("192.168.5.4a"));
  EXPECT_TRUE(valid_bucket_name("a192.168.5.4"));
  EXPECT_TRUE(valid_bucket_name("192-168-5-4"));
  EXPECT_TRUE(valid_bucket_name("1.2.3.4.5"));
}

TEST(BucketName, RejectsReservedPrefixXnDashDash) {
  EXPECT_FALSE(valid_bucket_name("xn--bucket"));
  EXPECT_FALSE(valid_bucket_name("xn--abc"));
  EXPECT_TRUE(valid_bucket_name("axn--bucket"));
}

TEST(BucketName, RejectsReservedPrefixSthree) {
  EXPECT_FALSE(valid_bucket_name("sthree-bucket"));
  EXPECT_FALSE(valid_bucket_name("sthree-configurator"));
  EXPECT_FALSE(valid_bucket_name("sthree-configurator-x"));
  EXPECT_TRUE(valid_bucket_name("sthreebucket"));
}

TEST(BucketName, RejectsReservedPrefixAmznS3Demo) {
  EXPECT_FALSE(valid_bucket_name("amzn-s3-demo-bucket"));
  EXPECT_TRUE(valid_bucket_name("amzn-s3-demobucket"));
}

TEST(BucketName, RejectsReservedSuffixes) {
  EXPECT_FALSE(valid_bucket_name("bucket-s3alias"));
  EXPECT_FALSE(valid_bucket_name("bucket--ol-s3"));
  EXPECT_FALSE(valid_bucket_name("bucket.mrap"));
  EXPECT_FALSE(valid_bucket_name("bucket--x-s3"));
  EXPECT_TRUE(valid_bucket_name("bucket-s3"));
  EXPECT_TRUE(valid_bucket_name("bucket-ol-s3"));
  EXPECT_TRUE(valid_bucket_name("bucket-x-s3"));
  EXPECT_TRUE(valid_bucket_name("bucketmrap"));
}

TEST(BucketName, RejectsReservedSuffixTableS3) {
  EXPECT_FALSE(valid_bucket_name("bucket--table-s3"));
  EXPECT_TRUE(valid_bucket_name("bucket-table-s3"));
}

// ---- keys

TEST(ObjectKey, AcceptsUtf8KeysUpTo1024Bytes) {
  for (std::string key :
       {std::string("a"), std::string("photos/2020/jan/1.jpg"),
        std::string("\xE6\x97\xA5\xE6\x9C\xAC/\xC3\xA9t\xC3\xA9"),
        std::string("\xF0\x9F\x98\x80 emoji"), std::string("a//b"), std::string("../../etc/passwd"),
        std::string(" "), std::string("tab\tnew\nline\x01"), std::string(1024, 'k')}) {
    EXPECT_TRUE(validate_key(key)) << key;
  }
}

TEST(ObjectKey, LimitCountsBytesNotCharacters) {
  std::string key;
  for (int i = 0; i < 341; ++i) key += "\xE2\x82\xAC";  // 1023 bytes
  EXPECT_TRUE(validate_key(key));
  EXPECT_TRUE(validate_key(key + "a"));
  auto r = validate_key(key + "\xC3\xA9");  // 1025 bytes
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kKeyTooLongError);
}

TEST(ObjectKey, LongerThan1024BytesIsKeyTooLong) {
  auto r = validate_key(std::string(1025, 'k'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kKeyTooLongError);
}

TEST(ObjectKey, NulIsInvalidObjectName) {
  for (std::string_view key :
       {std::string_view("a\0b", 3), std::string_view("\0", 1), std::string_view("abc\0", 4)}) {
    auto r = validate_key(key);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidObjectName);
  }
}

TEST(ObjectKey, InvalidUtf8IsInvalidObjectName) {
  for (const char* key : {"\xFF", "a\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    auto r = validate_key(key);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidObjectName);
  }
}

TEST(HeaderValue, ControlCharactersOtherThanTabAreRefused) {
  using namespace std::string_view_literals;
  for (auto v : {"a\rb"sv, "a\nb"sv, "text/plain\r\nX-Injected: yes"sv, "\x01"sv, "a\x7f"sv,
                 "a\0b"sv}) {
    EXPECT_FALSE(valid_header_value(v)) << v;
    auto r = validate_header_value("response-content-type", v);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(HeaderValue, TextTabsAndUtf8AreAccepted) {
  for (const char* v : {"", "text/plain; charset=utf-8", "attachment;\tfilename=x", "caf\xC3\xA9"}) {
    EXPECT_TRUE(valid_header_value(v)) << v;
    EXPECT_TRUE(validate_header_value("x", v));
  }
}

}  // namespace
}  // namespace silo::s3
