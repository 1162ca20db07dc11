// Deadlines on drive calls: a call that starts after its deadline fails at
// once; a drive that hangs costs a request that drive, not the request; a
// drive that keeps answering late goes offline and comes back; and a task
// that answers after its caller gave up touches nothing the caller freed
// (build with -DSILO_SANITIZE=ON to have AddressSanitizer check that).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "hooked_drive.h"
#include "object/erasure_set.h"
#include "object/parallel.h"
#include "storage/format.h"
#include "storage/local_drive.h"
#include "storage/managed_drive.h"
#include "temp_dir.h"

namespace silo::object {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using test_support::HookedDrive;
using test_support::TempDir;

constexpr Deadline kNoDeadline = Deadline::never();
constexpr milliseconds kTimeout(400);
// What a request may take while a drive hangs: one round of calls waits
// for it up to kTimeout; the rest is slack for a busy machine.
constexpr milliseconds kBound = kTimeout * 3;

Deadline passed() { return Deadline::at(Clock::now() - std::chrono::seconds(1)); }

std::string pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 131);
  return s;
}

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

template <typename F>
milliseconds timed(F&& f) {
  auto start = Clock::now();
  f();
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// ---- Deadline

TEST(Deadline, ExpiresOnceItsTimeHasPassed) {
  auto d = Deadline::after(milliseconds(30));
  EXPECT_FALSE(d.expired());
  EXPECT_GT(d.remaining(), milliseconds(0));
  std::this_thread::sleep_for(milliseconds(40));
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), Clock::duration::zero());
}

TEST(Deadline, NeverDoesNotExpire) {
  EXPECT_FALSE(kNoDeadline.expired());
  EXPECT_TRUE(kNoDeadline.is_never());
  EXPECT_EQ(kNoDeadline.remaining(), Clock::duration::max());
}

// ---- DrivePool::run

TEST(DrivePoolRun, GivesEveryTaskItsOwnAnswer) {
  DrivePool pool(4);
  auto out = pool.run(6, Deadline::after(std::chrono::seconds(10)),
                      [](size_t i) -> Result<size_t> { return i * i; });
  ASSERT_EQ(out.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    ASSERT_TRUE(out[i]);
    EXPECT_EQ(*out[i], i * i);
  }
}

TEST(DrivePoolRun, StopsWaitingAtTheDeadlineAndCountsTheLateTaskAsTimedOut) {
  auto stall = std::make_shared<test_support::Stall>();
  stall->block();
  // State only the late task holds once the caller has returned: under
  // AddressSanitizer, touching anything else would be reported.
  auto late_saw = std::make_shared<std::atomic<int>>(0);
  DrivePool pool(4);
  std::vector<Status> out;
  auto took = timed([&] {
    out = pool.run(3, Deadline::after(milliseconds(100)), [stall, late_saw](size_t i) -> Status {
      if (i == 1) {
        stall->pause();
        late_saw->store(1);
      }
      return {};
    });
  });
  EXPECT_LT(took, milliseconds(100) + kBound);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0]);
  EXPECT_TRUE(out[2]);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().code, ErrorCode::kDriveTimeout);
  EXPECT_EQ(late_saw->load(), 0);
  stall->release();
  while (late_saw->load() == 0) std::this_thread::sleep_for(milliseconds(1));
}

TEST(DrivePoolRun, WithoutADeadlineWaitsForTheSlowestTask) {
  DrivePool pool(2);
  std::vector<Result<int>> out;
  auto took = timed([&] {
    out = pool.run(2, kNoDeadline, [](size_t i) -> Result<int> {
      if (i == 1) std::this_thread::sleep_for(milliseconds(150));
      return static_cast<int>(i) + 1;
    });
  });
  EXPECT_GE(took, milliseconds(150));
  ASSERT_TRUE(out[1]);
  EXPECT_EQ(*out[1], 2);
}

// ---- LocalDrive

class LocalDriveDeadline : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = storage::LocalDrive::open(dir_.path());
    ASSERT_TRUE(d) << d.error().text();
    drive_ = std::move(*d);
    ASSERT_TRUE(drive_->make_bucket(kNoDeadline, {"bkt", 1, ""}));
  }
  TempDir dir_;
  std::unique_ptr<storage::LocalDrive> drive_;
};

TEST_F(LocalDriveDeadline, CallStartedAfterItsDeadlineFailsAtOnceAndChangesNothing) {
  storage::ObjectRecord rec;
  rec.size = 3;
  rec.etag = "e";
  rec.inlined = true;
  rec.inline_data = "abc";
  auto s = drive_->commit_object(passed(), "bkt", "k", rec, "");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kDriveTimeout);
  EXPECT_EQ(drive_->read_object(kNoDeadline, "bkt", "k", false).error().code,
            ErrorCode::kNoSuchKey);
  EXPECT_EQ(drive_->read_object(passed(), "bkt", "k", false).error().code,
            ErrorCode::kDriveTimeout);
  EXPECT_EQ(drive_->list_buckets(passed()).error().code, ErrorCode::kDriveTimeout);
  EXPECT_EQ(drive_->pending_replaces(passed()).error().code, ErrorCode::kDriveTimeout);
  EXPECT_EQ(drive_->create_staged(passed(), "s1", "part.1").error().code, ErrorCode::kDriveTimeout);
}

TEST_F(LocalDriveDeadline, ShardStreamsCheckTheDeadlineOfEachCall) {
  auto w = drive_->create_staged(kNoDeadline, "s1", "part.1");
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(kNoDeadline, bytes("hello")));
  EXPECT_EQ((*w)->write(passed(), bytes("more")).error().code, ErrorCode::kDriveTimeout);
  EXPECT_EQ((*w)->close(passed()).error().code, ErrorCode::kDriveTimeout);
  EXPECT_TRUE((*w)->close(kNoDeadline));
}

TEST_F(LocalDriveDeadline, ShardJustWrittenIsReadFromMemory) {
  auto w = drive_->create_staged(kNoDeadline, "s2", "part.1");
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(kNoDeadline, bytes("shard bytes")));
  ASSERT_TRUE((*w)->close(kNoDeadline));
  storage::ObjectRecord rec;
  rec.size = 11;
  rec.data_uuid = "0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "k", rec, "s2"));
  auto r = drive_->open_shard_cached(kNoDeadline, rec.data_uuid, "part.1");
  // A kernel without openat2 (or a tool intercepting system calls) may not
  // tell; the read itself must still come from memory.
  if (!r && r.error().code == ErrorCode::kWouldBlock) {
    r = drive_->open_shard(kNoDeadline, rec.data_uuid, "part.1");
  }
  ASSERT_TRUE(r) << r.error().text();
  std::string out(11, '\0');
  auto n = (*r)->read_at_cached(kNoDeadline, 0, {reinterpret_cast<uint8_t*>(out.data()), 11});
  ASSERT_TRUE(n) << n.error().text();
  EXPECT_EQ(out, "shard bytes");
  EXPECT_EQ(
      (*r)->read_at_cached(passed(), 0, {reinterpret_cast<uint8_t*>(out.data()), 11}).error().code,
      ErrorCode::kDriveTimeout);
}

TEST_F(LocalDriveDeadline, CursorStopsWhenItsDeadlinePassesAndSaysWhy) {
  for (int i = 0; i < 10; ++i) {
    storage::ObjectRecord rec;
    rec.inlined = true;
    ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "k" + std::to_string(i), rec, ""));
  }
  auto c = drive_->scan_objects(Deadline::after(milliseconds(50)), "bkt");
  ASSERT_TRUE(c);
  (*c)->seek("");
  ASSERT_TRUE((*c)->valid());
  EXPECT_TRUE((*c)->status());
  std::this_thread::sleep_for(milliseconds(80));
  (*c)->seek("k5");
  EXPECT_FALSE((*c)->valid());
  ASSERT_FALSE((*c)->status());
  EXPECT_EQ((*c)->status().error().code, ErrorCode::kDriveTimeout);
}

// ---- An erasure set of 4 drives (EC 2+2) with slow or hanging drives

class SlowDriveTest : public ::testing::Test {
 protected:
  static constexpr size_t kDrives = 4;

  void SetUp() override {
    for (size_t j = 0; j < kDrives; ++j) {
      auto d = storage::LocalDrive::open(dirs_[j].path());
      ASSERT_TRUE(d) << d.error().text();
      hooked_.push_back(
          std::make_shared<HookedDrive>(std::shared_ptr<storage::Drive>(std::move(*d))));
    }
    ErasureSetOptions o;
    o.standard_parity = 2;
    o.drive_timeout = kTimeout;
    std::vector<std::shared_ptr<storage::Drive>> drives(hooked_.begin(), hooked_.end());
    set_ = std::make_unique<ErasureSet>(std::move(drives), o);
    ASSERT_TRUE(set_->make_bucket("bkt"));
  }

  void TearDown() override {
    // Late tasks still hold the drives: let them finish before the set goes
    // (its pool waits for them).
    for (auto& h : hooked_) h->stall().release();
    set_.reset();
  }

  Result<ObjectInfo> put(std::string_view key, std::string_view data) {
    auto w = set_->begin_put("bkt", key, {});
    if (!w) return std::unexpected(w.error());
    for (size_t off = 0; off < data.size(); off += 256 * 1024) {
      if (auto s = (*w)->write(bytes(data.substr(off, 256 * 1024))); !s) {
        return std::unexpected(s.error());
      }
    }
    return (*w)->commit(PutFinal{});
  }

  Result<std::string> get(std::string_view key) {
    auto r = set_->open_object("bkt", key);
    if (!r) return std::unexpected(r.error());
    std::string out;
    std::vector<uint8_t> buf(1 << 20);
    for (;;) {
      auto n = (*r)->read(buf);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) break;
      out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    return out;
  }

  TempDir dirs_[kDrives];
  std::vector<std::shared_ptr<HookedDrive>> hooked_;
  std::unique_ptr<ErasureSet> set_;
};

TEST_F(SlowDriveTest, RequestsAnswerWithinTheTimeoutWhileOneDriveHangs) {
  std::string small = pattern(4096, 'a');
  std::string large = pattern(3 * (1 << 20) + 12345, 'b');
  ASSERT_TRUE(put("before", large));
  hooked_[1]->stall().block();

  EXPECT_LT(timed([&] { ASSERT_TRUE(put("small", small)); }), kBound);
  EXPECT_LT(timed([&] { ASSERT_TRUE(put("large", large)); }), kBound);
  EXPECT_LT(timed([&] {
              auto r = get("small");
              ASSERT_TRUE(r) << r.error().text();
              EXPECT_EQ(*r, small);
            }),
            kBound);
  for (const char* key : {"large", "before"}) {
    EXPECT_LT(timed([&] {
                auto r = get(key);
                ASSERT_TRUE(r) << key << ": " << r.error().text();
                EXPECT_TRUE(*r == large) << key;
              }),
              kBound);
  }
  EXPECT_LT(timed([&] {
              auto h = set_->head_object("bkt", "small");
              ASSERT_TRUE(h);
              EXPECT_EQ(h->size, 4096);
            }),
            kBound);
  EXPECT_LT(timed([&] {
              auto l = set_->list_objects("bkt", ListParams{});
              ASSERT_TRUE(l) << l.error().text();
              EXPECT_EQ(l->objects.size(), 3u);
            }),
            kBound);
  EXPECT_LT(timed([&] { ASSERT_TRUE(set_->delete_object("bkt", "small")); }), kBound);
  EXPECT_EQ(set_->head_object("bkt", "small").error().code, ErrorCode::kNoSuchKey);
  // Every request above reached the hanging drive and went on without it.
  EXPECT_GT(hooked_[1]->stall().waited(), 5u);
}

TEST_F(SlowDriveTest, DrivesTooSlowForQuorumFailTheRequestWith503) {
  ASSERT_TRUE(put("kept", pattern(2 * (1 << 20), 'c')));
  hooked_[0]->stall().block();
  hooked_[2]->stall().block();
  // Writes need 3 of 4 drives (k = m = 2).
  Result<ObjectInfo> w;
  EXPECT_LT(timed([&] { w = put("new", pattern(4096, 'd')); }), kBound);
  ASSERT_FALSE(w);
  EXPECT_EQ(error_http_status(w.error().code), 503) << w.error().text();
  hooked_[3]->stall().block();
  // Reads need 2 of 4; only one answers.
  Result<std::string> r;
  EXPECT_LT(timed([&] { r = get("kept"); }), kBound);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_http_status(r.error().code), 503) << r.error().text();
  Result<ObjectInfo> h;
  EXPECT_LT(timed([&] { h = set_->head_object("bkt", "kept"); }), kBound);
  ASSERT_FALSE(h);
  EXPECT_EQ(error_http_status(h.error().code), 503);
}

TEST_F(SlowDriveTest, LateAnswersTouchNothingTheRequestFreedAndSettleLater) {
  // Drive 3 answers every call, but only after the request gave up on it.
  hooked_[3]->stall().set_delay(kTimeout + milliseconds(150));
  std::string large = pattern((1 << 20) + 777, 'e');
  std::string small = pattern(1000, 'f');
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(put("large", large));
    ASSERT_TRUE(put("small", small));
    auto r = get("large");
    ASSERT_TRUE(r);
    EXPECT_TRUE(*r == large);
    ASSERT_TRUE(set_->list_objects("bkt", ListParams{}));
  }
  ASSERT_TRUE(set_->delete_object("bkt", "small"));
  EXPECT_GT(hooked_[3]->stall().waited(), 0u);
  // Let every late call land, on memory the requests no longer own.
  hooked_[3]->stall().release();
  std::this_thread::sleep_for(kTimeout + milliseconds(300));
  // A late commit left its change pending on drive 3, as a crash would.
  set_->resolve_pending();
  auto r = get("large");
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r == large);
  EXPECT_EQ(set_->head_object("bkt", "small").error().code, ErrorCode::kNoSuchKey);
}

// ---- ManagedDrive

class ManagedDriveTimeouts : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(storage::write_format(dir_.path(), {"dep", "d1", {{"d1"}}}));
  }

  std::unique_ptr<storage::ManagedDrive> open(storage::ManagedDriveOptions options) {
    options.open =
        [this](const std::string& root,
               const storage::LocalDriveOptions& local) -> Result<std::unique_ptr<storage::Drive>> {
      auto d = storage::LocalDrive::open(root, local);
      if (!d) return std::unexpected(d.error());
      auto hooked = std::make_unique<HookedDrive>(std::shared_ptr<storage::Drive>(std::move(*d)));
      current_ = &hooked->stall();
      return hooked;
    };
    auto drive = std::make_unique<storage::ManagedDrive>(dir_.path(), "d1", std::move(options));
    EXPECT_TRUE(drive->open_now());
    return drive;
  }

  TempDir dir_;
  test_support::Stall* current_ = nullptr;  // of the drive opened last
};

TEST_F(ManagedDriveTimeouts, DriveThatKeepsAnsweringLateGoesOfflineAndComesBack) {
  storage::ManagedDriveOptions options;
  options.timeouts_to_offline = 3;
  auto drive = open(options);
  ASSERT_TRUE(drive->make_bucket(kNoDeadline, {"bkt", 1, ""}));
  // Calls that start late are not the drive's fault.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(drive->stat_bucket(passed(), "bkt").error().code, ErrorCode::kDriveTimeout);
  }
  EXPECT_TRUE(drive->online());
  current_->set_delay(milliseconds(60));
  for (int i = 0; i < 2; ++i) (void)drive->stat_bucket(Deadline::after(milliseconds(10)), "bkt");
  EXPECT_TRUE(drive->online());
  // An answer in time breaks the run.
  EXPECT_TRUE(drive->stat_bucket(Deadline::after(std::chrono::seconds(5)), "bkt"));
  for (int i = 0; i < 2; ++i) (void)drive->stat_bucket(Deadline::after(milliseconds(10)), "bkt");
  EXPECT_TRUE(drive->online());
  (void)drive->stat_bucket(Deadline::after(milliseconds(10)), "bkt");
  EXPECT_FALSE(drive->online());
  EXPECT_LT(timed([&] {
              EXPECT_EQ(drive->stat_bucket(kNoDeadline, "bkt").error().code,
                        ErrorCode::kDriveOffline);
            }),
            milliseconds(50));
  // The monitor brings it back once its retry is due.
  std::this_thread::sleep_for(milliseconds(1100));
  drive->check();
  EXPECT_TRUE(drive->online());
  EXPECT_TRUE(drive->stat_bucket(Deadline::after(std::chrono::seconds(5)), "bkt"));
}

TEST_F(ManagedDriveTimeouts, HangingDriveGoesOfflineAtTheNextCheck) {
  storage::ManagedDriveOptions options;
  options.stall_after = milliseconds(150);
  auto drive = open(options);
  ASSERT_TRUE(drive->make_bucket(kNoDeadline, {"bkt", 1, ""}));
  drive->check();
  EXPECT_TRUE(drive->online());
  current_->block();
  std::thread hung([&] { (void)drive->stat_bucket(Deadline::after(milliseconds(100)), "bkt"); });
  std::this_thread::sleep_for(milliseconds(250));
  drive->check();
  EXPECT_FALSE(drive->online());
  current_->release();
  hung.join();
}

}  // namespace
}  // namespace silo::object
