// Two-step replacement on a 4-drive erasure set (EC 2+2): a change that
// does not reach write quorum, or that a crash interrupts between drives,
// never costs the version it replaced; a drive that a bucket's create
// missed gets the bucket when a write or a heal finds it lacking.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include <memory>
#include <string>
#include <vector>

#include "hooked_drive.h"
#include "object/erasure_set.h"
#include "object/local_key_locks.h"
#include "object/object_meta.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::object {
namespace {

// Tests call drives directly, with no caller waiting on a deadline.
constexpr Deadline kNoDeadline = Deadline::never();

using silo::test_support::HookedDrive;
using silo::test_support::TempDir;

constexpr size_t kDrives = 4;

std::string pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 31);
  return s;
}

class ErasureSettleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (size_t j = 0; j < kDrives; ++j) {
      auto d = storage::LocalDrive::open(dirs_[j].path());
      ASSERT_TRUE(d) << d.error().text();
      local_.push_back(std::shared_ptr<storage::LocalDrive>(std::move(*d)));
      hooked_.push_back(std::make_shared<HookedDrive>(local_.back()));
    }
    set_ = make_set();
    ASSERT_TRUE(set_->make_bucket("bkt"));
  }

  std::unique_ptr<ErasureSet> make_set(ErasureSetOptions o = {}) {
    o.standard_parity = 2;
    std::vector<std::shared_ptr<storage::Drive>> drives(hooked_.begin(), hooked_.end());
    return std::make_unique<ErasureSet>(std::move(drives), o);
  }

  Result<ObjectInfo> put(std::string_view key, std::string_view data) {
    auto w = set_->begin_put("bkt", key, {});
    if (!w) return std::unexpected(w.error());
    if (auto s = (*w)->write({reinterpret_cast<const uint8_t*>(data.data()), data.size()}); !s) {
      return std::unexpected(s.error());
    }
    return (*w)->commit(PutFinal{});
  }

  std::string get(std::string_view key) {
    auto r = set_->open_object("bkt", key);
    EXPECT_TRUE(r) << r.error().text();
    if (!r) return {};
    std::string out;
    std::vector<uint8_t> buf(1 << 20);
    while (auto n = (*r)->read(buf)) {
      if (*n == 0) break;
      out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    return out;
  }

  // No change left undecided on the drive: the marks of new keys go on a
  // background thread, within moments of the write.
  static bool settled(storage::LocalDrive& drive) {
    for (int i = 0; i < 200; ++i) {
      if (drive.pending_replaces(kNoDeadline)->empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  TempDir dirs_[kDrives];
  std::vector<std::shared_ptr<storage::LocalDrive>> local_;
  std::vector<std::shared_ptr<HookedDrive>> hooked_;
  std::unique_ptr<ErasureSet> set_;
};

TEST_F(ErasureSettleTest, FailedOverwriteLeavesTheOldVersionWholeOnEveryDrive) {
  for (size_t size : {size_t{3000}, size_t{600 * 1024}}) {  // inline and in shard files
    std::string key = "k" + std::to_string(size);
    std::string v1 = pattern(size, 'a');
    auto first = put(key, v1);
    ASSERT_TRUE(first);
    hooked_[0]->fail_commits_after = 0;
    hooked_[1]->fail_commits_after = 0;
    auto second = put(key, pattern(size, 'b'));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kInsufficientWriteQuorum);
    hooked_[0]->fail_commits_after = SIZE_MAX;
    hooked_[1]->fail_commits_after = SIZE_MAX;
    for (size_t j = 0; j < kDrives; ++j) {
      auto r = local_[j]->read_object(kNoDeadline, "bkt", key, false);
      ASSERT_TRUE(r) << "drive " << j << ": " << r.error().text();
      EXPECT_EQ(r->etag, first->etag) << "drive " << j;
      EXPECT_TRUE(settled(*local_[j]));
    }
    // Readable from any two drives: the old version kept full redundancy.
    hooked_[2]->offline = true;
    hooked_[3]->offline = true;
    EXPECT_EQ(get(key), v1);
    hooked_[2]->offline = false;
    hooked_[3]->offline = false;
  }
}

TEST_F(ErasureSettleTest, FailedDeleteKeepsTheObjectOnEveryDrive) {
  std::string v1 = pattern(400 * 1024, 'c');
  ASSERT_TRUE(put("k", v1));
  for (size_t j = 0; j < 2; ++j) hooked_[j]->offline = true;
  // Offline drives refuse the delete too: only 2 of 4 delete, below quorum 3.
  EXPECT_FALSE(set_->delete_object("bkt", "k"));
  for (size_t j = 0; j < 2; ++j) hooked_[j]->offline = false;
  for (size_t j = 0; j < kDrives; ++j) {
    EXPECT_TRUE(local_[j]->read_object(kNoDeadline, "bkt", "k", false)) << "drive " << j;
  }
  EXPECT_EQ(get("k"), v1);
}

// A crash while a new key was being committed: one drive of four got it
// (below k = 2). At the next start the key is taken back, so it reads as
// missing instead of "unavailable" forever.
TEST_F(ErasureSettleTest, InterruptedCreateOfANewKeyBelowReadQuorumIsTakenBackAtStart) {
  ASSERT_TRUE(put("other", pattern(10, 'x')));
  auto model = local_[0]->read_object(kNoDeadline, "bkt", "other", false);
  ASSERT_TRUE(model);
  storage::ObjectRecord torn = *model;
  ASSERT_TRUE(local_[0]->commit_object(kNoDeadline, "bkt", "new", torn, "", storage::Replaced::kKeep));
  set_ = make_set();  // the restart
  auto before = set_->open_object("bkt", "new");
  ASSERT_FALSE(before);
  EXPECT_EQ(set_->resolve_pending(), 1u);
  EXPECT_EQ(local_[0]->read_object(kNoDeadline, "bkt", "new", false).error().code, ErrorCode::kNoSuchKey);
  auto after = set_->open_object("bkt", "new");
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, ErrorCode::kNoSuchKey);
}

// Settlement does not wait a whole lock_timeout for a key it cannot lock (a
// cluster starting with most nodes down): the key stays pending, the next
// pass settles it.
TEST_F(ErasureSettleTest, SettlementLeavesAKeyItCannotLockSoonForTheNextPass) {
  ASSERT_TRUE(put("other", pattern(10, 'x')));
  auto model = local_[0]->read_object(kNoDeadline, "bkt", "other", false);
  ASSERT_TRUE(model);
  ASSERT_TRUE(local_[0]->commit_object(kNoDeadline, "bkt", "new", *model, "",
                                       storage::Replaced::kKeep));
  ErasureSetOptions o;
  o.key_locks = std::make_shared<LocalKeyLocks>();
  o.settle_lock_timeout = std::chrono::milliseconds(100);
  set_ = make_set(o);  // the restart
  // Another request holds the key's lock (on its own thread: the striped
  // mutexes are not recursive).
  std::promise<void> locked, done;
  std::thread holder([&] {
    auto held = o.key_locks->lock(Deadline::after(std::chrono::seconds(5)), "bkt", "new");
    EXPECT_TRUE(held);
    locked.set_value();
    done.get_future().wait();
  });
  locked.get_future().wait();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(set_->resolve_pending(), 0u);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(90));
  EXPECT_LT(took, std::chrono::seconds(2));
  done.set_value();
  holder.join();
  EXPECT_EQ(set_->resolve_pending(), 1u);
}

// A crash after one drive committed a new version: at the next start that
// version (held by 1 < k drives) is taken back on that drive.
TEST_F(ErasureSettleTest, InterruptedChangeBelowReadQuorumIsTakenBackAtStart) {
  std::string v1 = pattern(700 * 1024, 'd');
  auto first = put("k", v1);
  ASSERT_TRUE(first);
  auto rec = local_[0]->read_object(kNoDeadline, "bkt", "k", false);
  ASSERT_TRUE(rec);
  storage::ObjectRecord torn = *rec;
  torn.mod_time_ns += 1;
  torn.etag = "00000000000000000000000000000000";
  torn.data_uuid = "aaaaaaaa-0000-4000-8000-000000000000";
  ASSERT_TRUE(
      local_[0]->commit_object(kNoDeadline, "bkt", "k", torn, "", storage::Replaced::kKeep));
  set_ = make_set();  // the restart
  EXPECT_EQ(set_->resolve_pending(), 1u);
  auto back = local_[0]->read_object(kNoDeadline, "bkt", "k", false);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->etag, first->etag);
  EXPECT_TRUE(local_[0]->pending_replaces(kNoDeadline)->empty());
  for (size_t j = 1; j < kDrives; ++j) hooked_[j]->offline = j >= 2;  // read drive 0 and 1 only
  EXPECT_EQ(get("k"), v1);
}

// The same with k drives holding the new version: it stands.
TEST_F(ErasureSettleTest, InterruptedChangeHeldByReadQuorumStandsAtStart) {
  ASSERT_TRUE(put("k", pattern(500 * 1024, 'e')));
  std::vector<storage::ObjectRecord> next;
  for (size_t j = 0; j < 2; ++j) {
    auto rec = local_[j]->read_object(kNoDeadline, "bkt", "k", false);
    ASSERT_TRUE(rec);
    next.push_back(*rec);
    next.back().mod_time_ns += 1;
    next.back().meta.emplace_back("x-amz-meta-v", "2");
    ASSERT_TRUE(local_[j]->commit_object(kNoDeadline, "bkt", "k", next.back(), "",
                                         storage::Replaced::kKeep));
  }
  set_ = make_set();
  EXPECT_EQ(set_->resolve_pending(), 1u);
  for (size_t j = 0; j < 2; ++j) {
    EXPECT_EQ(local_[j]->read_object(kNoDeadline, "bkt", "k", false)->mod_time_ns,
              next[j].mod_time_ns);
    EXPECT_TRUE(local_[j]->pending_replaces(kNoDeadline)->empty());
  }
}

// With drives offline that might hold the new version, nothing is decided.
TEST_F(ErasureSettleTest, InterruptedChangeWaitsForOfflineDrives) {
  ASSERT_TRUE(put("k", pattern(500 * 1024, 'f')));
  auto rec = local_[0]->read_object(kNoDeadline, "bkt", "k", false);
  ASSERT_TRUE(rec);
  storage::ObjectRecord next = *rec;
  next.mod_time_ns += 1;
  ASSERT_TRUE(
      local_[0]->commit_object(kNoDeadline, "bkt", "k", next, "", storage::Replaced::kKeep));
  hooked_[3]->offline = true;
  set_ = make_set();
  EXPECT_EQ(set_->resolve_pending(), 0u);
  EXPECT_EQ(local_[0]->pending_replaces(kNoDeadline)->size(), 1u);
  hooked_[3]->offline = false;
  EXPECT_EQ(set_->resolve_pending(), 1u);
  EXPECT_TRUE(local_[0]->pending_replaces(kNoDeadline)->empty());
}


// A bucket's create that missed a drive (its node did not answer in time)
// must not leave that drive out of every later write to the bucket.
TEST_F(ErasureSettleTest, AWriteGivesTheBucketToADriveThatLacksIt) {
  ASSERT_TRUE(local_[1]->delete_bucket(kNoDeadline, "bkt"));
  for (size_t size : {size_t{3000}, size_t{600 * 1024}}) {  // inline and in shard files
    std::string key = "k" + std::to_string(size);
    ASSERT_TRUE(put(key, pattern(size, 'g')));
    for (size_t j = 0; j < kDrives; ++j) {
      auto r = local_[j]->read_object(kNoDeadline, "bkt", key, false);
      EXPECT_TRUE(r) << "drive " << j << ": " << r.error().text();
    }
  }
  EXPECT_TRUE(local_[1]->stat_bucket(kNoDeadline, "bkt"));
}

TEST_F(ErasureSettleTest, AHealGivesTheBucketToADriveThatLacksIt) {
  std::string v = pattern(600 * 1024, 'h');
  hooked_[1]->offline = true;
  ASSERT_TRUE(put("k", v));
  hooked_[1]->offline = false;
  ASSERT_TRUE(local_[1]->delete_bucket(kNoDeadline, "bkt"));
  auto healed = set_->heal_object("bkt", "k");
  ASSERT_TRUE(healed) << healed.error().text();
  EXPECT_EQ(healed->drives_healed, 1u);
  EXPECT_TRUE(local_[1]->read_object(kNoDeadline, "bkt", "k", false));
  hooked_[2]->offline = true;
  hooked_[3]->offline = true;
  EXPECT_EQ(get("k"), v);
  hooked_[2]->offline = false;
  hooked_[3]->offline = false;
}

// A drive that missed an in-place metadata update (PutObjectTagging) holds
// the same version with older metadata: reads take the newest metadata
// whichever drive answers first, and a heal brings the drive up to date.
TEST_F(ErasureSettleTest, AMetadataUpdateADriveMissedIsReadNewestAndHealed) {
  std::string v = pattern(300 * 1024, 'm');
  auto put_info = put("k", v);
  ASSERT_TRUE(put_info);
  hooked_[0]->offline = true;
  auto tagged = set_->update_object_meta("bkt", "k", [](ObjectInfo& o) -> Status {
    set_meta(o.meta, kTagsMeta, "a=1");
    return {};
  });
  ASSERT_TRUE(tagged) << tagged.error().text();
  hooked_[0]->offline = false;
  auto head = set_->head_object("bkt", "k");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->meta_value(kTagsMeta), "a=1");
  EXPECT_EQ(head->etag, put_info->etag);
  EXPECT_EQ(head->mod_time_ns, put_info->mod_time_ns);
  EXPECT_EQ(local_[0]->read_object(kNoDeadline, "bkt", "k", false)->meta_value(kTagsMeta), "");

  auto healed = set_->heal_object("bkt", "k");
  ASSERT_TRUE(healed) << healed.error().text();
  EXPECT_EQ(healed->drives_healed, 1u);
  EXPECT_EQ(local_[0]->read_object(kNoDeadline, "bkt", "k", false)->meta_value(kTagsMeta), "a=1");
  EXPECT_EQ(get("k"), v);

  // Below write quorum the update is refused.
  hooked_[0]->offline = hooked_[1]->offline = true;
  auto refused = set_->update_object_meta("bkt", "k", [](ObjectInfo&) -> Status { return {}; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInsufficientWriteQuorum);
  hooked_[0]->offline = hooked_[1]->offline = false;
}

TEST_F(ErasureSettleTest, BucketConfigurationsAreKeptByMajorityAndHealed) {
  hooked_[3]->offline = true;
  ASSERT_TRUE(set_->set_bucket_config("bkt", "tagging", "a=1"));
  hooked_[3]->offline = false;
  auto got = set_->bucket_config("bkt", "tagging");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value_or(""), "a=1");
  EXPECT_TRUE(local_[3]->stat_bucket(kNoDeadline, "bkt")->configs.empty());
  auto fixed = set_->heal_bucket("bkt");
  ASSERT_TRUE(fixed);
  EXPECT_EQ(*fixed, 1u);
  EXPECT_EQ(local_[3]->stat_bucket(kNoDeadline, "bkt")->configs,
            (storage::KeyValues{{"tagging", "a=1"}}));
  ASSERT_TRUE(set_->set_bucket_config("bkt", "tagging", std::nullopt));
  EXPECT_FALSE(set_->bucket_config("bkt", "tagging").value());
  EXPECT_EQ(set_->bucket_config("nope", "tagging").error().code, ErrorCode::kNoSuchBucket);
}

}  // namespace
}  // namespace silo::object
