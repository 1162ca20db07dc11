#include "storage/space.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/uuid.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::storage {
namespace {

// A reserve no drive can keep free: the drive is full whatever it holds (a
// share such as 99.9 % is not enough on an empty tmpfs).
constexpr uint64_t kMoreThanAnyDrive = uint64_t{1} << 60;

constexpr Deadline kNoDeadline = Deadline::never();

using silo::test_support::TempDir;

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;

TEST(MinFree, TakesASizeOrAPercentage) {
  auto size = parse_min_free("10GiB");
  ASSERT_TRUE(size);
  EXPECT_EQ(size->bytes, 10 * kGiB);
  EXPECT_EQ(size->percent, 0);
  auto share = parse_min_free(" 5% ");
  ASSERT_TRUE(share);
  EXPECT_EQ(share->bytes, 0u);
  EXPECT_DOUBLE_EQ(share->percent, 5);
  auto half = parse_min_free("0.5%");
  ASSERT_TRUE(half);
  EXPECT_DOUBLE_EQ(half->percent, 0.5);
  EXPECT_EQ(parse_min_free("512MiB")->bytes, 512 * kMiB);
}

TEST(MinFree, RefusesAnythingElseWithAMessageNamingTheOption) {
  for (const char* bad : {"", "lots", "100%", "-1%", "%", "12 parsecs", "1e3%", "nan%"}) {
    auto r = parse_min_free(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("--min-free"), std::string::npos);
  }
}

TEST(MetadataSizing, SmallDrivesGetSmallMemtablesSoTheReserveFits) {
  auto tiny = metadata_sizing(32 * kMiB);
  EXPECT_EQ(tiny.write_buffer, 256 * kKiB);
  EXPECT_LT(tiny.needs, 32 * kMiB / 6);
  EXPECT_LT(tiny.ballast, 2 * kMiB);
  auto small = metadata_sizing(256 * kMiB);
  EXPECT_EQ(small.write_buffer, 1 * kMiB);
  EXPECT_LT(small.needs, 256 * kMiB / 10);
  auto big = metadata_sizing(4 * 1024 * kGiB);
  EXPECT_EQ(big.write_buffer, 16 * kMiB);
  EXPECT_EQ(big.level1_bytes, 256 * kMiB);
  EXPECT_LT(big.needs, 512 * kMiB);
}

TEST(MetadataSizing, TheReserveHoldsAFlushOfBothMemtablesAndTheLargestCompaction) {
  for (uint64_t total : {32 * kMiB, 1 * kGiB, 8 * kGiB, 100 * kGiB}) {
    auto s = metadata_sizing(total);
    EXPECT_GE(s.needs, 2 * s.write_buffer + s.max_compaction_bytes) << total;
    EXPECT_GE(s.max_compaction_bytes, 4 * s.write_buffer + s.level1_bytes) << total;
    EXPECT_GE(s.max_compaction_bytes, 11 * s.target_file_bytes) << total;
  }
}

TEST(Reserve, IsTheLargerOfTheOptionAndWhatTheMetadataStoreNeeds) {
  MinFree one_percent;
  EXPECT_EQ(reserve_bytes(1024 * kGiB, one_percent), 1024 * kGiB / 100);
  EXPECT_EQ(reserve_bytes(32 * kMiB, one_percent), metadata_sizing(32 * kMiB).needs);
  MinFree fixed{20 * kGiB, 0};
  EXPECT_EQ(reserve_bytes(1024 * kGiB, fixed), 20 * kGiB);
  EXPECT_EQ(reserve_bytes(32 * kMiB, fixed), 20 * kGiB);
}

TEST(DiskInfo, FullMeansAtTheReserveAndRoomMeansAboveIt) {
  DiskInfo d{100 * kMiB, 20 * kMiB, 10 * kMiB, 0};
  EXPECT_FALSE(d.full());
  EXPECT_TRUE(d.room_for(10 * kMiB));
  EXPECT_FALSE(d.room_for(10 * kMiB + 1));
  EXPECT_EQ(d.used(), 80 * kMiB);
  d.free = 10 * kMiB + kMiB / 2;  // within a MiB of the reserve
  EXPECT_TRUE(d.full());
  d.free = 5 * kMiB;
  EXPECT_TRUE(d.full());
  EXPECT_FALSE(d.room_for(0));
}

TEST(SpaceGuard, RefusesWhatWouldEnterTheReserveNamingTheDrive) {
  TempDir dir;
  SpaceGuard guard(dir.path(), MinFree{kMoreThanAnyDrive, 0});
  auto d = guard.info();
  EXPECT_GT(d.total, 0u);
  EXPECT_TRUE(d.full());
  for (uint64_t bytes : {uint64_t{0}, uint64_t{1}, kMiB}) {
    auto s = guard.take(bytes);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kStorageFull);
    EXPECT_NE(s.error().message.find(dir.path()), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("reserve"), std::string::npos) << s.error().message;
  }
}

TEST(SpaceGuard, AllowsWritesAboveTheReserve) {
  TempDir dir;
  SpaceGuard guard(dir.path(), MinFree{0, 0});
  EXPECT_TRUE(guard.take(0));
  EXPECT_TRUE(guard.take(kMiB));
  EXPECT_EQ(guard.info().reserve, guard.sizing().needs);
}

TEST(SpaceGuard, TheBallastIsTakenWhenThereIsRoomAndReleasedOnce) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/.silo");
  SpaceGuard guard(dir.path(), MinFree{0, 0});
  guard.keep_ballast();
  std::string path = dir.path() + "/.silo/ballast";
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(guard.info().ballast, guard.sizing().ballast);
  EXPECT_TRUE(guard.release_ballast());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(guard.release_ballast());
  EXPECT_EQ(guard.info().ballast, 0u);
}

// A drive at its reserve: what would store data is refused, reads, deletes
// and metadata changes are not.
class LocalDriveAtReserveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = LocalDrive::open(dir_.path());
    ASSERT_TRUE(d) << d.error().text();
    ASSERT_TRUE((*d)->make_bucket(kNoDeadline, {"bkt", 1}));
    ObjectRecord r;
    r.inlined = true;
    r.inline_data = "inline shard";
    r.size = 5;
    ASSERT_TRUE((*d)->commit_object(kNoDeadline, "bkt", "small", r, ""));
    d->reset();
    LocalDriveOptions full;
    full.min_free = MinFree{kMoreThanAnyDrive, 0};
    auto reopened = LocalDrive::open(dir_.path(), full);
    ASSERT_TRUE(reopened) << reopened.error().text();
    drive_ = std::move(*reopened);
  }

  TempDir dir_;
  std::unique_ptr<LocalDrive> drive_;
};

TEST_F(LocalDriveAtReserveTest, StagedShardsAndInlineDataAreRefusedWithStorageFull) {
  auto w = drive_->create_staged(kNoDeadline, new_uuid(), "part.1");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kStorageFull);
  ObjectRecord r;
  r.inlined = true;
  r.inline_data = "more inline data";
  r.size = 9;
  auto s = drive_->commit_object(kNoDeadline, "bkt", "new", r, "");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kStorageFull);
  auto info = drive_->disk_info(kNoDeadline, true);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->full());
}

TEST_F(LocalDriveAtReserveTest, ReadsDeletesAndMetadataGoOn) {
  auto r = drive_->read_object(kNoDeadline, "bkt", "small", true);
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(r->inline_data, "inline shard");
  EXPECT_TRUE(drive_->make_bucket(kNoDeadline, {"other", 2}));
  EXPECT_TRUE(drive_->delete_object(kNoDeadline, "bkt", "small"));
  EXPECT_TRUE(drive_->delete_bucket(kNoDeadline, "other"));
}

}  // namespace
}  // namespace silo::storage
