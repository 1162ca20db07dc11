// ObjectLayer: the S3 data model (buckets, objects, multipart uploads,
// listings) independent of where bytes live. The S3 API layer talks only to
// this interface; Pools implements it by routing each key to an ErasureSet
// (one drive or many).
//
// Contract:
// - All methods are safe to call concurrently and all of them may block on
//   disk: call them from the blocking pool, never from a network thread.
// - Writes are streamed: begin_put() returns an ObjectWriter that takes the
//   body piece by piece; nothing is visible until commit() returns, and
//   commit() returns only once data and metadata are durable. A writer
//   destroyed without commit() leaves nothing behind.
// - Reads are streamed the same way through ObjectReader.
// - Errors carry S3 codes (NoSuchBucket, NoSuchKey, PreconditionFailed...).
//   A write that would enter a drive's free-space reserve fails with
//   StorageFull, before any byte is stored when its size is known and
//   otherwise as soon as it crosses (its staged data is removed); deletes
//   and reads never do.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "object/multipart_checksum.h"
#include "storage/record.h"

namespace silo::object {

using storage::KeyValues;

struct BucketInfo {
  std::string name;
  int64_t created_ns = 0;
  std::string location;  // empty: us-east-1
};

struct BucketOptions {
  std::string location;  // LocationConstraint; empty: us-east-1
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::string version_id;  // empty: the null version (storage/versions.h)
  bool delete_marker = false;
  bool is_latest = true;  // the key's current version (listings of versions)
  int64_t size = 0;
  std::string etag;  // hex, no quotes
  int64_t mod_time_ns = 0;
  std::string storage_class;  // "STANDARD" when unset
  KeyValues meta;             // content-type, ..., x-amz-meta-* (lower-case names)
  KeyValues checksums;        // {"CRC32", b64}... and {"type", "FULL_OBJECT"|"COMPOSITE"}
  std::vector<storage::PartInfo> parts;  // empty unless multipart

  std::string_view meta_value(std::string_view name) const;
};

// What `record` (a drive's record of bucket/key) tells a client.
ObjectInfo to_object_info(std::string_view bucket, std::string_view key,
                          const storage::ObjectRecord& record);

// A bucket's versioning state (PutBucketVersioning): it decides what
// becomes of the version a write or delete replaces.
enum class Versioning { kUnversioned, kEnabled, kSuspended };
// The bucket configuration that holds it: "Enabled" or "Suspended".
inline constexpr std::string_view kVersioningConfig = "versioning";
Versioning versioning_from(const std::optional<std::string>& document);

// Preconditions checked atomically with the commit of a write.
struct WritePreconditions {
  std::optional<std::string> if_match;  // ETag (unquoted) the current object must have
  bool if_none_match_any = false;       // fail if the key exists
  // The modification time the current object must have (a lifecycle
  // expiration deletes only the version it judged, never a newer one).
  std::optional<int64_t> if_mod_time_ns;

  bool any() const { return if_match || if_none_match_any || if_mod_time_ns; }
};

// The S3 rules of `pre` against the current object (null: none):
// PreconditionFailed, or NoSuchKey for If-Match on a missing key.
Status check_write_preconditions(const WritePreconditions& pre, const ObjectInfo* current);

struct PutOptions {
  KeyValues meta;
  std::string storage_class;
  WritePreconditions preconditions;
  // Bytes the object will have, when the request declared them: writes
  // that cannot fit are refused by begin_put, before any byte is stored.
  std::optional<uint64_t> size;
  // An object moved between pools keeps what clients saw of it: its ETag
  // (a multipart one too) and its modification time.
  struct Preserved {
    std::string etag;
    int64_t mod_time_ns = 0;
    std::string version_id;
  };
  std::optional<Preserved> preserve;
  // Set by the layer that knows the bucket's state (Pools): Enabled gives
  // the new version an id and keeps the one it replaces.
  Versioning versioning = Versioning::kUnversioned;
};

// What a DELETE asks for (DeleteObject, DeleteObjects).
struct DeleteOptions {
  WritePreconditions preconditions;
  // The version to remove for good ("" : the null version); nullopt: the
  // current version, which a versioned bucket keeps behind a delete marker.
  std::optional<std::string> version_id;
  Versioning versioning = Versioning::kUnversioned;  // set by Pools
  // x-amz-bypass-governance-retention: a GOVERNANCE retention does not
  // keep the version (object/object_lock.h).
  bool bypass_governance = false;
};

struct DeleteResult {
  std::string version_id;      // of the version removed or the marker made
  bool delete_marker = false;  // a marker was made, or the version removed was one
};

// What only the caller knows once the whole body was read and checked.
struct PutFinal {
  KeyValues checksums;
  // Replaces the write's preconditions (PutOptions) when set: a layer that
  // checked them itself, against what the writer's set cannot see, passes
  // none.
  std::optional<WritePreconditions> preconditions;
  // The ETag to record instead of the MD5 of the bytes written: a layer
  // above that stores other bytes than the client sent (encryption) gives
  // the MD5 of what the client sent.
  std::optional<std::string> etag;
};

class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status write(std::span<const uint8_t> data) = 0;
  // Makes the object visible. Fails with PreconditionFailed if a write
  // precondition no longer holds.
  virtual Result<ObjectInfo> commit(const PutFinal& final) = 0;
  virtual uint64_t bytes_written() const = 0;
  // Hex MD5 of what was written so far (final after the last write).
  virtual std::string md5_hex() = 0;
  // Announces, before the first write, how many bytes the writes will
  // bring: a layer with capacity limits refuses here (StorageFull, or
  // QuotaExceeded past a bucket quota), so nothing is stored. Optional.
  virtual Status expect(uint64_t size) {
    (void)size;
    return {};
  }
};

class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual const ObjectInfo& info() const = 0;
  // Restricts reading to [offset, offset + length). REQUIRES: within the object.
  virtual void set_range(uint64_t offset, uint64_t length) = 0;
  // Reads the next bytes of the range into `out`; 0 at the end of the range.
  // A corrupt shard fails with InternalError, never with wrong bytes.
  virtual Result<size_t> read(std::span<uint8_t> out) = 0;
};

// Changes an object's metadata (ObjectInfo::meta, object_meta.h) in place;
// an error leaves the object as it was.
using MetaEdit = std::function<Status(ObjectInfo& object)>;

struct ListParams {
  std::string prefix;
  std::string delimiter;  // empty: no grouping
  std::string marker;     // list keys strictly after this one
  size_t max_keys = 1000;
  // Also list keys that too few drives hold to be read: what healing must
  // visit to rebuild or remove them. Never set for client listings.
  bool include_unreadable = false;
};

struct VersionListParams {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;      // list from this key on...
  std::string version_marker;  // ...after this version of it (empty: after the whole key)
  size_t max_keys = 1000;
};

struct VersionListing {
  std::vector<ObjectInfo> versions;  // versions and delete markers, by key then newest first
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_marker;  // a version id ("null" for the null version)
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_marker;  // last key or common prefix returned, when truncated
};

struct UploadInfo {
  std::string bucket;
  std::string key;
  std::string upload_id;
  int64_t initiated_ns = 0;
  std::string storage_class;
  KeyValues meta;
  std::string checksum_algorithm;
  std::string checksum_type;
};

struct PartListing {
  std::vector<storage::PartRecord> parts;
  bool truncated = false;
  uint32_t next_marker = 0;
};

struct UploadListParams {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  size_t max_uploads = 1000;
};

struct UploadListing {
  std::vector<UploadInfo> uploads;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

struct CompletePart {
  uint32_t number = 0;
  std::string etag;  // unquoted
  KeyValues checksums;
};

struct CompleteOptions {
  WritePreconditions preconditions;
  CompleteChecksum checksum;  // what the request asserts about the object's checksum
  Versioning versioning = Versioning::kUnversioned;  // set by Pools
  // Applied to the completed object's metadata (its parts known) before it
  // is committed: an encrypted object records its parts' layout. An error
  // fails the completion.
  MetaEdit meta_edit;
};

class ObjectLayer {
 public:
  virtual ~ObjectLayer() = default;

  virtual Status make_bucket(std::string_view bucket, const BucketOptions& options = {}) = 0;
  virtual Result<BucketInfo> head_bucket(std::string_view bucket) = 0;
  virtual Result<std::vector<BucketInfo>> list_buckets() = 0;
  virtual Status delete_bucket(std::string_view bucket) = 0;
  // The bucket's configuration `name` (object/bucket_configs.h): nullopt
  // when not set, NoSuchBucket when the bucket does not exist.
  virtual Result<std::optional<std::string>> bucket_config(std::string_view bucket,
                                                           std::string_view name) = 0;
  // Sets configuration `name` of the bucket (nullopt: removes it).
  virtual Status set_bucket_config(std::string_view bucket, std::string_view name,
                                   std::optional<std::string_view> document) = 0;

  virtual Result<std::unique_ptr<ObjectWriter>> begin_put(std::string_view bucket,
                                                          std::string_view key,
                                                          PutOptions options) = 0;
  virtual Result<ObjectInfo> head_object(std::string_view bucket, std::string_view key) = 0;
  virtual Result<std::unique_ptr<ObjectReader>> open_object(std::string_view bucket,
                                                            std::string_view key) = 0;
  // head_object and open_object answered from memory only, for event-loop
  // threads: small hot objects are served without a trip to the blocking
  // pool. kWouldBlock whenever the disk (or any unusual case) is involved;
  // the caller then makes the blocking call. A reader returned here never
  // touches the disk.
  virtual Result<ObjectInfo> head_object_cached(std::string_view, std::string_view) {
    return fail(ErrorCode::kWouldBlock);
  }
  virtual Result<std::unique_ptr<ObjectReader>> open_object_cached(std::string_view,
                                                                   std::string_view) {
    return fail(ErrorCode::kWouldBlock);
  }
  // Deleting a missing key succeeds, as in S3, unless `pre` asks for a
  // current object (PreconditionFailed, NoSuchKey): checked under the key's
  // lock, atomically with the delete.
  virtual Status delete_object(std::string_view bucket, std::string_view key,
                               const WritePreconditions& pre = {}) = 0;
  virtual Result<ListResult> list_objects(std::string_view bucket, const ListParams& params) = 0;

  // ---- Versions. `version_id` is a record's ("" : the null version).
  // The current version is a delete marker: head_object and open_object
  // fail with NoSuchKey whose Error names it (Error::delete_marker).
  virtual Result<ObjectInfo> head_version(std::string_view bucket, std::string_view key,
                                          std::string_view version_id) = 0;
  // MethodNotAllowed when that version is a delete marker.
  virtual Result<std::unique_ptr<ObjectReader>> open_version(std::string_view bucket,
                                                             std::string_view key,
                                                             std::string_view version_id) = 0;
  // DELETE as S3 does it: removes a version for good, or in a versioned
  // bucket puts a delete marker in front of the current one.
  virtual Result<DeleteResult> delete_versioned(std::string_view bucket, std::string_view key,
                                                const DeleteOptions& options) = 0;
  virtual Result<VersionListing> list_versions(std::string_view bucket,
                                               const VersionListParams& params) = 0;
  // The bucket's versioning state (its "versioning" configuration).
  virtual Result<Versioning> versioning(std::string_view bucket) = 0;
  // Applies `edit` to the metadata of the current version of bucket/key
  // (or of version `*version_id`) under the key's lock, keeping its data,
  // ETag and modification time (PutObjectTagging and the like); returns the
  // object as it now is.
  virtual Result<ObjectInfo> update_object_meta(std::string_view bucket, std::string_view key,
                                                const MetaEdit& edit,
                                                const std::string* version_id = nullptr) = 0;

  virtual Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key,
                                           PutOptions options, std::string checksum_algorithm,
                                           std::string checksum_type) = 0;
  virtual Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key,
                                        std::string_view upload_id) = 0;
  // A writer for one part; commit() records the part (replacing an earlier one).
  virtual Result<std::unique_ptr<ObjectWriter>> begin_part(std::string_view bucket,
                                                           std::string_view key,
                                                           std::string_view upload_id,
                                                           uint32_t part_number) = 0;
  virtual Result<PartListing> list_parts(std::string_view bucket, std::string_view key,
                                         std::string_view upload_id, uint32_t marker,
                                         size_t max_parts) = 0;
  virtual Result<ObjectInfo> complete_upload(std::string_view bucket, std::string_view key,
                                             std::string_view upload_id,
                                             const std::vector<CompletePart>& parts,
                                             const CompleteOptions& options) = 0;
  virtual Status abort_upload(std::string_view bucket, std::string_view key,
                              std::string_view upload_id) = 0;
  virtual Result<UploadListing> list_uploads(std::string_view bucket,
                                             const UploadListParams& params) = 0;
  // Aborts uploads initiated before `older_than_ns`; returns how many.
  virtual Result<size_t> cleanup_uploads(int64_t older_than_ns) = 0;
};

}  // namespace silo::object
