#include "storage/usage.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <string>
#include <thread>
#include <vector>

#include "common/uuid.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::storage {
namespace {

constexpr Deadline kNoDeadline = Deadline::never();

using silo::test_support::TempDir;

class UsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open();
    ASSERT_TRUE(drive_->make_bucket(kNoDeadline, {"bkt", 1}));
    ASSERT_TRUE(drive_->make_bucket(kNoDeadline, {"other", 1}));
  }
  void open() {
    drive_.reset();
    auto d = LocalDrive::open(dir_.path());
    ASSERT_TRUE(d) << d.error().text();
    drive_ = std::move(*d);
  }
  static ObjectRecord small(int64_t size, int64_t mod = 1) {
    ObjectRecord r;
    r.inlined = true;
    r.inline_data = std::string(static_cast<size_t>(size), 'x');
    r.size = size;
    r.mod_time_ns = mod;
    return r;
  }
  std::string large(const std::string& bucket, const std::string& key, int64_t size,
                    Replaced replaced = Replaced::kRemove) {
    std::string staged = new_uuid();
    auto w = drive_->create_staged(kNoDeadline, staged, "part.1");
    EXPECT_TRUE(w);
    EXPECT_TRUE((*w)->write(kNoDeadline, {reinterpret_cast<const uint8_t*>("data"), 4}));
    EXPECT_TRUE((*w)->close(kNoDeadline));
    ObjectRecord r;
    r.data_uuid = new_uuid();
    r.size = size;
    r.mod_time_ns = 7;
    EXPECT_TRUE(drive_->commit_object(kNoDeadline, bucket, key, r, staged, replaced));
    return r.data_uuid;
  }
  BucketUsage usage(const std::string& bucket) {
    auto u = drive_->bucket_usage(kNoDeadline, bucket);
    EXPECT_TRUE(u) << u.error().text();
    return u ? *u : BucketUsage{-1, -1};
  }

  TempDir dir_;
  std::unique_ptr<LocalDrive> drive_;
};

TEST_F(UsageTest, CommitsOverwritesAndDeletesAreCountedPerBucket) {
  EXPECT_EQ(usage("bkt"), (BucketUsage{0, 0}));
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "a", small(10), ""));
  large("bkt", "b", 5000);
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "other", "a", small(3), ""));
  EXPECT_EQ(usage("bkt"), (BucketUsage{2, 5010}));
  EXPECT_EQ(usage("other"), (BucketUsage{1, 3}));
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "a", small(30, 2), ""));  // overwrite
  EXPECT_EQ(usage("bkt"), (BucketUsage{2, 5030}));
  ASSERT_TRUE(drive_->delete_object(kNoDeadline, "bkt", "b"));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 30}));
  EXPECT_FALSE(drive_->delete_object(kNoDeadline, "bkt", "b"));  // missing: nothing changes
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 30}));
}

TEST_F(UsageTest, ChangesSetAsideCountOnceWhetherTheyStandOrAreTakenBack) {
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "a", small(10), ""));
  // An overwrite that stands.
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "a", small(20, 2), "", Replaced::kKeep));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 20}));
  ASSERT_TRUE(drive_->finish_replace(kNoDeadline, "bkt", "a"));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 20}));
  // An overwrite taken back: the old version and its size return.
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "a", small(50, 3), "", Replaced::kKeep));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 50}));
  ASSERT_TRUE(drive_->undo_replace(kNoDeadline, "bkt", "a", nullptr));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 20}));
  // A new key taken back, and a delete taken back.
  auto fresh = small(7, 4);
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "new", fresh, "", Replaced::kKeep));
  EXPECT_EQ(usage("bkt"), (BucketUsage{2, 27}));
  ASSERT_TRUE(drive_->undo_replace(kNoDeadline, "bkt", "new", &fresh));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 20}));
  ASSERT_TRUE(drive_->delete_object(kNoDeadline, "bkt", "a", Replaced::kKeep));
  EXPECT_EQ(usage("bkt"), (BucketUsage{0, 0}));
  ASSERT_TRUE(drive_->undo_replace(kNoDeadline, "bkt", "a", nullptr));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 20}));
}

TEST_F(UsageTest, CompletedUploadsCountTheirObject) {
  UploadRecord u;
  u.bucket = "bkt";
  u.key = "mp";
  u.upload_id = new_uuid();
  u.data_uuid = new_uuid();
  ASSERT_TRUE(drive_->put_upload(kNoDeadline, u));
  EXPECT_EQ(usage("bkt"), (BucketUsage{0, 0}));  // parts are not objects yet
  ObjectRecord r;
  r.data_uuid = u.data_uuid;
  r.size = 12345;
  ASSERT_TRUE(drive_->complete_upload(kNoDeadline, u, r));
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 12345}));
}

TEST_F(UsageTest, CountersSurviveARestartAndGoWithTheirBucket) {
  large("bkt", "b", 999);
  open();
  EXPECT_EQ(usage("bkt"), (BucketUsage{1, 999}));
  ASSERT_TRUE(drive_->delete_object(kNoDeadline, "bkt", "b"));
  ASSERT_TRUE(drive_->delete_bucket(kNoDeadline, "bkt"));
  ASSERT_TRUE(drive_->make_bucket(kNoDeadline, {"bkt", 2}));
  EXPECT_EQ(usage("bkt"), (BucketUsage{0, 0}));
}

TEST_F(UsageTest, ConcurrentCommitsToOneBucketAllCount) {
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string key = std::to_string(t) + "/" + std::to_string(i);
        EXPECT_TRUE(drive_->commit_object(kNoDeadline, "bkt", key, small(3), ""));
        if (i % 5 == 0) {
          EXPECT_TRUE(drive_->commit_object(kNoDeadline, "bkt", key, small(4, 2), ""));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(usage("bkt"), (BucketUsage{kThreads * kEach, kThreads * (kEach * 3 + kEach / 5)}));
}

TEST_F(UsageTest, AStoreWrittenWithoutCountersIsCountedOnceWhenOpened) {
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "a", small(10), ""));
  large("bkt", "b", 100);
  drive_.reset();
  {
    // As a drive formatted before the counters existed: no mark, no counters.
    rocksdb::Options o;
    o.merge_operator = usage_merge_operator();
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.path() + "/.silo/meta", &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Delete({}, "q#counted").ok());
    ASSERT_TRUE(db->Delete({}, usage_key("bkt")).ok());
  }
  open();
  EXPECT_EQ(usage("bkt"), (BucketUsage{2, 110}));
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "c", small(1), ""));
  open();  // counted once: later opens keep counting incrementally
  EXPECT_EQ(usage("bkt"), (BucketUsage{3, 111}));
}

}  // namespace
}  // namespace silo::storage
