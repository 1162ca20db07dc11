#include "crypto/kms.h"

#include <gtest/gtest.h>

#include "crypto/key_seal.h"

namespace silo::crypto {
namespace {

// 32 bytes of base64 (openssl rand -base64 32 makes such keys).
constexpr const char* kKeyA = "my-key:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
constexpr const char* kKeyB = "my-key:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

TEST(Kms, ParsesNameAndKeyAndRefusesMalformedConfig) {
  auto kms = Kms::parse(kKeyA);
  ASSERT_TRUE(kms);
  EXPECT_EQ(kms->key_name(), "my-key");
  EXPECT_FALSE(Kms::parse("no-colon"));
  EXPECT_FALSE(Kms::parse(":MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="));
  EXPECT_FALSE(Kms::parse("k:c2hvcnQ="));  // 5 bytes
  EXPECT_FALSE(Kms::parse("k:not base64!"));
  auto err = Kms::parse("k:c2hvcnQ=");
  EXPECT_EQ(err.error().text().find("c2hvcnQ"), std::string_view::npos) << "secret echoed";
}

TEST(Kms, SealedKeyOpensOnlyWithSameMasterKeyAndContext) {
  auto kms = Kms::parse(kKeyA);
  auto object_key = random_key();
  ASSERT_TRUE(object_key);
  auto sealed = kms->seal(*object_key, "bucket/key");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), kSealedKeySize);
  auto opened = kms->unseal("my-key", *sealed, "bucket/key");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, *object_key);
  EXPECT_FALSE(kms->unseal("my-key", *sealed, "bucket/other"));
  // Another key of the same name: a clear error, not garbage.
  auto other = Kms::parse(kKeyB)->unseal("my-key", *sealed, "bucket/key");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().text().find("not the key the object was written with"),
            std::string_view::npos);
  // A key name this KMS does not have is named in the error.
  auto missing = kms->unseal("old-key", *sealed, "bucket/key");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().text().find("old-key"), std::string_view::npos);
}

TEST(KeySeal, WrongCustomerKeyIsAccessDeniedAndSealsDiffer) {
  Key customer;
  customer.fill(7);
  Key wrong;
  wrong.fill(8);
  auto object_key = random_key();
  auto a = seal_key(customer, *object_key, "b/k");
  auto b = seal_key(customer, *object_key, "b/k");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);  // fresh nonce every time
  EXPECT_EQ(*unseal_key(customer, *a, "b/k"), *object_key);
  auto denied = unseal_key(wrong, *a, "b/k");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kAccessDenied);
  auto flipped = *a;
  flipped[20] ^= 1;
  EXPECT_FALSE(unseal_key(customer, flipped, "b/k"));
}

}  // namespace
}  // namespace silo::crypto
