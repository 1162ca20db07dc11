// A Drive for tests that forwards to another one, with hooks to inject
// faults and interleavings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/drive.h"

namespace silo::test_support {

// Forwards to a LocalDrive, with hooks for tests: it can flip one byte of
// every inline shard it reads (the only way to corrupt inline data, which
// lives inside RocksDB), run a callback once right after the next
// read_upload (to interleave another operation deterministically), fail
// commits after a number of them, and play an offline or a full drive.
class HookedDrive final : public storage::Drive {
 public:
  explicit HookedDrive(std::shared_ptr<storage::Drive> inner) : inner_(std::move(inner)) {}
  size_t corrupt_at = SIZE_MAX;
  // Commits that succeed before every later one fails (SIZE_MAX: never fail).
  size_t fail_commits_after = SIZE_MAX;
  std::function<void()> after_read_upload;
  // online() is false; reads, commits and deletes fail with kDriveOffline.
  bool offline = false;
  // Plays a drive at its free-space reserve: disk_info says so, and staged
  // shards and inline data are refused with kStorageFull as a LocalDrive
  // refuses them; reads and deletes go on.
  bool full = false;

  bool online() const override { return !offline && inner_->online(); }

  std::string endpoint() const override { return inner_->endpoint(); }
  Status make_bucket(const storage::BucketRecord& b) override { return inner_->make_bucket(b); }
  Result<storage::BucketRecord> stat_bucket(std::string_view b) override {
    return inner_->stat_bucket(b);
  }
  Result<std::vector<storage::BucketRecord>> list_buckets() override {
    return inner_->list_buckets();
  }
  Status delete_bucket(std::string_view b) override { return inner_->delete_bucket(b); }
  Result<storage::ObjectRecord> read_object(std::string_view b, std::string_view k,
                                            bool with_data) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    auto r = inner_->read_object(b, k, with_data);
    if (r && with_data && r->inlined && corrupt_at < r->inline_data.size()) {
      r->inline_data[corrupt_at] ^= 0x01;
    }
    return r;
  }
  Status commit_object(std::string_view b, std::string_view k, const storage::ObjectRecord& r,
                       std::string_view staged,
                       storage::Replaced replaced = storage::Replaced::kRemove) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    if (fail_commits_after == 0) return fail(ErrorCode::kInternalError, "injected commit failure");
    if (full && r.inlined) return fail(ErrorCode::kStorageFull, "drive " + endpoint() + " is full");
    if (fail_commits_after != SIZE_MAX) --fail_commits_after;
    return inner_->commit_object(b, k, r, staged, replaced);
  }
  Status delete_object(std::string_view b, std::string_view k,
                       storage::Replaced replaced = storage::Replaced::kRemove) override {
    if (offline) return fail(ErrorCode::kDriveOffline);
    return inner_->delete_object(b, k, replaced);
  }
  Status finish_replace(std::string_view b, std::string_view k) override {
    return inner_->finish_replace(b, k);
  }
  Status undo_replace(std::string_view b, std::string_view k,
                      const storage::ObjectRecord* committed) override {
    return inner_->undo_replace(b, k, committed);
  }
  Result<std::vector<std::pair<std::string, std::string>>> pending_replaces() override {
    return inner_->pending_replaces();
  }
  Result<std::unique_ptr<storage::ObjectCursor>> scan_objects(std::string_view b) override {
    return inner_->scan_objects(b);
  }
  Result<std::unique_ptr<storage::ShardWriter>> create_staged(std::string_view id,
                                                              std::string_view name) override {
    if (full) return fail(ErrorCode::kStorageFull, "drive " + endpoint() + " is full");
    return inner_->create_staged(id, name);
  }
  void remove_staged(std::string_view id) override { inner_->remove_staged(id); }
  Result<std::unique_ptr<storage::ShardReader>> open_shard(std::string_view uuid,
                                                           std::string_view name) override {
    return inner_->open_shard(uuid, name);
  }
  Status put_upload(const storage::UploadRecord& u) override { return inner_->put_upload(u); }
  Result<storage::UploadRecord> read_upload(std::string_view b, std::string_view k,
                                            std::string_view id) override {
    auto r = inner_->read_upload(b, k, id);
    if (after_read_upload) {
      auto hook = std::move(after_read_upload);
      after_read_upload = nullptr;
      hook();
    }
    return r;
  }
  Status commit_part(const storage::UploadRecord& u, const storage::PartRecord& p,
                     std::string_view staged, std::string_view name) override {
    return inner_->commit_part(u, p, staged, name);
  }
  Result<std::vector<storage::PartRecord>> list_parts(const storage::UploadRecord& u,
                                                      uint32_t after, size_t limit) override {
    return inner_->list_parts(u, after, limit);
  }
  Status complete_upload(const storage::UploadRecord& u, const storage::ObjectRecord& r,
                         storage::Replaced replaced = storage::Replaced::kRemove) override {
    return inner_->complete_upload(u, r, replaced);
  }
  Status abort_upload(const storage::UploadRecord& u) override { return inner_->abort_upload(u); }
  Result<std::unique_ptr<storage::UploadCursor>> scan_uploads(std::string_view b) override {
    return inner_->scan_uploads(b);
  }
  Result<storage::DiskInfo> disk_info(bool refresh) override {
    if (!full) return inner_->disk_info(refresh);
    storage::DiskInfo d;
    d.total = 100 << 20;
    d.reserve = 10 << 20;
    d.free = 9 << 20;
    return d;
  }
  Result<storage::BucketUsage> bucket_usage(std::string_view b) override {
    return inner_->bucket_usage(b);
  }
  Status update_bucket(const storage::BucketRecord& b) override { return inner_->update_bucket(b); }

 private:
  std::shared_ptr<storage::Drive> inner_;
};

}  // namespace silo::test_support
