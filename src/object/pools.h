// Pools: the ObjectLayer the S3 API talks to. A deployment is one pool or
// more (cluster/topology.h), each a list of erasure sets; within a pool a
// key's set is SipHash of the key under the deployment id (so every node
// computes the same placement alone). Buckets live on every set of every
// pool, listings merge all sets, and writes are admitted only when the
// drives have room (object/capacity.h) and the bucket's quota holds them
// (object/quota.h).
//
// Across pools (only when there are several):
// - A new object goes to a pool drawn at random, weighted by the free space
//   of its drives above their reserves, among the pools that accept new
//   objects (not being decommissioned); a full pool weighs nothing. An
//   object that exists already is overwritten in its pool, unless that pool
//   no longer accepts objects, and then the copy left behind is deleted once
//   the new one is committed.
// - A key is found wherever it lives: reads ask every pool and take the
//   newest copy (two copies exist only for a moment while an object moves,
//   or after a crash in that moment).
// - The commits, deletes, completions and moves of one name hold its "pool
//   lock" (a KeyLocks of its own, distributed in a cluster): conditional
//   writes are checked against the copy in whichever pool holds the name and
//   have one winner across pools, and a commit removes the copies other
//   pools keep. (Not while a body arrives: see PoolWriter in pools.cpp.)
// With one pool none of this costs anything: every call goes straight to
// the key's set.
// Every change to a bucket's configuration made here is reported to
// BucketEvents (the other nodes of a deployment drop what they remember of
// the bucket); forget_bucket() is the other side, for changes made elsewhere.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "object/bucket_events.h"
#include "object/erasure_set.h"
#include "object/key_locks.h"
#include "object/bucket_configs.h"
#include "object/quota.h"

namespace silo::object {

// The bucket that holds Silo's own deployment-wide records (pool jobs):
// an invalid S3 bucket name, so no request can reach it, and never listed.
inline constexpr std::string_view kSystemBucket = ".silo.sys";

struct Pool {
  std::string name;  // the command-line argument it came from
  std::vector<std::unique_ptr<ErasureSet>> sets;
};

struct PoolsOptions {
  // The pool locks (see above); a LocalKeyLocks when null.
  std::shared_ptr<KeyLocks> pool_locks;
  std::chrono::milliseconds lock_timeout{30'000};
  // Told of every bucket configuration change (null: nobody to tell); must
  // outlive the Pools.
  BucketEvents* events = nullptr;
};

// What move_object did.
enum class MoveOutcome { kMoved, kGone, kStaleRemoved };

class Pools final : public ObjectLayer {
 public:
  // One pool of `sets`.
  Pools(std::vector<std::unique_ptr<ErasureSet>> sets, std::string deployment_id);
  Pools(std::vector<Pool> pools, std::string deployment_id, PoolsOptions options);

  // Every set of every pool, pool by pool.
  size_t set_count() const { return flat_.size(); }
  ErasureSet& set(size_t i) { return *flat_[i]; }
  // ErasureSet::resolve_pending on every set; returns the total settled.
  size_t resolve_pending();
  BucketQuotas& quotas() { return quotas_; }
  // Sets (nullopt: clears) the bucket's quota and reports the change.
  Status set_bucket_quota(std::string_view bucket, std::optional<uint64_t> bytes);
  // Another node changed the bucket's configuration: drops what this node
  // remembers of it (its quota and configurations), so the next request
  // reads it again.
  void forget_bucket(std::string_view bucket);

  size_t pool_count() const { return pools_.size(); }
  const std::string& pool_name(size_t p) const { return pools_[p].name; }
  size_t pool_set_count(size_t p) const { return pools_[p].sets.size(); }
  ErasureSet& pool_set(size_t p, size_t i) { return *pools_[p].sets[i]; }
  // The set of pool `p` that holds `key`.
  ErasureSet& set_for(size_t p, std::string_view key) { return *pools_[p].sets[set_index(p, key)]; }
  size_t set_index(size_t p, std::string_view key) const;

  // Whether new objects may go to pool `p` (false while it is being
  // decommissioned, and once it is). All pools accept at first.
  void set_accepting(size_t p, bool accepting) { accepting_[p].store(accepting); }
  bool accepting(size_t p) const { return accepting_[p].load(); }
  // Free bytes above the reserves of pool `p`'s drives, as the drives last
  // reported them: the weight of the pool for new objects. 0 when a set of
  // the pool cannot take writes.
  uint64_t pool_free(size_t p) const;
  // Bytes the objects of pool `p` hold (the drives' usage counters).
  uint64_t pool_used(size_t p);
  // A pool for a new object, drawn by free space among the accepting pools
  // that `eligible` (when set) allows; when all of them are full, the first
  // (which then answers 507); nullopt when there is none.
  std::optional<size_t> choose_pool(const std::function<bool(size_t)>& eligible = {}) const;

  // Creates on every set the buckets the first pool has and a set lacks (a
  // pool added to a deployment), and the system bucket. Returns how many
  // bucket records were created.
  size_t sync_buckets();

  // Moves bucket/key out of pool `from` (under the pool lock): to pool `to`,
  // or to one choose_pool draws; the copy keeps its ETag, modification
  // time, metadata and checksums, and the source is deleted once the copy
  // is committed. kGone when `from` no longer holds the key; kStaleRemoved
  // when a newer copy lives elsewhere (the old one is deleted). `bytes` is
  // the object's size when moved.
  Result<MoveOutcome> move_object(std::string_view bucket, std::string_view key, size_t from,
                                  std::optional<size_t> to, uint64_t* bytes = nullptr);

  // The pool lock of a name (see above); also what serializes the updates
  // of a record in the system bucket.
  Result<LockGuard> pool_lock(std::string_view bucket, std::string_view key);

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

 private:
  friend class PoolWriter;
  struct Holder {
    size_t pool;
    ObjectInfo info;
  };
  bool single() const { return pools_.size() == 1; }
  // Gives `meta` (a new version's) the bucket's default retention; refuses
  // lock settings in a bucket without object lock (InvalidRequest).
  Status apply_object_lock(std::string_view bucket, KeyValues& meta);
  // The same with the bucket's lock configuration document already read.
  static Status apply_lock_config(const std::optional<std::string>& doc, KeyValues& meta);
  ErasureSet& only_set_for(std::string_view key) { return set_for(0, key); }
  // A set of pool `p` (not the first, whose first set decides whether a
  // bucket exists) answered that it lacks the bucket: it was added while
  // the first pool did not answer, or missed a creation.
  bool lacks_bucket(const Error& e, size_t p) const;
  // Creates `bucket` on `set` when the first set has it; true when `set`
  // has it now.
  bool repair_bucket(ErasureSet& set, std::string_view bucket);
  // The pools that hold bucket/key, newest copy first. Fails when a pool
  // cannot say (no read quorum) or the bucket does not exist.
  Result<std::vector<Holder>> locate(std::string_view bucket, std::string_view key);
  // The pool that holds the upload.
  Result<size_t> upload_pool(std::string_view bucket, std::string_view key,
                             std::string_view upload_id);
  // The preconditions the set of `pool` is to check for a write of a name
  // held by `holders`: `pre` when the newest copy is there (or nowhere);
  // when it lives in another pool they are checked here, and none are left.
  static Result<WritePreconditions> preconditions_in(const std::vector<Holder>& holders,
                                                     size_t pool, const WritePreconditions& pre);
  // Where a write of bucket/key goes, given its current holders (its pool,
  // if that still accepts objects, else one drawn by free space); refuses
  // at once a write whose preconditions fail already.
  Result<size_t> write_target(const std::vector<Holder>& holders, const WritePreconditions& pre);
  // Deletes the copies of bucket/key in `holders` other than pool `keep`.
  void remove_other_copies(std::string_view bucket, std::string_view key,
                           const std::vector<Holder>& holders, size_t keep);
  // The writer of a write to `bucket` in `set`, wrapped to answer for
  // capacity and quota; with `size`, refused at once when it cannot fit.
  Result<std::unique_ptr<ObjectWriter>> admitted(ErasureSet& set, std::string_view bucket,
                                                 std::string_view key,
                                                 std::string storage_class,
                                                 std::optional<uint64_t> size,
                                                 std::unique_ptr<ObjectWriter> inner);
  std::vector<Pool> pools_;
  std::vector<ErasureSet*> flat_;
  std::vector<std::atomic<bool>> accepting_;  // by pool
  std::string siphash_key_;  // 16 bytes derived from the deployment id
  PoolsOptions options_;
  BucketQuotas quotas_;
  BucketConfigs configs_;
  BucketEvents& events_;
};

}  // namespace silo::object
