// ManagedDrive: a Drive that can go offline and come back.
//
// It wraps the LocalDrive of one folder and checks, periodically and after
// any I/O error, that the folder still holds this drive (format.json with the
// expected drive id). A drive whose folder vanished, became unreadable or was
// replaced goes offline: every call then fails at once with kDriveOffline
// instead of writing into a deleted directory. While offline it is retried
// with exponential backoff and reopened as soon as its identity is back.
// The drive never creates its folder: a folder that does not exist stays
// offline. A folder that reappears empty is a replacement, formatted through
// the callback given to set_replacement (if any) and then opened.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "storage/drive.h"
#include "storage/local_drive.h"

namespace silo::storage {

class ManagedDrive final : public Drive {
 public:
  // `drive_id` is the id this folder must carry in its format.json.
  ManagedDrive(std::string root, std::string drive_id, LocalDriveOptions options = {});

  bool online() const override { return online_.load(); }
  const std::string& drive_id() const { return drive_id_; }
  // Verifies identity, taking the drive offline or bringing it back, and
  // keeps an online drive's free space measured (LocalDrive::maintain).
  // Cheap (a stat and a statvfs); called by the monitor and after errors.
  // A full drive stays online.
  void check();
  // Opens the drive now; false (and offline) when it cannot be opened.
  bool open_now();
  // While offline, check() calls `format_empty` when the folder exists and is
  // empty; when it returns true (it wrote this drive's format.json) the
  // drive is opened and `on_replaced` runs, e.g. to start a heal.
  // REQUIRES: called before check() runs on another thread.
  void set_replacement(std::function<bool()> format_empty, std::function<void()> on_replaced);

  std::string endpoint() const override { return root_; }
  Status make_bucket(const BucketRecord& bucket) override;
  Result<BucketRecord> stat_bucket(std::string_view bucket) override;
  Result<BucketRecord> stat_bucket_cached(std::string_view bucket) override;
  Result<std::vector<BucketRecord>> list_buckets() override;
  Status delete_bucket(std::string_view bucket) override;
  Result<ObjectRecord> read_object_cached(std::string_view bucket, std::string_view key,
                                          bool with_data) override;
  Result<ObjectRecord> read_object(std::string_view bucket, std::string_view key,
                                   bool with_data) override;
  Status commit_object(std::string_view bucket, std::string_view key, const ObjectRecord& record,
                       std::string_view staged_id, Replaced replaced = Replaced::kRemove) override;
  Status delete_object(std::string_view bucket, std::string_view key,
                       Replaced replaced = Replaced::kRemove) override;
  Status finish_replace(std::string_view bucket, std::string_view key) override;
  Status undo_replace(std::string_view bucket, std::string_view key,
                      const ObjectRecord* committed) override;
  Result<std::vector<std::pair<std::string, std::string>>> pending_replaces() override;
  Result<std::unique_ptr<ObjectCursor>> scan_objects(std::string_view bucket) override;
  Result<std::unique_ptr<ShardWriter>> create_staged(std::string_view staged_id,
                                                     std::string_view name) override;
  void remove_staged(std::string_view staged_id) override;
  Result<std::unique_ptr<ShardReader>> open_shard(std::string_view data_uuid,
                                                  std::string_view name) override;
  Status put_upload(const UploadRecord& upload) override;
  Result<UploadRecord> read_upload(std::string_view bucket, std::string_view key,
                                   std::string_view upload_id) override;
  Status commit_part(const UploadRecord& upload, const PartRecord& part,
                     std::string_view staged_id, std::string_view name) override;
  Result<std::vector<PartRecord>> list_parts(const UploadRecord& upload, uint32_t after,
                                             size_t limit) override;
  Status complete_upload(const UploadRecord& upload, const ObjectRecord& record,
                         Replaced replaced = Replaced::kRemove) override;
  Status abort_upload(const UploadRecord& upload) override;
  Result<std::unique_ptr<UploadCursor>> scan_uploads(std::string_view bucket) override;
  Result<DiskInfo> disk_info(bool refresh) override;
  Result<BucketUsage> bucket_usage(std::string_view bucket) override;
  Status update_bucket(const BucketRecord& bucket) override;

 private:
  std::shared_ptr<LocalDrive> get() const;
  bool identity_ok() const;
  void go_offline(std::string_view why);
  // Runs `f` on the open drive; failures that smell of I/O trigger a check.
  template <typename F>
  auto call(F&& f) -> decltype(f(std::declval<LocalDrive&>()));

  std::string root_;
  std::string drive_id_;
  LocalDriveOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<LocalDrive> drive_;
  std::atomic<bool> online_{false};
  std::chrono::steady_clock::time_point next_retry_{};
  std::chrono::seconds backoff_{1};
  std::function<bool()> format_empty_;
  std::function<void()> on_replaced_;
};

}  // namespace silo::storage
