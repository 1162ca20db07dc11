// ErasureSet: the ObjectLayer over one erasure set of 1-16 drives.
//
// Every object is cut into stripes; each stripe into k data shards plus m
// parity shards (Reed-Solomon), one shard per drive, each shard block guarded
// by a bitrot hash. Metadata records are written to every drive.
//
// - Writes succeed when at least the write quorum of drives (k, or k+1 when
//   k == m) committed; otherwise they fail with kInsufficientWriteQuorum.
//   Drives offline at write time raise the parity by their number (up to
//   half the set), so a degraded write is as safe as a healthy one.
// - Reads choose the version agreed on by at least k drives and decode each
//   stripe from any k shard blocks that verify, data shards first; a block
//   that fails its hash costs that block (the drive is still read for other
//   stripes), a drive that errors is dropped for the request, and either way
//   the object is reported for healing.
// - Listings merge the records of every online drive.
// - heal_object() rebuilds missing, stale or corrupt shards onto the drives
//   that need them.
//
// This class is a facade: each job is a unit of its own, all sharing one
// SetContext (see set_context.h for the list).
// Thread-safe; every method may block on disk.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "object/bucket_records.h"
#include "object/capacity.h"
#include "object/multipart_uploads.h"
#include "object/object_heal.h"
#include "object/object_layer.h"
#include "object/object_listing.h"
#include "object/object_reads.h"
#include "object/object_writes.h"
#include "object/set_context.h"
#include "object/settlement.h"

namespace silo::object {

class ErasureSet final : public ObjectLayer {
 public:
  ErasureSet(std::vector<std::shared_ptr<storage::Drive>> drives, ErasureSetOptions options);

  // Called (from any thread) when a read found a missing or corrupt shard.
  // REQUIRES: no operation runs on the set.
  void set_damage_listener(std::function<void(std::string, std::string)> listener) {
    set_.set_damage_listener(std::move(listener));
  }

  Status make_bucket(std::string_view bucket, const BucketOptions& options = {}) override;
  Result<BucketInfo> head_bucket(std::string_view bucket) override;
  Result<std::vector<BucketInfo>> list_buckets() override;
  Status delete_bucket(std::string_view bucket) override;
  Result<std::optional<std::string>> bucket_config(std::string_view bucket,
                                                   std::string_view name) override;
  Status set_bucket_config(std::string_view bucket, std::string_view name,
                           std::optional<std::string_view> document) override;

  Result<std::unique_ptr<ObjectWriter>> begin_put(std::string_view bucket, std::string_view key,
                                                  PutOptions options) override;
  Result<ObjectInfo> head_object(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<ObjectReader>> open_object(std::string_view bucket,
                                                    std::string_view key) override;
  Result<ObjectInfo> head_object_cached(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<ObjectReader>> open_object_cached(std::string_view bucket,
                                                           std::string_view key) override;
  Status delete_object(std::string_view bucket, std::string_view key,
                       const WritePreconditions& pre = {}) override;
  Result<ListResult> list_objects(std::string_view bucket, const ListParams& params) override;
  Result<ObjectInfo> head_version(std::string_view bucket, std::string_view key,
                                  std::string_view version_id) override;
  Result<std::unique_ptr<ObjectReader>> open_version(std::string_view bucket,
                                                     std::string_view key,
                                                     std::string_view version_id) override;
  Result<DeleteResult> delete_versioned(std::string_view bucket, std::string_view key,
                                        const DeleteOptions& options) override;
  Result<VersionListing> list_versions(std::string_view bucket,
                                       const VersionListParams& params) override;
  Result<Versioning> versioning(std::string_view bucket) override;
  Result<ObjectInfo> update_object_meta(std::string_view bucket, std::string_view key,
                                        const MetaEdit& edit,
                                        const std::string* version_id = nullptr) override;

  Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key,
                                   PutOptions options, std::string checksum_algorithm,
                                   std::string checksum_type) override;
  Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key,
                                std::string_view upload_id) override;
  Result<std::unique_ptr<ObjectWriter>> begin_part(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id,
                                                   uint32_t part_number) override;
  Result<PartListing> list_parts(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id, uint32_t marker,
                                 size_t max_parts) override;
  Result<ObjectInfo> complete_upload(std::string_view bucket, std::string_view key,
                                     std::string_view upload_id,
                                     const std::vector<CompletePart>& parts,
                                     const CompleteOptions& options) override;
  Status abort_upload(std::string_view bucket, std::string_view key,
                      std::string_view upload_id) override;
  Result<UploadListing> list_uploads(std::string_view bucket,
                                     const UploadListParams& params) override;
  Result<size_t> cleanup_uploads(int64_t older_than_ns) override;

  // Rebuilds what drives lack for bucket/key (record, shards); see HealResult.
  // A `deep` heal also reads every shard block to find bitrot.
  Result<HealResult> heal_object(std::string_view bucket, std::string_view key, bool deep = false);
  // Creates the bucket on drives that miss it; returns how many were fixed.
  Result<size_t> heal_bucket(std::string_view bucket);
  // Settles the changes a crash left undecided; see Settlement::resolve_pending.
  size_t resolve_pending();
  // Drives of the set known to be unreachable now. Never blocks.
  size_t offline_drives() const { return set_.offline_drives(); }

  // Whether the drives have room for a write of `size` bytes to `key`
  // (object/capacity.h, set_room).
  SetRoom room(std::string_view key, std::string_view storage_class, std::optional<uint64_t> size,
               bool refresh) const;
  // The bucket's quota and usage in this set (BucketRecords).
  Result<std::optional<uint64_t>> bucket_quota(std::string_view bucket);
  Status set_bucket_quota(std::string_view bucket, std::optional<uint64_t> bytes);
  // Every configuration of the bucket in this set (BucketRecords::configs).
  Result<storage::KeyValues> bucket_configs(std::string_view bucket);
  Result<storage::BucketUsage> bucket_usage(std::string_view bucket);

 private:
  // Declaration order is construction order: each unit after those it uses.
  SetContext set_;
  BucketRecords buckets_;
  ObjectReads reads_;
  Settlement settlement_;
  ObjectWrites writes_;
  ObjectListing listing_;
  MultipartUploads uploads_;
  ObjectHeal heal_;
};

}  // namespace silo::object
