// The object lock rules (object/object_lock.h): what keeps a version, which
// retention changes are allowed, and the bucket configuration's codec.
#include "object/object_lock.h"

#include <gtest/gtest.h>

#include "object/object_meta.h"

namespace silo::object {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000'000;
constexpr int64_t kHour = 3'600'000'000'000;

storage::KeyValues retained(std::string mode, int64_t until_ns) {
  storage::KeyValues meta;
  set_retention(meta, Retention{std::move(mode), until_ns});
  return meta;
}

TEST(ObjectLock, RetentionRoundTripsThroughTheMetadata) {
  auto meta = retained("COMPLIANCE", kNow + kHour);
  auto r = retention_of(meta);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mode, "COMPLIANCE");
  EXPECT_EQ(r->until_ns, kNow + kHour);
  clear_lock(meta);
  EXPECT_FALSE(retention_of(meta));
  EXPECT_FALSE(has_lock(meta));
}

TEST(ObjectLock, WhatKeepsAVersion) {
  EXPECT_TRUE(check_removable({}, kNow, false));
  EXPECT_FALSE(check_removable(retained("COMPLIANCE", kNow + kHour), kNow, true));
  EXPECT_FALSE(check_removable(retained("GOVERNANCE", kNow + kHour), kNow, false));
  EXPECT_TRUE(check_removable(retained("GOVERNANCE", kNow + kHour), kNow, true));
  EXPECT_TRUE(check_removable(retained("COMPLIANCE", kNow - 1), kNow, false));
  storage::KeyValues held;
  set_meta(held, kLegalHoldMeta, "ON");
  EXPECT_EQ(check_removable(held, kNow, true).error().code, ErrorCode::kAccessDenied);
  set_meta(held, kLegalHoldMeta, "OFF");
  EXPECT_TRUE(check_removable(held, kNow, false));
}

TEST(ObjectLock, RetentionChanges) {
  Retention compliance{"COMPLIANCE", kNow + kHour};
  Retention governance{"GOVERNANCE", kNow + kHour};
  Retention longer_compliance{"COMPLIANCE", kNow + 2 * kHour};
  Retention shorter_governance{"GOVERNANCE", kNow + kHour / 2};
  EXPECT_TRUE(check_retention_change(compliance, longer_compliance, kNow, false));
  EXPECT_FALSE(check_retention_change(longer_compliance, compliance, kNow, true));
  EXPECT_FALSE(check_retention_change(compliance, governance, kNow, true));
  EXPECT_FALSE(check_retention_change(compliance, std::nullopt, kNow, true));
  EXPECT_FALSE(check_retention_change(governance, shorter_governance, kNow, false));
  EXPECT_TRUE(check_retention_change(governance, shorter_governance, kNow, true));
  EXPECT_TRUE(check_retention_change(governance, std::nullopt, kNow, true));
  // An expired retention no longer binds.
  EXPECT_TRUE(check_retention_change(compliance, std::nullopt, kNow + 2 * kHour, false));
}

TEST(ObjectLock, BucketConfigurationCodecAndDefaultRetention) {
  EXPECT_EQ(encode_lock_config({}), "Enabled");
  auto plain = decode_lock_config("Enabled");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->mode.empty());
  LockConfig config{"GOVERNANCE", 0, 2};
  auto back = decode_lock_config(encode_lock_config(config));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->mode, "GOVERNANCE");
  EXPECT_EQ(back->years, 2);
  EXPECT_FALSE(decode_lock_config("Disabled"));
  storage::KeyValues meta;
  apply_default_retention(meta, LockConfig{"COMPLIANCE", 1, 0}, kNow);
  auto r = retention_of(meta);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mode, "COMPLIANCE");
  EXPECT_EQ(r->until_ns, kNow + 24 * kHour);
  // A version's own retention wins over the default.
  auto own = retained("GOVERNANCE", kNow + kHour);
  apply_default_retention(own, LockConfig{"COMPLIANCE", 1, 0}, kNow);
  EXPECT_EQ(retention_of(own)->mode, "GOVERNANCE");
}

}  // namespace
}  // namespace silo::object
