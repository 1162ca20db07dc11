// The quorum rules of an erasure set, in one place. Every path that reads,
// writes, lists, heals or settles by quorum asks these functions, so the rules
// cannot drift apart:
// - an object version is readable when its k data-shard count of drives hold
//   it (read quorum); a change to it stands when k drives committed it, plus
//   one when k == m, so that two halves of a set can never both win (write
//   quorum);
// - records every drive holds whole (buckets) need a majority to be written
//   and half the drives to be believed (any two such sets overlap);
// - among the versions drives report, the one most drives agree on wins, and
//   on a tie the newest.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "common/error.h"
#include "storage/record.h"

namespace silo::object {

// Drives that must hold a version for it to be read: its data shards, k.
size_t read_quorum(const storage::ErasureInfo& e);
// Drives that must commit a change for it to stand: k, or k + 1 when k == m.
size_t write_quorum(const storage::ErasureInfo& e);
// For records without an erasure layout, kept whole on each of `drives`.
size_t metadata_read_quorum(size_t drives);   // (drives + 1) / 2
size_t metadata_write_quorum(size_t drives);  // drives / 2 + 1

// Two records describe the same version of an object.
bool same_version(const storage::ObjectRecord& a, const storage::ObjectRecord& b);

struct Agreement {
  size_t index = 0;  // into the candidates
  size_t count = 0;  // drives that hold that version
};
// The version most candidates agree on, the newest on a tie (and among the
// records of that version, the one with the newest metadata); nullopt when
// there are none. Null entries (drives without a record) are skipped. With
// `readable_only`, versions held by fewer drives than their read quorum are
// not candidates.
std::optional<Agreement> most_agreed(std::span<const storage::ObjectRecord* const> candidates,
                                     bool readable_only);
// Index of the version of `records` (one per drive) that reaches its read
// quorum, or nullopt.
std::optional<size_t> pick_quorum(const std::vector<Result<storage::ObjectRecord>>& records);

// The error for a key no version of which reached its read quorum (one
// record or error per drive): "not found" only when so many drives say so
// that no committed version can hide on the others; otherwise the set is
// below quorum.
// The error of a write that fell short of write quorum while `full` drives
// refused it for lack of room: a set that is full is not one that is
// offline (StorageFull, which SDKs do not retry, rather than SlowDown).
Error write_quorum_error(size_t full);

Error missing_error(const std::vector<Result<storage::ObjectRecord>>& records);

// How the drives answered one call made on each of them.
struct Tally {
  size_t ok = 0;
  size_t absent = 0;     // answered with the "does not exist" code asked about
  size_t no_bucket = 0;  // answered NoSuchBucket
  size_t full = 0;       // refused for lack of room (StorageFull)
  size_t failed = 0;     // offline, I/O errors, anything else (full ones too)
};
template <typename T>
Tally tally(const std::vector<Result<T>>& results, ErrorCode absent_code) {
  Tally t;
  for (const auto& r : results) {
    if (r) ++t.ok;
    else if (r.error().code == absent_code) ++t.absent;
    else if (r.error().code == ErrorCode::kNoSuchBucket) ++t.no_bucket;
    else {
      ++t.failed;
      if (r.error().code == ErrorCode::kStorageFull) ++t.full;
    }
  }
  return t;
}

}  // namespace silo::object
