#include "object/quorum.h"

#include "object/object_meta.h"

namespace silo::object {

size_t read_quorum(const storage::ErasureInfo& e) { return e.data_blocks; }

size_t write_quorum(const storage::ErasureInfo& e) {
  return e.data_blocks + (e.data_blocks == e.parity_blocks ? 1 : 0);
}

size_t metadata_read_quorum(size_t drives) { return (drives + 1) / 2; }

size_t metadata_write_quorum(size_t drives) { return drives / 2 + 1; }

bool same_version(const storage::ObjectRecord& a, const storage::ObjectRecord& b) {
  return a.mod_time_ns == b.mod_time_ns && a.version_id == b.version_id && a.etag == b.etag &&
         a.data_uuid == b.data_uuid &&
         a.size == b.size && a.delete_marker == b.delete_marker &&
         a.erasure.data_blocks == b.erasure.data_blocks &&
         a.erasure.parity_blocks == b.erasure.parity_blocks;
}

std::optional<Agreement> most_agreed(std::span<const storage::ObjectRecord* const> candidates,
                                     bool readable_only) {
  std::optional<Agreement> best;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto* r = candidates[i];
    if (!r) continue;
    size_t count = 0;
    for (const auto* other : candidates) {
      if (other && same_version(*r, *other)) ++count;
    }
    if (readable_only && count < read_quorum(r->erasure)) continue;
    if (best && same_version(*r, *candidates[best->index])) {
      // Drives that missed an in-place metadata update hold the same
      // version with older metadata: the newest metadata is the version's.
      if (meta_stamp(r->meta) > meta_stamp(candidates[best->index]->meta)) best->index = i;
      continue;
    }
    if (!best || count > best->count ||
        (count == best->count && r->mod_time_ns > candidates[best->index]->mod_time_ns)) {
      best = Agreement{i, count};
    }
  }
  return best;
}

std::optional<size_t> pick_quorum(const std::vector<Result<storage::ObjectRecord>>& records) {
  std::vector<const storage::ObjectRecord*> candidates;
  candidates.reserve(records.size());
  for (const auto& r : records) candidates.push_back(r ? &*r : nullptr);
  auto best = most_agreed(candidates, /*readable_only=*/true);
  if (!best) return std::nullopt;
  return best->index;
}

Error write_quorum_error(size_t full) {
  if (full > 0) {
    return Error(ErrorCode::kStorageFull,
                 "drives of this erasure set refused the write for lack of free space");
  }
  return Error(ErrorCode::kInsufficientWriteQuorum);
}

Error missing_error(const std::vector<Result<storage::ObjectRecord>>& records) {
  size_t n = records.size();
  auto t = tally(records, ErrorCode::kNoSuchKey);
  if (t.no_bucket * 2 > n) return Error(ErrorCode::kNoSuchBucket);
  size_t absent = t.absent + t.no_bucket;
  if (absent * 2 >= n && absent > 0) return Error(ErrorCode::kNoSuchKey);
  return Error(ErrorCode::kInsufficientReadQuorum);
}

}  // namespace silo::object
