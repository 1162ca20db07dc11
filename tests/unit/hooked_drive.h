// A Drive for tests that forwards to another one, with hooks to inject
// faults and interleavings.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/drive.h"

namespace silo::test_support {

// Makes a drive slow or hang: every call that may touch the disk (shard
// reads and writes of the files it handed out included) first waits
// `delay`, then waits while the drive is blocked. Shared by the drive and
// its shard files, which may outlive a call that gave up on them.
class Stall {
 public:
  void set_delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    delay_ = d;
  }
  void block() {
    std::lock_guard lock(mu_);
    blocked_ = true;
  }
  // Lets every waiting and later call through.
  void release() {
    {
      std::lock_guard lock(mu_);
      blocked_ = false;
      delay_ = std::chrono::milliseconds(0);
      ++generation_;
    }
    cv_.notify_all();
  }
  bool stalled() const {
    std::lock_guard lock(mu_);
    return blocked_ || delay_.count() > 0;
  }
  // Calls waiting now, and calls that have waited so far.
  size_t waiting() const {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  size_t waited() const {
    std::lock_guard lock(mu_);
    return waited_;
  }
  void pause() {
    std::unique_lock lock(mu_);
    if (!blocked_ && delay_.count() == 0) return;
    ++waiting_;
    ++waited_;
    uint64_t gen = generation_;
    if (delay_.count() > 0) {
      cv_.wait_for(lock, delay_, [&] { return generation_ != gen; });
    }
    cv_.wait(lock, [&] { return !blocked_ || generation_ != gen; });
    --waiting_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::chrono::milliseconds delay_{0};
  bool blocked_ = false;
  uint64_t generation_ = 0;
  size_t waiting_ = 0;
  size_t waited_ = 0;
};

// Forwards to a LocalDrive, with hooks for tests: it can flip one byte of
// every inline shard it reads (the only way to corrupt inline data, which
// lives inside RocksDB), run a callback once right after the next
// read_upload (to interleave another operation deterministically), fail
// commits after a number of them, play an offline or a full drive, and be
// slowed or blocked (stall()). While stalled, its memory-only lookups answer
// kWouldBlock, as a drive whose cache is cold, so every request reaches the
// stall.
class HookedDrive final : public storage::Drive {
 public:
  explicit HookedDrive(std::shared_ptr<storage::Drive> inner) : inner_(std::move(inner)) {}
  size_t corrupt_at = SIZE_MAX;
  // Commits that succeed before every later one fails (SIZE_MAX: never fail).
  size_t fail_commits_after = SIZE_MAX;
  std::function<void()> after_read_upload;
  // Runs once right after the next read_object or successful
  // read_object_cached (e.g. to commit an overwrite between a reader's
  // choice of version and its first shard read).
  std::function<void()> after_read_object;
  // online() is false; reads, commits and deletes fail with kDriveOffline.
  bool offline = false;
  // Plays a drive at its free-space reserve: disk_info says so, and staged
  // shards and inline data are refused with kStorageFull as a LocalDrive
  // refuses them; reads and deletes go on.
  bool full = false;

  Stall& stall() { return *stall_; }

  bool online() const override { return !offline && inner_->online(); }

  std::string endpoint() const override { return inner_->endpoint(); }
  Status make_bucket(Deadline d, const storage::BucketRecord& b) override {
    stall_->pause();
    return inner_->make_bucket(d, b);
  }
  Result<storage::BucketRecord> stat_bucket(Deadline d, std::string_view b) override {
    stall_->pause();
    return inner_->stat_bucket(d, b);
  }
  Result<storage::BucketRecord> stat_bucket_cached(Deadline d, std::string_view b) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    if (stall_->stalled()) return fail(ErrorCode::kWouldBlock);
    return inner_->stat_bucket_cached(d, b);
  }
  Result<std::vector<storage::BucketRecord>> list_buckets(Deadline d) override {
    stall_->pause();
    return inner_->list_buckets(d);
  }
  Status delete_bucket(Deadline d, std::string_view b) override {
    stall_->pause();
    return inner_->delete_bucket(d, b);
  }
  Result<storage::ObjectRecord> read_object(Deadline d, std::string_view b, std::string_view k,
                                            bool with_data) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    stall_->pause();
    auto r = corrupted(inner_->read_object(d, b, k, with_data), with_data);
    if (after_read_object) {
      auto hook = std::move(after_read_object);
      after_read_object = nullptr;
      hook();
    }
    return r;
  }
  Result<storage::ObjectRecord> read_object_cached(Deadline d, std::string_view b,
                                                   std::string_view k, bool with_data) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    if (stall_->stalled()) return fail(ErrorCode::kWouldBlock);
    auto r = corrupted(inner_->read_object_cached(d, b, k, with_data), with_data);
    if (r && after_read_object) {
      auto hook = std::move(after_read_object);
      after_read_object = nullptr;
      hook();
    }
    return r;
  }
  Status commit_object(Deadline d, std::string_view b, std::string_view k,
                       const storage::ObjectRecord& r, std::string_view staged,
                       storage::Replaced replaced = storage::Replaced::kRemove) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    if (fail_commits_after == 0) return fail(ErrorCode::kInternalError, "injected commit failure");
    if (full && r.inlined) return fail(ErrorCode::kStorageFull, "drive " + endpoint() + " is full");
    if (fail_commits_after != SIZE_MAX) --fail_commits_after;
    stall_->pause();
    return inner_->commit_object(d, b, k, r, staged, replaced);
  }
  Status delete_object(Deadline d, std::string_view b, std::string_view k,
                       storage::Replaced replaced = storage::Replaced::kRemove) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    stall_->pause();
    return inner_->delete_object(d, b, k, replaced);
  }
  Status finish_replace(Deadline d, std::string_view b, std::string_view k) override {
    stall_->pause();
    return inner_->finish_replace(d, b, k);
  }
  Status finish_change(Deadline d, std::string_view b, std::string_view k,
                       const storage::ChangeId& change) override {
    stall_->pause();
    return inner_->finish_change(d, b, k, change);
  }
  Status update_meta(Deadline d, std::string_view b, std::string_view k,
                     const storage::ChangeId& version, const storage::KeyValues& meta) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    stall_->pause();
    return inner_->update_meta(d, b, k, version, meta);
  }
  Status undo_replace(Deadline d, std::string_view b, std::string_view k,
                      const storage::ObjectRecord* committed) override {
    stall_->pause();
    return inner_->undo_replace(d, b, k, committed);
  }
  Result<std::vector<std::pair<std::string, std::string>>> pending_replaces(Deadline d) override {
    stall_->pause();
    return inner_->pending_replaces(d);
  }
  Result<std::unique_ptr<storage::ObjectCursor>> scan_objects(Deadline d,
                                                              std::string_view b) override {
    stall_->pause();
    return inner_->scan_objects(d, b);
  }
  Result<storage::ObjectRecord> read_version(Deadline d, std::string_view b, std::string_view k,
                                             std::string_view v, bool with_data) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    stall_->pause();
    return inner_->read_version(d, b, k, v, with_data);
  }
  Status delete_version(Deadline d, std::string_view b, std::string_view k,
                        std::string_view v) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    stall_->pause();
    return inner_->delete_version(d, b, k, v);
  }
  Result<std::unique_ptr<storage::VersionCursor>> scan_versions(Deadline d,
                                                                std::string_view b) override {
    stall_->pause();
    return inner_->scan_versions(d, b);
  }
  Result<std::unique_ptr<storage::ShardWriter>> create_staged(Deadline d, std::string_view id,
                                                              std::string_view name) override {
    if (full) return fail(ErrorCode::kStorageFull, "drive " + endpoint() + " is full");
    stall_->pause();
    auto w = inner_->create_staged(d, id, name);
    if (!w) return w;
    return std::make_unique<StalledWriter>(stall_, std::move(*w));
  }
  void remove_staged(Deadline d, std::string_view id) override {
    stall_->pause();
    inner_->remove_staged(d, id);
  }
  Result<std::unique_ptr<storage::ShardReader>> open_shard(Deadline d, std::string_view uuid,
                                                           std::string_view name) override {
    stall_->pause();
    auto r = inner_->open_shard(d, uuid, name);
    if (!r) return r;
    return std::make_unique<StalledReader>(stall_, std::move(*r));
  }
  Result<std::unique_ptr<storage::DataLease>> lease_data(Deadline d,
                                                        std::string_view uuid) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    return inner_->lease_data(d, uuid);
  }
  Result<std::unique_ptr<storage::ShardReader>> open_shard_cached(Deadline d, std::string_view uuid,
                                                                  std::string_view name) override {
    if (offline || stall_->stalled()) return fail(ErrorCode::kWouldBlock);
    auto r = inner_->open_shard_cached(d, uuid, name);
    if (!r) return r;
    return std::make_unique<StalledReader>(stall_, std::move(*r));
  }
  Status put_upload(Deadline d, const storage::UploadRecord& u) override {
    stall_->pause();
    return inner_->put_upload(d, u);
  }
  Result<storage::UploadRecord> read_upload(Deadline d, std::string_view b, std::string_view k,
                                            std::string_view id) override {
    stall_->pause();
    auto r = inner_->read_upload(d, b, k, id);
    if (after_read_upload) {
      auto hook = std::move(after_read_upload);
      after_read_upload = nullptr;
      hook();
    }
    return r;
  }
  Status commit_part(Deadline d, const storage::UploadRecord& u, const storage::PartRecord& p,
                     std::string_view staged, std::string_view name) override {
    stall_->pause();
    return inner_->commit_part(d, u, p, staged, name);
  }
  Result<std::vector<storage::PartRecord>> list_parts(Deadline d, const storage::UploadRecord& u,
                                                      uint32_t after, size_t limit) override {
    stall_->pause();
    return inner_->list_parts(d, u, after, limit);
  }
  Status complete_upload(Deadline d, const storage::UploadRecord& u, const storage::ObjectRecord& r,
                         storage::Replaced replaced = storage::Replaced::kRemove) override {
    stall_->pause();
    return inner_->complete_upload(d, u, r, replaced);
  }
  Status abort_upload(Deadline d, const storage::UploadRecord& u) override {
    stall_->pause();
    return inner_->abort_upload(d, u);
  }
  Result<std::unique_ptr<storage::UploadCursor>> scan_uploads(Deadline d,
                                                              std::string_view b) override {
    stall_->pause();
    return inner_->scan_uploads(d, b);
  }
  Result<storage::DiskInfo> disk_info(Deadline dl, bool refresh) override {
    if (!full) return inner_->disk_info(dl, refresh);
    storage::DiskInfo info;
    info.total = 100 << 20;
    info.reserve = 10 << 20;
    info.free = 9 << 20;
    return info;
  }
  Result<storage::BucketUsage> bucket_usage(Deadline dl, std::string_view b) override {
    return inner_->bucket_usage(dl, b);
  }
  Status update_bucket(Deadline dl, const storage::BucketRecord& b) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    return inner_->update_bucket(dl, b);
  }

 private:
  class StalledWriter final : public storage::ShardWriter {
   public:
    StalledWriter(std::shared_ptr<Stall> stall, std::unique_ptr<storage::ShardWriter> inner)
        : stall_(std::move(stall)), inner_(std::move(inner)) {}
    Status write(Deadline d, std::span<const uint8_t> data) override {
      stall_->pause();
      return inner_->write(d, data);
    }
    Status close(Deadline d) override {
      stall_->pause();
      return inner_->close(d);
    }

   private:
    std::shared_ptr<Stall> stall_;
    std::unique_ptr<storage::ShardWriter> inner_;
  };

  class StalledReader final : public storage::ShardReader {
   public:
    StalledReader(std::shared_ptr<Stall> stall, std::unique_ptr<storage::ShardReader> inner)
        : stall_(std::move(stall)), inner_(std::move(inner)) {}
    Result<size_t> read_at(Deadline d, uint64_t offset, std::span<uint8_t> out) override {
      stall_->pause();
      return inner_->read_at(d, offset, out);
    }
    Result<size_t> read_at_cached(Deadline d, uint64_t offset, std::span<uint8_t> out) override {
      if (stall_->stalled()) return fail(ErrorCode::kWouldBlock);
      return inner_->read_at_cached(d, offset, out);
    }
    uint64_t size() const override { return inner_->size(); }

   private:
    std::shared_ptr<Stall> stall_;
    std::unique_ptr<storage::ShardReader> inner_;
  };

  Result<storage::ObjectRecord> corrupted(Result<storage::ObjectRecord> r, bool with_data) const {
    if (r && with_data && r->inlined && corrupt_at < r->inline_data.size()) {
      r->inline_data[corrupt_at] ^= 0x01;
    }
    return r;
  }

  std::shared_ptr<storage::Drive> inner_;
  std::shared_ptr<Stall> stall_ = std::make_shared<Stall>();
};

}  // namespace silo::test_support
