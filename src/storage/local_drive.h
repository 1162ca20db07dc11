// LocalDrive: a Drive on a local folder. Metadata lives in a RocksDB under
// <root>/.silo/meta (synced WAL on every commit), shard files under
// <root>/data/xx/yy/<data-uuid>/, staged writes under <root>/.silo/tmp.
//
// Crash safety: moving staged data into place is announced by an intent
// record before the rename, and data made unreachable by a commit is named by
// a garbage record written in the same atomic batch. open() resolves both,
// and empties tmp, so a crash at any point leaves no garbage behind.
//
// A full filesystem: shard writes and inline data claim room from the
// drive's SpaceGuard and are refused (kStorageFull) before entering the
// reserve, which keeps room for the metadata store to flush and compact.
// The store is opened without flushing what its log replays, and when it
// still finds no room (the filesystem filled from outside), the ballast is
// released and the write retried, so deletes work on a full drive.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/drive.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace silo::storage {

class DataLeases;

struct LocalDriveOptions {
  size_t block_cache_bytes = 32 << 20;
  // The free space writes never enter (see storage/space.h); memtables and
  // files of the metadata store are sized by the filesystem's size.
  MinFree min_free;
};

class LocalDrive final : public Drive {
 public:
  // Opens (creating when empty) the drive at `root` and recovers from any
  // interrupted commit. Identity (format.json) is checked by the caller.
  static Result<std::unique_ptr<LocalDrive>> open(const std::string& root,
                                                  const LocalDriveOptions& options = {});
  ~LocalDrive() override;

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
  // Periodic upkeep (the drive monitor calls it every second): measures the
  // free space, takes the ballast again when there is room, and lets a
  // metadata store stopped by a full filesystem resume.
  void maintain() override;

 private:
  LocalDrive(std::string root, std::unique_ptr<rocksdb::DB> db, std::unique_ptr<SpaceGuard> space);
  // Writes `batch`; when the store finds no room, releases the ballast,
  // resumes the store and tries once more.
  Status write(rocksdb::WriteBatch& batch, bool sync);
  Status recover();
  std::string data_dir(std::string_view data_uuid) const;
  std::string staged_dir(std::string_view staged_id) const;
  Status move_staged_into(std::string_view staged_id, std::string_view data_uuid);
  // open_shard, or with `cached` open_shard_cached.
  Result<std::unique_ptr<ShardReader>> open_shard_file(Deadline deadline,
                                                       std::string_view data_uuid,
                                                       std::string_view name, bool cached);
  // Removes the data named by garbage records `keys`, then the records;
  // data under a read lease is removed when the lease is released.
  void collect_garbage(const std::vector<std::string>& keys);
  // Removes the data one garbage record names, and the record.
  void remove_garbage(const std::string& key);
  // Adds to `batch` what becomes of the current version of bucket/key when a
  // change replaces it: set aside (kKeep) or marked as garbage. A commit
  // with kKeep to a key that does not exist sets aside kAbsentMarker.
  // `incoming` is the new version (nullptr: a delete). In a versioned
  // bucket the replaced version becomes noncurrent instead (Drive::commit_object),
  // and kKeep sets aside kArchivedMarker.
  Status replace_current(rocksdb::WriteBatch& batch, std::string_view bucket, std::string_view key,
                         const ObjectRecord* incoming, Replaced replaced,
                         std::vector<std::string>& garbage);
  // Adds to `batch` the writes that make `record` the current version.
  void put_current(rocksdb::WriteBatch& batch, std::string_view bucket, std::string_view key,
                   ObjectRecord record);
  // Makes the newest noncurrent version of bucket/key (other than the one of
  // `skip_token`) current, if there is one.
  Status promote_newest(rocksdb::WriteBatch& batch, std::string_view bucket, std::string_view key,
                        std::string_view skip_token);
  // The n/ key of noncurrent version `version_id` ("": null) of bucket/key.
  Result<std::optional<std::string>> find_version(std::string_view bucket, std::string_view key,
                                                  std::string_view version_id);
  // Removes the noncurrent null version of bucket/key, if any.
  Status drop_null_version(rocksdb::WriteBatch& batch, std::string_view bucket,
                           std::string_view key, std::vector<std::string>& garbage);

  // The lock that orders the changes of one key's r/ record: a commit,
  // delete or completion holds it from reading r/ to writing its batch, so
  // the marker thread, which deletes a mark only while it is still the same
  // mark, cannot delete the version a change just set aside. Striped by key.
  std::unique_lock<std::mutex> lock_replaced(std::string_view rkey);

  // Deletes the r/ mark of a finished new key, `rkey` holding `marker`, on
  // the marker thread (started at the first call).
  void drop_marker_later(std::string rkey, std::string marker);
  void drop_markers();

  std::string root_;
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<DataLeases> leases_;
  // Numbers the marks of new keys; starts at the open time in ns, so marks
  // from before a restart never collide with new ones.
  std::atomic<uint64_t> marker_seq_;
  std::mutex marker_mu_;
  std::condition_variable marker_wake_;
  std::vector<std::pair<std::string, std::string>> markers_;  // (r/ key, mark) to drop
  bool marker_stop_ = false;
  std::thread marker_thread_;
  std::array<std::mutex, 4096> replaced_mu_;
  std::unique_ptr<SpaceGuard> space_;
  std::atomic<bool> store_stopped_{false};  // a write failed for lack of room
};

}  // namespace silo::storage
