#include "object/quota.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "object/pools.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::object {
namespace {

using silo::test_support::TempDir;

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Two erasure sets of one drive each, so usage is summed over sets.
class QuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::unique_ptr<ErasureSet>> sets;
    for (auto& dir : dirs_) {
      auto d = storage::LocalDrive::open(dir.path());
      ASSERT_TRUE(d) << d.error().text();
      std::vector<std::shared_ptr<storage::Drive>> drives{std::move(*d)};
      drives_.push_back(drives[0]);
      sets.push_back(std::make_unique<ErasureSet>(drives, ErasureSetOptions{}));
    }
    pools_ = std::make_unique<Pools>(std::move(sets), "deployment");
    ASSERT_TRUE(pools_->make_bucket("bkt"));
  }

  Status put(const std::string& key, size_t size, bool announce = true) {
    PutOptions options;
    if (announce) options.size = size;
    auto w = pools_->begin_put("bkt", key, std::move(options));
    if (!w) return std::unexpected(w.error());
    std::string data(size, 'q');
    for (size_t off = 0; off < size; off += 1 << 20) {
      auto piece = std::string_view(data).substr(off, 1 << 20);
      if (auto s = (*w)->write(bytes(piece)); !s) return s;
    }
    auto c = (*w)->commit({});
    if (!c) return std::unexpected(c.error());
    return {};
  }

  TempDir dirs_[2];
  std::vector<std::shared_ptr<storage::Drive>> drives_;  // the one drive of each set
  std::unique_ptr<Pools> pools_;
};

TEST_F(QuotaTest, AQuotaIsKeptInTheBucketRecordsOfEverySet) {
  auto& q = pools_->quotas();
  EXPECT_EQ(*q.quota("bkt"), std::nullopt);
  ASSERT_TRUE(q.set_quota("bkt", 1000));
  EXPECT_EQ(*q.quota("bkt"), 1000u);
  for (size_t s = 0; s < pools_->set_count(); ++s) {
    auto record = drives_[s]->stat_bucket(Deadline::never(), "bkt");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->quota_bytes, 1000u);
  }
  ASSERT_TRUE(q.set_quota("bkt", std::nullopt));
  EXPECT_EQ(*q.quota("bkt"), std::nullopt);
  EXPECT_EQ(q.set_quota("nope", 5).error().code, ErrorCode::kNoSuchBucket);
  EXPECT_EQ(q.quota("nope").error().code, ErrorCode::kNoSuchBucket);
}

TEST_F(QuotaTest, UsageIsSummedOverTheSets) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(put(std::to_string(i) + "-key", 100));
  auto u = pools_->quotas().usage("bkt");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->objects, 20);
  EXPECT_EQ(u->bytes, 2000);
}

TEST_F(QuotaTest, ClaimsCountWritesInFlightUntilReleased) {
  auto& q = pools_->quotas();
  ASSERT_TRUE(put("a", 400));
  EXPECT_TRUE(q.claim("bkt", 1000, 500));
  auto refused = q.claim("bkt", 1000, 200);  // 400 stored + 500 in flight + 200
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kQuotaExceeded);
  EXPECT_NE(refused.error().message.find("bkt"), std::string::npos);
  q.release("bkt", 500);
  EXPECT_TRUE(q.claim("bkt", 1000, 600));
  q.release("bkt", 600);
}

TEST_F(QuotaTest, WritesOfKnownSizeAreRefusedBeforeAnyByte) {
  ASSERT_TRUE(pools_->quotas().set_quota("bkt", 1000));
  ASSERT_TRUE(put("a", 600));
  PutOptions options;
  options.size = 500;
  auto w = pools_->begin_put("bkt", "b", std::move(options));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kQuotaExceeded);
  EXPECT_TRUE(put("b", 400));
}

TEST_F(QuotaTest, WritesOfUnknownSizeAreRefusedWhenTheyPassTheQuota) {
  ASSERT_TRUE(pools_->quotas().set_quota("bkt", 3 << 20));
  auto s = put("big", 5 << 20, /*announce=*/false);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kQuotaExceeded);
  // Claimed ahead in steps, yet a small write still fits up to the quota.
  EXPECT_TRUE(put("small", 2 << 20, /*announce=*/false));
  EXPECT_TRUE(put("last", 1 << 20, /*announce=*/false));
  EXPECT_FALSE(put("one-more", 1, /*announce=*/false));
}

}  // namespace
}  // namespace silo::object
