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
// Thread-safe; every method may block on disk.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "erasure/codec.h"
#include "object/ns_lock.h"
#include "object/object_layer.h"
#include "object/parallel.h"
#include "object/quorum.h"
#include "storage/drive.h"

namespace silo::object {

class ShardSet;

struct ErasureSetOptions {
  // Objects up to this size live inside their metadata records.
  size_t inline_threshold = 128 * 1024;
  // Bytes of object data per stripe.
  size_t block_size = 1 << 20;
  // Every part but the last must be at least this large (S3: 5 MiB).
  int64_t min_part_size = 5 << 20;
  // Parity for STANDARD and for REDUCED_REDUNDANCY objects.
  int standard_parity = 0;
  int reduced_parity = 0;
};

struct HealResult {
  size_t drives_healed = 0;  // drives that received a rebuilt shard or record
  uint64_t bytes = 0;        // object bytes rebuilt (per healed drive)
  bool removed_dangling = false;  // a remnant of a failed write was removed
};

class ErasureSet final : public ObjectLayer {
 public:
  ErasureSet(std::vector<std::shared_ptr<storage::Drive>> drives, ErasureSetOptions options);

  size_t drive_count() const { return drives_.size(); }
  const std::vector<std::shared_ptr<storage::Drive>>& drives() const { return drives_; }
  const ErasureSetOptions& options() const { return options_; }
  // Called (from any thread) when a read found a missing or corrupt shard.
  void set_damage_listener(std::function<void(std::string, std::string)> listener) {
    on_damage_ = std::move(listener);
  }

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

  // Rebuilds what drives lack for bucket/key (record, shards); see HealResult.
  // A `deep` heal also reads every shard block to find bitrot.
  Result<HealResult> heal_object(std::string_view bucket, std::string_view key, bool deep = false);
  // Creates the bucket on drives that miss it; returns how many were fixed.
  Result<size_t> heal_bucket(std::string_view bucket);

  // ---- Used by the writers and readers of this set.
  NamespaceLocks& locks() { return locks_; }
  NamespaceLocks& upload_locks() { return upload_locks_; }
  DrivePool& pool() { return pool_; }
  // Parity for a new object of `storage_class`, raised by the number of
  // offline drives, and the resulting layout for `key`.
  storage::ErasureInfo layout_for(std::string_view key, std::string_view storage_class) const;
  // The codec for k data and m parity shards (cached).
  const erasure::Codec& codec(uint32_t k, uint32_t m);
  Status check_preconditions(std::string_view bucket, std::string_view key,
                             const WritePreconditions& pre);
  void report_damage(std::string_view bucket, std::string_view key);
  // Settles a change to bucket/key made with Replaced::kKeep on the drives
  // marked in `committed`: when it `stands` (reached write quorum), the
  // versions it replaced are removed; otherwise they are put back and what
  // was committed (`records[j]` on drive j; nullptr for a delete) removed.
  void settle(std::string_view bucket, std::string_view key, const std::vector<char>& committed,
              bool stands, const std::vector<storage::ObjectRecord>* records);
  // Decides the changes a crash left unsettled (Drive::pending_replaces): a
  // version readable by quorum stands; one that can no longer become
  // readable is taken back. Changes that depend on offline drives wait for
  // a later call. Returns how many were settled.
  size_t resolve_pending();

  // The records of bucket/key on every drive (errors per drive).
  std::vector<Result<storage::ObjectRecord>> read_all(std::string_view bucket,
                                                      std::string_view key, bool with_data);
  // The same from memory only; nullopt when any drive would need its disk.
  std::optional<std::vector<Result<storage::ObjectRecord>>> read_all_cached(
      std::string_view bucket, std::string_view key, bool with_data);

 private:
  // cached(j) for every drive on this thread, then slow(j) in parallel for
  // the drives that answered kWouldBlock: metadata that is in memory costs
  // no hand-off to the drive pool.
  template <typename T, typename Cached, typename Slow>
  std::vector<Result<T>> each_drive(Cached&& cached, Slow&& slow) {
    std::vector<Result<T>> out;
    out.reserve(drives_.size());
    std::vector<size_t> again;
    for (size_t j = 0; j < drives_.size(); ++j) {
      out.push_back(cached(j));
      if (!out.back() && out.back().error().code == ErrorCode::kWouldBlock) again.push_back(j);
    }
    pool_.for_each(again.size(), [&](size_t i) { out[again[i]] = slow(again[i]); });
    return out;
  }
  // A reader of the version records[q] holds, told which drives agree, with
  // a read lease on its data on each of them. With `must_lease`, fails with
  // kNoSuchKey when fewer than k drives still have that data (the version
  // was replaced since the records were read).
  Result<std::unique_ptr<ObjectReader>> reader_for(std::string_view bucket, std::string_view key,
                                                   std::vector<Result<storage::ObjectRecord>>& records,
                                                   size_t q, bool must_lease);
  // Writes the shards of `chosen` that drives `targets` should hold, rebuilt
  // through `shards`, and commits their records. Returns how many succeeded.
  Result<size_t> rebuild_onto(std::string_view bucket, std::string_view key,
                              const storage::ObjectRecord& chosen, ShardSet& shards,
                              const std::vector<size_t>& targets,
                              const std::vector<storage::PartInfo>& parts, size_t shard_block);
  Result<storage::UploadRecord> read_upload_quorum(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id);
  // The error for a key no version of which reached its read quorum.
  Error no_quorum(std::string_view bucket, std::string_view key,
                  const std::vector<Result<storage::ObjectRecord>>& records);
  // Fails with the error the drives agree on, or NoSuchBucket when most lack it.
  Status check_bucket(std::string_view bucket);

  std::vector<std::shared_ptr<storage::Drive>> drives_;
  ErasureSetOptions options_;
  NamespaceLocks locks_;
  NamespaceLocks upload_locks_;
  DrivePool pool_;
  std::mutex codec_mu_;
  std::vector<std::unique_ptr<erasure::Codec>> codecs_;  // index k*33+m
  std::function<void(std::string, std::string)> on_damage_;
};

ObjectInfo to_object_info(std::string_view bucket, std::string_view key,
                          const storage::ObjectRecord& record);

}  // namespace silo::object
