// SetContext: what the units of one erasure set share, and nothing else.
//
// An ErasureSet is a facade over small units, one job each: placement
// (placement.h), bucket records (bucket_records.h), the write path
// (object_writes.h, settlement.h), the read path (object_reads.h,
// shard_set.h), healing (object_heal.h), listing (object_listing.h) and
// multipart uploads (multipart_uploads.h). None of them holds state of its
// own: the drives, the pool that runs per-drive work in parallel, the
// namespace locks, the codec cache, the options and the damage listener
// live here, and every unit receives this context explicitly. Every call a
// unit makes to a drive carries a deadline from deadline(): one drive
// timeout from the start of that round of calls.
//
// Thread-safe: every member may be used from any thread, except
// set_damage_listener (see there).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "erasure/codec.h"
#include "object/key_locks.h"
#include "object/parallel.h"
#include "storage/drive.h"

namespace silo::object {

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
  // How long one round of calls to the drives may take (silo server
  // --drive-timeout). A drive that has not answered by then counts as
  // failed for that round (kDriveTimeout) and the request goes on with the
  // others; every round gets a fresh deadline (each stripe of a stream is
  // one), so this bounds a single call, not a whole request.
  std::chrono::milliseconds drive_timeout{30'000};
  // How long a change waits for the lock of its key or upload before it
  // fails with kLockTimeout (503 SlowDown). Locks are held only around
  // commits, so waiting this long means something is stuck.
  std::chrono::milliseconds lock_timeout{30'000};
  // How long settlement (resolve_pending: at start, and on every scanner
  // pass) waits for each pending key's lock. A key it cannot lock stays
  // pending for the next pass, so a long wait only delays the others: with
  // distributed locks and most nodes still starting, every pending key
  // would otherwise cost a full lock_timeout before the node serves.
  std::chrono::milliseconds settle_lock_timeout{1'000};
  // Who serializes the changes to a (bucket, key) and to a (bucket, upload
  // id). Null: in-process LocalKeyLocks of this set (one node). A cluster's
  // server passes distributed locks (cluster/dist_locks.h), one instance
  // for keys and one for uploads, which every set of the node may share:
  // each key and upload belongs to one set.
  std::shared_ptr<KeyLocks> key_locks;
  std::shared_ptr<KeyLocks> upload_locks;
};

// Reed-Solomon codecs by (k, m), built on first use: building one computes
// its matrices, and every stripe of every object needs one.
class CodecCache {
 public:
  CodecCache() : codecs_(33 * 33) {}
  // The codec for k data and m parity shards; valid as long as the cache.
  const erasure::Codec& get(uint32_t k, uint32_t m);

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<erasure::Codec>> codecs_;  // index k*33+m
};

class SetContext {
 public:
  SetContext(std::vector<std::shared_ptr<storage::Drive>> drives, ErasureSetOptions options);
  SetContext(const SetContext&) = delete;
  SetContext& operator=(const SetContext&) = delete;

  size_t size() const { return drives_.size(); }
  // Valid as long as the context: tasks still running after their caller
  // gave up may use it (the pool is destroyed first and waits for them).
  storage::Drive& drive(size_t j) const { return *drives_[j]; }
  const ErasureSetOptions& options() const { return options_; }
  // The deadline of a round of drive calls that starts now.
  Deadline deadline() const { return Deadline::after(options_.drive_timeout); }
  // Drives that are known to be unreachable now.
  size_t offline_drives() const;

  DrivePool& pool() { return pool_; }
  // Serializes changes to one (bucket, key): commits, deletes, heals and
  // settling, so preconditions hold at the moment of the commit.
  KeyLocks& locks() { return *locks_; }
  // Serializes part commits, completion and abort of one (bucket, upload id).
  KeyLocks& upload_locks() { return *upload_locks_; }
  // The deadline of a lock acquisition that starts now.
  Deadline lock_deadline() const { return Deadline::after(options_.lock_timeout); }
  // The deadline of settlement's acquisition of one pending key's lock.
  Deadline settle_lock_deadline() const {
    return Deadline::after(options_.settle_lock_timeout);
  }
  const erasure::Codec& codec(uint32_t k, uint32_t m) { return codecs_.get(k, m); }

  // REQUIRES: no operation runs on the set (the listener is read unlocked).
  void set_damage_listener(std::function<void(std::string, std::string)> listener) {
    on_damage_ = std::move(listener);
  }
  // Tells the healer that bucket/key lacks a shard, a record or a block.
  void report_damage(std::string_view bucket, std::string_view key) const;

  // cached(j) for every drive on this thread, then, in parallel within
  // `deadline`, slow(j) for the drives that answered kWouldBlock: metadata
  // that is in memory costs no hand-off to the drive pool. make_slow() is
  // called only then and returns slow, a task that owns what it uses (see
  // parallel.h), so the common path copies nothing.
  template <typename T, typename Cached, typename MakeSlow>
  std::vector<Result<T>> each_drive(Deadline deadline, Cached&& cached, MakeSlow&& make_slow) {
    std::vector<Result<T>> out;
    out.reserve(drives_.size());
    std::vector<size_t> again;
    for (size_t j = 0; j < drives_.size(); ++j) {
      out.push_back(cached(j));
      if (!out.back() && out.back().error().code == ErrorCode::kWouldBlock) again.push_back(j);
    }
    if (again.empty()) return out;
    auto answers = pool_.run(again.size(), deadline,
                             [slow = make_slow(), again](size_t i) { return slow(again[i]); });
    for (size_t i = 0; i < again.size(); ++i) out[again[i]] = std::move(answers[i]);
    return out;
  }

  // A cursor from every online drive that opens one within the drive
  // timeout, through open(drive, reading), a task that owns what it uses;
  // the cursors then read within `reading`, one more timeout.
  template <typename Cursor, typename Open>
  std::vector<std::unique_ptr<Cursor>> open_cursors(Open open) {
    Deadline opening = deadline();
    Deadline reading = Deadline::after(2 * options_.drive_timeout);
    auto opened = pool_.run(
        size(), opening,
        [this, reading, open = std::move(open)](size_t j) -> Result<std::unique_ptr<Cursor>> {
          if (!drive(j).online()) return fail(ErrorCode::kDriveOffline);
          return open(drive(j), reading);
        });
    std::vector<std::unique_ptr<Cursor>> out;
    for (auto& c : opened) {
      if (c) out.push_back(std::move(*c));
    }
    return out;
  }

 private:
  std::vector<std::shared_ptr<storage::Drive>> drives_;
  ErasureSetOptions options_;
  std::shared_ptr<KeyLocks> locks_;
  std::shared_ptr<KeyLocks> upload_locks_;
  CodecCache codecs_;
  std::function<void(std::string, std::string)> on_damage_;
  // Last: destroyed first, so every task still running has finished before
  // anything above goes away.
  DrivePool pool_;
};

}  // namespace silo::object
