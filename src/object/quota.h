// Bucket quotas: the most a bucket's objects may hold, in bytes as clients
// see them (object sizes, not shards or parity).
//
// The quota lives in the bucket's record on every drive (set through the
// admin API, written with the metadata write quorum of each set); usage
// comes from the per-bucket counters every drive keeps in the same batch as
// each commit (storage/usage.h), so it survives restarts and is never
// computed by listing. A write is admitted when the bucket's usage, the
// bytes other writes in flight on this server claimed, and its own bytes
// stay within the quota; it is refused with QuotaExceeded (400, never
// retried) before any byte is stored when its size is known, and as soon as
// it passes the quota otherwise. An overwrite is admitted like a new object
// (its bytes are stored before the old ones go). Multipart parts are
// checked as they arrive and the object once more on completion; parts of
// unfinished uploads do not count as usage.
//
// Thread-safe. Quotas are remembered for a few seconds; a change made
// through another node is applied here at once when that node tells this
// one (forget(), through Pools::forget_bucket), and within those seconds
// when it could not.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object/erasure_set.h"

namespace silo::object {

class BucketQuotas {
 public:
  explicit BucketQuotas(std::vector<ErasureSet*> sets);

  // The bucket's quota in bytes (nullopt: none): the value most drives of
  // the first set hold in the bucket's record.
  Result<std::optional<uint64_t>> quota(std::string_view bucket);
  // Sets (nullopt: clears) the quota on every set.
  Status set_quota(std::string_view bucket, std::optional<uint64_t> bytes);
  // Objects and bytes the bucket holds: in each set, the counters of the
  // drive that counts the most (a drive that missed writes counts fewer),
  // summed over the sets.
  Result<storage::BucketUsage> usage(std::string_view bucket);
  // Claims `bytes` more for a write to `bucket` until release(): fails
  // with QuotaExceeded when the usage, what writes in flight claimed and
  // `bytes` would pass `quota`.
  Status claim(std::string_view bucket, uint64_t quota, uint64_t bytes);
  void release(std::string_view bucket, uint64_t bytes);
  // The bucket was created or deleted, or its quota changed through another
  // node: its remembered quota is stale.
  void forget(std::string_view bucket);

 private:
  struct Entry {
    std::optional<uint64_t> quota;
    std::chrono::steady_clock::time_point read_at;
    uint64_t in_flight = 0;
  };
  std::vector<ErasureSet*> sets_;
  std::mutex mu_;  // guards entries_
  std::map<std::string, Entry, std::less<>> entries_;
  // Serializes claims, so that two writes cannot both fit the same room.
  std::mutex claim_mu_;
};

// Wraps the writer of a write to `bucket`, whose quota is `quota`: the
// bytes announced by expect() or written are claimed (QuotaExceeded past
// the quota) and released once the write is committed, when the counters
// include it, or abandoned.
std::unique_ptr<ObjectWriter> quota_writer(BucketQuotas& quotas, std::string bucket,
                                           uint64_t quota, std::unique_ptr<ObjectWriter> inner);

// "10 GiB quota: 9.5 GiB used (1200 objects), 0.5 GiB free" style message
// for QuotaExceeded.
Error quota_exceeded_error(std::string_view bucket, uint64_t quota, uint64_t used,
                           uint64_t wanted);

}  // namespace silo::object
