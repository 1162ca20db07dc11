// A Drive is one disk's worth of Silo storage: bucket records, object
// metadata records and shard files. The object layer above sees every drive
// through this interface, so a drive on another node (RemoteDrive) can stand
// in for a local one without the layers above knowing.
//
// Contract:
// - Every method is safe to call concurrently from many threads.
// - Every method blocks on disk I/O: never call one on a network thread.
// - Every call carries a Deadline (common/deadline.h), first argument. A call
//   that starts after it fails at once with kDriveTimeout and changes
//   nothing; long work (scans, commits, cursors) checks it between its
//   steps and stops before the step that cannot be taken back. A remote
//   drive answers by the deadline; a local one cannot interrupt a system
//   call already blocked, which is why the object layer waits for parallel
//   calls only until the deadline (object/parallel.h). A call that goes on
//   after its caller stopped waiting still completes or fails whole, as if
//   its caller had crashed: commits keep the replaced version aside, so
//   nothing is lost (see Replaced).
// - A method that returns success has made its effect durable (fsynced data,
//   synced metadata WAL).
// - Failures come back as Error values: kNoSuchBucket, kNoSuchKey,
//   kNoSuchUpload, kBucketAlreadyOwnedByYou, kBucketNotEmpty for the
//   conditions of their names; kStorageFull when a write would enter the
//   drive's free-space reserve or the filesystem is full (the drive stays
//   online: reads, deletes and other metadata changes go on); kInternalError
//   for I/O errors and corruption; kDriveOffline for a drive known to be
//   unreachable; kDriveTimeout when the deadline passed.
// - No object key ever becomes part of a filesystem path: shard files live
//   under directories named by uuid.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.h"
#include "common/error.h"
#include "storage/record.h"
#include "storage/space.h"
#include "storage/usage.h"

namespace silo::storage {

// Writes one staged shard file sequentially. close() fsyncs. Each call has
// its own deadline: a stream outlives any one of them.
class ShardWriter {
 public:
  virtual ~ShardWriter() = default;
  virtual Status write(Deadline deadline, std::span<const uint8_t> data) = 0;
  // Flushes and fsyncs the file. Must be called before the staged data is committed.
  virtual Status close(Deadline deadline) = 0;
};

// Reads a committed shard file at arbitrary offsets.
class ShardReader {
 public:
  virtual ~ShardReader() = default;
  // Reads up to out.size() bytes at `offset`; returns the count (0 at EOF).
  virtual Result<size_t> read_at(Deadline deadline, uint64_t offset, std::span<uint8_t> out) = 0;
  // read_at from memory only (the page cache): it never waits for a device,
  // so a thread that must not wait for one may call it. kWouldBlock when
  // any of the bytes would need the device; `out` may then hold some of
  // them.
  virtual Result<size_t> read_at_cached(Deadline, uint64_t, std::span<uint8_t>) {
    return fail(ErrorCode::kWouldBlock);
  }
  virtual uint64_t size() const = 0;
  // Reads `head` then `out` from `offset` on, as two read_at calls would
  // (a frame's hash, then its data): the count read into both. A remote
  // shard does it in one call.
  virtual Result<size_t> read_split(Deadline deadline, uint64_t offset, std::span<uint8_t> head,
                                    std::span<uint8_t> out) {
    auto h = read_at(deadline, offset, head);
    if (!h) return h;
    if (*h < head.size()) return *h;
    auto n = read_at(deadline, offset + head.size(), out);
    if (!n) return n;
    return *h + *n;
  }
};

// Iterates the current object records of one bucket in binary key order over
// a consistent snapshot, within the deadline it was opened with: once that
// passes (or the drive fails) it ends, and status() says why.
class ObjectCursor {
 public:
  virtual ~ObjectCursor() = default;
  // Positions at the first key >= `key`.
  virtual void seek(std::string_view key) = 0;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  // Decodes the record at the cursor; inline data is left out.
  virtual Result<ObjectRecord> record() const = 0;
  // Why the cursor ended early (kDriveTimeout, an I/O error); success when
  // it is valid or has seen every key.
  virtual Status status() const = 0;
};

// Iterates every version of one bucket's objects, current and noncurrent,
// ordered by key and within a key by sort token (storage/versions.h: newest
// first), over a consistent snapshot, within its deadline as ObjectCursor.
class VersionCursor {
 public:
  virtual ~VersionCursor() = default;
  // Positions at the first entry at or after (key, token); an empty token
  // is the key's first version.
  virtual void seek(std::string_view key, std::string_view token) = 0;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view token() const = 0;
  // Whether this is the key's current version on this drive.
  virtual bool current() const = 0;
  // The version's record; inline data is left out.
  virtual Result<ObjectRecord> record() const = 0;
  virtual Status status() const = 0;
};

// Iterates the multipart uploads of one bucket, ordered by (key, upload id),
// within its deadline as ObjectCursor does.
class UploadCursor {
 public:
  virtual ~UploadCursor() = default;
  virtual void seek(std::string_view key, std::string_view upload_id) = 0;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual Result<UploadRecord> record() const = 0;
  virtual Status status() const = 0;
};

// Keeps the data files of one version on a drive while a reader needs them:
// when a change replaces or deletes that version, its data is removed only
// once every lease on it is gone (the removal is recorded first, so a crash
// cannot leak it). Releasing is destroying the lease; any thread may do it.
class DataLease {
 public:
  virtual ~DataLease() = default;
};

// What a commit or delete does with the version it replaces on this drive.
// An erasure set keeps it (kKeep) until it knows whether the change reached
// write quorum: then finish_replace() removes it, or undo_replace() puts it
// back. So neither a failed write nor a crash between drives can leave a key
// with too few shards of either version.
enum class Replaced { kRemove, kKeep };

// Which change a late finish is for: the version it made current (by its
// modification time and data uuid), or a delete.
struct ChangeId {
  bool deleted = false;
  int64_t mod_time_ns = 0;
  std::string data_uuid;
};

class Drive {
 public:
  virtual ~Drive() = default;
  Drive() = default;
  Drive(const Drive&) = delete;
  Drive& operator=(const Drive&) = delete;

  // Human-readable location, e.g. the folder path, for logs and admin output.
  virtual std::string endpoint() const = 0;
  // False while the drive is known to be unreachable; calls then fail fast
  // with kDriveOffline.
  virtual bool online() const { return true; }

  // ---- Buckets
  virtual Status make_bucket(Deadline deadline, const BucketRecord& bucket) = 0;
  virtual Result<BucketRecord> stat_bucket(Deadline deadline, std::string_view bucket) = 0;
  // stat_bucket from memory only; kWouldBlock when that is not enough (as
  // read_object_cached).
  virtual Result<BucketRecord> stat_bucket_cached(Deadline, std::string_view) {
    return fail(ErrorCode::kWouldBlock);
  }
  virtual Result<std::vector<BucketRecord>> list_buckets(Deadline deadline) = 0;
  // Fails with kBucketNotEmpty while the bucket holds objects or uploads.
  virtual Status delete_bucket(Deadline deadline, std::string_view bucket) = 0;

  // ---- Objects
  // The current record of bucket/key, with inline data when `with_data`.
  virtual Result<ObjectRecord> read_object(Deadline deadline, std::string_view bucket,
                                           std::string_view key, bool with_data) = 0;
  // read_object from memory only (caches, memtables), so an event-loop
  // thread may call it: kWouldBlock when the answer needs the disk, or when
  // the key is missing (telling "no such key" from "no such bucket" may need
  // the disk too).
  virtual Result<ObjectRecord> read_object_cached(Deadline, std::string_view, std::string_view,
                                                  bool) {
    return fail(ErrorCode::kWouldBlock);
  }
  // Makes `record` the current version of bucket/key. When `staged_id` is not
  // empty, the staged directory is first moved to the record's data directory.
  // The replaced version (record, inline data and data files) is removed, or
  // with Replaced::kKeep set aside until finish_replace/undo_replace; it
  // survives restarts until then. In a versioned bucket the replaced version
  // is kept as a noncurrent version instead: whenever it or `record` has a
  // version id (Enabled: every new version has one; Suspended: a new null
  // version replaces the null version, current or not, and keeps the
  // others). A delete marker is committed as any other version. Atomic: after a crash either the old or the
  // new record is current, and unreferenced data is collected at the next
  // start.
  virtual Status commit_object(Deadline deadline, std::string_view bucket, std::string_view key,
                               const ObjectRecord& record, std::string_view staged_id,
                               Replaced replaced = Replaced::kRemove) = 0;
  // Removes the current record of bucket/key and its data (or, with kKeep,
  // sets it aside as commit_object does).
  virtual Status delete_object(Deadline deadline, std::string_view bucket, std::string_view key,
                               Replaced replaced = Replaced::kRemove) = 0;
  // The change to bucket/key stands: the version it set aside is removed.
  // Succeeds when nothing is set aside.
  virtual Status finish_replace(Deadline deadline, std::string_view bucket,
                                std::string_view key) = 0;
  // finish_replace, but only while `change` is still the key's current
  // version here (a later change that set another version aside is not
  // finished by it), so it needs no namespace lock and may come late. A
  // remote drive sends it in the background with others: it may be applied
  // after this returns, or never (the change then stays undecided until
  // resolve_pending finishes it).
  virtual Status finish_change(Deadline deadline, std::string_view bucket, std::string_view key,
                               const ChangeId& change) = 0;
  // Sets the metadata (content headers, user metadata, tags) of version
  // `version` (its modification time and data uuid) of bucket/key, current
  // or noncurrent, to `meta`: the data and every other field stay.
  // kNoSuchKey when the key holds no such version, so an update never lands
  // on a version that replaced the one it was made for.
  virtual Status update_meta(Deadline deadline, std::string_view bucket, std::string_view key,
                             const ChangeId& version, const KeyValues& meta) = 0;
  // The change to bucket/key is taken back: the version set aside becomes
  // current again and what replaced it is removed. When nothing was set
  // aside (the key was new), the current record is removed if it is
  // `committed` (same data uuid and modification time); pass nullptr to
  // leave it. Succeeds when there is nothing to undo.
  virtual Status undo_replace(Deadline deadline, std::string_view bucket, std::string_view key,
                              const ObjectRecord* committed) = 0;
  // (bucket, key) of every change whose replaced version is still set aside:
  // what a crash left undecided.
  virtual Result<std::vector<std::pair<std::string, std::string>>> pending_replaces(
      Deadline deadline) = 0;
  virtual Result<std::unique_ptr<ObjectCursor>> scan_objects(Deadline deadline,
                                                             std::string_view bucket) = 0;

  // ---- Versions (storage/versions.h)
  // The record of version `version_id` ("": the null version) of
  // bucket/key, current or not; kNoSuchKey when this drive lacks it.
  virtual Result<ObjectRecord> read_version(Deadline deadline, std::string_view bucket,
                                            std::string_view key, std::string_view version_id,
                                            bool with_data) = 0;
  // Removes version `version_id` of bucket/key and its data for good. When
  // it is the current version, the newest noncurrent one becomes current.
  // kNoSuchKey when this drive lacks it.
  virtual Status delete_version(Deadline deadline, std::string_view bucket, std::string_view key,
                                std::string_view version_id) = 0;
  virtual Result<std::unique_ptr<VersionCursor>> scan_versions(Deadline deadline,
                                                               std::string_view bucket) = 0;

  // ---- Shard files
  // Creates tmp/<staged_id>/<name> for writing. Staged data never survives a restart.
  virtual Result<std::unique_ptr<ShardWriter>> create_staged(Deadline deadline,
                                                             std::string_view staged_id,
                                                             std::string_view name) = 0;
  // Skipped once the deadline has passed: tmp is emptied at every start.
  virtual void remove_staged(Deadline deadline, std::string_view staged_id) = 0;
  virtual Result<std::unique_ptr<ShardReader>> open_shard(Deadline deadline,
                                                          std::string_view data_uuid,
                                                          std::string_view name) = 0;
  // A read lease on the data of `data_uuid` (see DataLease). kNoSuchKey when
  // that data is gone or being removed: the version was replaced before the
  // lease was taken.
  virtual Result<std::unique_ptr<DataLease>> lease_data(Deadline deadline,
                                                             std::string_view data_uuid) = 0;
  // open_shard from memory only (cached directory entries), so a thread
  // that must not wait for a device may call it: kWouldBlock otherwise, or
  // on any doubt (open_shard then gives the real answer).
  virtual Result<std::unique_ptr<ShardReader>> open_shard_cached(Deadline, std::string_view,
                                                                 std::string_view) {
    return fail(ErrorCode::kWouldBlock);
  }

  // ---- Multipart uploads
  virtual Status put_upload(Deadline deadline, const UploadRecord& upload) = 0;
  virtual Result<UploadRecord> read_upload(Deadline deadline, std::string_view bucket,
                                           std::string_view key, std::string_view upload_id) = 0;
  // Moves staged file tmp/<staged_id>/<name> into the upload's data directory
  // as part.<number> (replacing an earlier upload of that part) and records it.
  virtual Status commit_part(Deadline deadline, const UploadRecord& upload, const PartRecord& part,
                             std::string_view staged_id, std::string_view name) = 0;
  // Parts of the upload with number > `after`, ascending, at most `limit`.
  virtual Result<std::vector<PartRecord>> list_parts(Deadline deadline, const UploadRecord& upload,
                                                     uint32_t after, size_t limit) = 0;
  // Atomically makes `record` (whose data_uuid is the upload's) the current
  // version and forgets the upload; part files not in `record.parts` are
  // removed, and the replaced version as commit_object does.
  virtual Status complete_upload(Deadline deadline, const UploadRecord& upload,
                                 const ObjectRecord& record,
                                 Replaced replaced = Replaced::kRemove) = 0;
  // Forgets the upload and removes its data.
  virtual Status abort_upload(Deadline deadline, const UploadRecord& upload) = 0;
  virtual Result<std::unique_ptr<UploadCursor>> scan_uploads(Deadline deadline,
                                                             std::string_view bucket) = 0;

  // ---- Capacity
  // Size, free space and reserve of the drive (storage/space.h): from
  // memory, measured at most a second ago, or now with `refresh`.
  virtual Result<DiskInfo> disk_info(Deadline deadline, bool refresh) = 0;
  // What `bucket` holds on this drive (its current object records), counted
  // by every change in the batch that makes it.
  virtual Result<BucketUsage> bucket_usage(Deadline deadline, std::string_view bucket) = 0;
  // Replaces the record of an existing bucket (its settings, such as the
  // quota); kNoSuchBucket when it does not exist.
  virtual Status update_bucket(Deadline deadline, const BucketRecord& bucket) = 0;
  // Periodic upkeep, every second from the drive monitor (LocalDrive:
  // measures free space, keeps the ballast, resumes a stopped store).
  virtual void maintain() {}
};

}  // namespace silo::storage
