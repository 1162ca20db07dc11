// Pools: the ObjectLayer the S3 API talks to. Routes each key to one erasure
// set by SipHash of the key under the deployment id (so every node computes
// the same placement alone), keeps buckets on every set, merges listings
// across sets, and admits writes: the drives must have room for them
// (object/capacity.h) and the bucket's quota must hold them (object/quota.h).
// Every change to a bucket's configuration made here is reported to
// BucketEvents (the other nodes of a deployment drop what they remember of
// the bucket); forget_bucket() is the other side, for changes made elsewhere.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "object/bucket_events.h"
#include "object/erasure_set.h"
#include "object/quota.h"

namespace silo::object {

class Pools final : public ObjectLayer {
 public:
  // `events` (null: nobody to tell) must outlive the Pools.
  Pools(std::vector<std::unique_ptr<ErasureSet>> sets, std::string deployment_id,
        BucketEvents* events = nullptr);

  size_t set_count() const { return sets_.size(); }
  ErasureSet& set(size_t i) { return *sets_[i]; }
  // ErasureSet::resolve_pending on every set; returns the total settled.
  size_t resolve_pending();
  // Index of the set that holds `key`.
  size_t set_index(std::string_view key) const;
  BucketQuotas& quotas() { return quotas_; }
  // Sets (nullopt: clears) the bucket's quota and reports the change.
  Status set_bucket_quota(std::string_view bucket, std::optional<uint64_t> bytes);
  // Another node changed the bucket's configuration: drops what this node
  // remembers of it (its quota), so the next request reads it again.
  void forget_bucket(std::string_view bucket);

  Status make_bucket(std::string_view bucket, const BucketOptions& options = {}) override;
  Result<BucketInfo> head_bucket(std::string_view bucket) override;
  Result<std::vector<BucketInfo>> list_buckets() override;
  Status delete_bucket(std::string_view bucket) override;
  Result<std::unique_ptr<ObjectWriter>> begin_put(std::string_view bucket, std::string_view key,
                                                  PutOptions options) override;
  Result<ObjectInfo> head_object(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<ObjectReader>> open_object(std::string_view bucket,
                                                    std::string_view key) override;
  Result<ObjectInfo> head_object_cached(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<ObjectReader>> open_object_cached(std::string_view bucket,
                                                           std::string_view key) override;
  Status delete_object(std::string_view bucket, std::string_view key) override;
  Result<ListResult> list_objects(std::string_view bucket, const ListParams& params) override;
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

 private:
  ErasureSet& set_for(std::string_view key) { return *sets_[set_index(key)]; }
  // The writer of a write to `bucket` in `set`, wrapped to answer for
  // capacity and quota; with `size`, refused at once when it cannot fit.
  Result<std::unique_ptr<ObjectWriter>> admitted(ErasureSet& set, std::string_view bucket,
                                                 std::string_view key,
                                                 std::string storage_class,
                                                 std::optional<uint64_t> size,
                                                 std::unique_ptr<ObjectWriter> inner);
  std::vector<std::unique_ptr<ErasureSet>> sets_;
  std::string siphash_key_;  // 16 bytes derived from the deployment id
  BucketQuotas quotas_;
  BucketEvents& events_;
};

}  // namespace silo::object
