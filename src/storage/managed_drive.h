// ManagedDrive: a Drive that can go offline and come back.
//
// It wraps the drive of one folder (a LocalDrive) and checks, periodically
// and after any I/O error, that the folder still holds this drive
// (format.json with the expected drive id). A drive whose folder vanished,
// became unreadable or was replaced goes offline: every call then fails at
// once with kDriveOffline instead of writing into a deleted directory. While
// offline it is retried with exponential backoff and reopened as soon as its
// identity is back. The drive never creates its folder: a folder that does
// not exist stays offline. A folder that reappears empty is a replacement,
// formatted through the callback given to set_replacement (if any) and then
// opened.
//
// A drive that is too slow goes offline the same way, logged once:
// - `timeouts_to_offline` calls in a row that started in time and answered
//   after their deadline (a call that starts late fails at once and is not
//   held against the drive: the wait was elsewhere, e.g. in the pool);
// - or calls in flight while none has answered for `stall_after` (a drive
//   that hangs answers nothing, so only this can see it).
// The monitor's check() brings it back like any offline drive. Calls that
// hang in the kernel keep their threads until the kernel lets go; going
// offline stops new calls from joining them.
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

struct ManagedDriveOptions {
  LocalDriveOptions local;
  // Calls in a row that answered after their deadline before the drive is
  // taken offline (0: never).
  int timeouts_to_offline = 3;
  // Calls in flight and none answered for this long: the drive hangs and is
  // taken offline (zero: never). The server uses its drive timeout.
  std::chrono::milliseconds stall_after{0};
  // Opens the drive under management; empty: LocalDrive::open. (Tests wrap
  // the LocalDrive to slow it down.)
  std::function<Result<std::unique_ptr<Drive>>(const std::string& root,
                                               const LocalDriveOptions& options)>
      open;
};

class ManagedDrive final : public Drive {
 public:
  // `drive_id` is the id this folder must carry in its format.json.
  ManagedDrive(std::string root, std::string drive_id, ManagedDriveOptions options = {});

  bool online() const override { return online_.load(); }
  const std::string& drive_id() const { return drive_id_; }
  // Verifies identity (and that the drive does not hang), taking the drive
  // offline or bringing it back, and keeps an online drive's free space
  // measured (LocalDrive::maintain). Cheap (a stat and a statvfs); called by
  // the monitor and after errors. A full drive stays online.
  void check();
  // Opens the drive now; false (and offline) when it cannot be opened.
  bool open_now();
  // While offline, check() calls `format_empty` when the folder exists and is
  // empty; when it returns true (it wrote this drive's format.json) the
  // drive is opened and `on_replaced` runs, e.g. to start a heal.
  // REQUIRES: called before check() runs on another thread.
  void set_replacement(std::function<bool()> format_empty, std::function<void()> on_replaced);

  // Shard readers and writers it returns count their calls against this
  // drive too. REQUIRES: they do not outlive it.
  std::string endpoint() const override { return root_; }
  Status make_bucket(Deadline deadline, const BucketRecord& bucket) override;
  Result<BucketRecord> stat_bucket(Deadline deadline, std::string_view bucket) override;
  Result<BucketRecord> stat_bucket_cached(Deadline deadline, std::string_view bucket) override;
  Result<std::vector<BucketRecord>> list_buckets(Deadline deadline) override;
  Status delete_bucket(Deadline deadline, std::string_view bucket) override;
  Result<ObjectRecord> read_object_cached(Deadline deadline, std::string_view bucket,
                                          std::string_view key, bool with_data) override;
  Result<ObjectRecord> read_object(Deadline deadline, std::string_view bucket, std::string_view key,
                                   bool with_data) override;
  Status commit_object(Deadline deadline, std::string_view bucket, std::string_view key,
                       const ObjectRecord& record, std::string_view staged_id,
                       Replaced replaced = Replaced::kRemove) override;
  Status delete_object(Deadline deadline, std::string_view bucket, std::string_view key,
                       Replaced replaced = Replaced::kRemove) override;
  Status finish_replace(Deadline deadline, std::string_view bucket, std::string_view key) override;
  Status finish_change(Deadline deadline, std::string_view bucket, std::string_view key,
                       const ChangeId& change) override;
  Status update_meta(Deadline deadline, std::string_view bucket, std::string_view key,
                     const ChangeId& version, const KeyValues& meta) override;
  Status undo_replace(Deadline deadline, std::string_view bucket, std::string_view key,
                      const ObjectRecord* committed) override;
  Result<std::vector<std::pair<std::string, std::string>>> pending_replaces(
      Deadline deadline) override;
  Result<std::unique_ptr<ObjectCursor>> scan_objects(Deadline deadline,
                                                     std::string_view bucket) override;
  Result<ObjectRecord> read_version(Deadline deadline, std::string_view bucket,
                                    std::string_view key, std::string_view version_id,
                                    bool with_data) override;
  Status delete_version(Deadline deadline, std::string_view bucket, std::string_view key,
                        std::string_view version_id) override;
  Result<std::unique_ptr<VersionCursor>> scan_versions(Deadline deadline,
                                                       std::string_view bucket) override;
  Result<std::unique_ptr<ShardWriter>> create_staged(Deadline deadline, std::string_view staged_id,
                                                     std::string_view name) override;
  void remove_staged(Deadline deadline, std::string_view staged_id) override;
  Result<std::unique_ptr<ShardReader>> open_shard(Deadline deadline, std::string_view data_uuid,
                                                  std::string_view name) override;
  Result<std::unique_ptr<DataLease>> lease_data(Deadline deadline,
                                                std::string_view data_uuid) override;
  Result<std::unique_ptr<ShardReader>> open_shard_cached(Deadline deadline,
                                                         std::string_view data_uuid,
                                                         std::string_view name) override;
  Status put_upload(Deadline deadline, const UploadRecord& upload) override;
  Result<UploadRecord> read_upload(Deadline deadline, std::string_view bucket, std::string_view key,
                                   std::string_view upload_id) override;
  Status commit_part(Deadline deadline, const UploadRecord& upload, const PartRecord& part,
                     std::string_view staged_id, std::string_view name) override;
  Result<std::vector<PartRecord>> list_parts(Deadline deadline, const UploadRecord& upload,
                                             uint32_t after, size_t limit) override;
  Status complete_upload(Deadline deadline, const UploadRecord& upload, const ObjectRecord& record,
                         Replaced replaced = Replaced::kRemove) override;
  Status abort_upload(Deadline deadline, const UploadRecord& upload) override;
  Result<std::unique_ptr<UploadCursor>> scan_uploads(Deadline deadline,
                                                     std::string_view bucket) override;
  Result<DiskInfo> disk_info(Deadline deadline, bool refresh) override;
  Result<BucketUsage> bucket_usage(Deadline deadline, std::string_view bucket) override;
  Status update_bucket(Deadline deadline, const BucketRecord& bucket) override;

 private:
  friend class ManagedShardWriter;
  friend class ManagedShardReader;
  using Clock = Deadline::Clock;

  std::shared_ptr<Drive> get() const;
  bool identity_ok() const;
  void go_offline(std::string_view why);
  std::unexpected<Error> offline_error() const;
  // Runs `f` on the open drive, timed; failures that smell of I/O trigger a
  // check.
  template <typename F>
  auto call(Deadline deadline, F&& f) -> decltype(f(std::declval<Drive&>()));
  // Runs `f` (a call on this drive that started in time) and holds its
  // answer against the drive when it came after `deadline`.
  template <typename F>
  auto timed(Deadline deadline, F&& f) -> decltype(f());
  // True when calls wait and none has answered for stall_after.
  bool stalled() const;

  std::string root_;
  std::string drive_id_;
  ManagedDriveOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<Drive> drive_;
  std::atomic<bool> online_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> late_in_a_row_{0};
  // Clock::time_point ticks: when the drive last answered a call, and when
  // it last went from idle to busy.
  std::atomic<int64_t> last_answer_{0};
  std::atomic<int64_t> busy_since_{0};
  std::chrono::steady_clock::time_point next_retry_{};
  std::chrono::seconds backoff_{1};
  std::function<bool()> format_empty_;
  std::function<void()> on_replaced_;
};

}  // namespace silo::storage
