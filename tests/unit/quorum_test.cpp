#include "object/quorum.h"

#include <gtest/gtest.h>

namespace silo::object {
namespace {

using storage::ObjectRecord;

ObjectRecord version(int64_t mod_time, uint32_t k, uint32_t m) {
  ObjectRecord r;
  r.mod_time_ns = mod_time;
  r.etag = "etag" + std::to_string(mod_time);
  r.data_uuid = "uuid" + std::to_string(mod_time);
  r.erasure.data_blocks = k;
  r.erasure.parity_blocks = m;
  return r;
}

TEST(Quorum, WriteQuorumAddsOneWhenDataEqualsParity) {
  EXPECT_EQ(write_quorum(version(1, 2, 2).erasure), 3u);
  EXPECT_EQ(write_quorum(version(1, 7, 1).erasure), 7u);
  EXPECT_EQ(write_quorum(version(1, 1, 0).erasure), 1u);
  EXPECT_EQ(read_quorum(version(1, 5, 3).erasure), 5u);
}

TEST(Quorum, MetadataQuorumsOfAnySetOverlap) {
  for (size_t n = 1; n <= 16; ++n) {
    // A write majority and a read quorum always share a drive.
    EXPECT_GT(metadata_write_quorum(n) + metadata_read_quorum(n), n) << n;
    EXPECT_LE(metadata_write_quorum(n), n) << n;
  }
}

TEST(Quorum, PickChoosesTheVersionHeldByItsReadQuorum) {
  std::vector<Result<ObjectRecord>> records{version(1, 2, 2), version(1, 2, 2), version(2, 2, 2),
                                            fail(ErrorCode::kDriveOffline)};
  auto q = pick_quorum(records);
  ASSERT_TRUE(q);
  EXPECT_EQ(records[*q]->mod_time_ns, 1);
}

TEST(Quorum, PickPrefersTheNewestOnATie) {
  std::vector<Result<ObjectRecord>> records{version(1, 2, 2), version(2, 2, 2), version(1, 2, 2),
                                            version(2, 2, 2)};
  auto q = pick_quorum(records);
  ASSERT_TRUE(q);
  EXPECT_EQ(records[*q]->mod_time_ns, 2);
}

TEST(Quorum, PickSkipsAMajorityVersionThatCannotBeRead) {
  // Three drives hold a version that needs five; two hold a readable one.
  std::vector<Result<ObjectRecord>> records{version(9, 5, 3), version(9, 5, 3), version(9, 5, 3),
                                            version(1, 2, 6), version(1, 2, 6)};
  auto q = pick_quorum(records);
  ASSERT_TRUE(q);
  EXPECT_EQ(records[*q]->mod_time_ns, 1);
}

TEST(Quorum, NoVersionBelowReadQuorum) {
  std::vector<Result<ObjectRecord>> records{version(1, 2, 2), fail(ErrorCode::kNoSuchKey),
                                            fail(ErrorCode::kDriveOffline),
                                            fail(ErrorCode::kDriveOffline)};
  EXPECT_FALSE(pick_quorum(records));
  std::vector<const ObjectRecord*> candidates{&*records[0], nullptr};
  auto any = most_agreed(candidates, /*readable_only=*/false);
  ASSERT_TRUE(any);
  EXPECT_EQ(any->count, 1u);
  EXPECT_FALSE(most_agreed(candidates, /*readable_only=*/true));
}

TEST(Quorum, TallyCountsEachKindOfAnswer) {
  std::vector<Result<ObjectRecord>> records{version(1, 2, 2), fail(ErrorCode::kNoSuchKey),
                                            fail(ErrorCode::kNoSuchBucket),
                                            fail(ErrorCode::kDriveOffline)};
  auto t = tally(records, ErrorCode::kNoSuchKey);
  EXPECT_EQ(t.ok, 1u);
  EXPECT_EQ(t.absent, 1u);
  EXPECT_EQ(t.no_bucket, 1u);
  EXPECT_EQ(t.failed, 1u);
}

}  // namespace
}  // namespace silo::object
