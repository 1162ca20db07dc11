// Capacity as the object layer sees it: whether an erasure set can take a
// write of a given size without any of its drives entering its free-space
// reserve, the StorageFull error that tells a client (and the operator in
// the log) which drives are full and what to do, and a writer that turns a
// write which ran into full drives into that error.
//
// A full drive is not an offline drive: it still serves reads and deletes,
// and for writes it counts as one drive that could not take its shard. A
// set refuses a write with StorageFull only when its online drives could
// reach write quorum but too few of them have room.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "object/object_layer.h"
#include "object/set_context.h"
#include "storage/space.h"

namespace silo::object {

class ErasureSet;

struct SetRoom {
  size_t needed = 0;    // write quorum of the layout the write would get
  size_t online = 0;    // drives online
  size_t writable = 0;  // online drives with room for their shard
  uint64_t per_drive = 0;      // bytes each drive would store
  uint64_t least_free = 0;     // room left above the reserve on the tightest writable drive
  // Online drives without room, with what they reported.
  std::vector<std::pair<std::string, storage::DiskInfo>> full;
  bool ok() const { return writable >= needed; }
  // Refused for lack of space (rather than for offline drives).
  bool out_of_space() const { return !ok() && online >= needed; }
};

// Bytes one drive of a set stores for an object of `size` bytes cut into
// `k` data shards (framing included).
uint64_t bytes_per_drive(uint64_t size, uint32_t k, uint32_t block_size);

// What the drives of `set` say about a write of `size` bytes to `key`
// (nullopt: unknown, so every drive that is not full will do). With
// `refresh` each drive measures its filesystem now instead of answering
// from memory. (ErasureSet::room is this for a whole set.)
SetRoom set_room(const SetContext& set, std::string_view key, std::string_view storage_class,
                 std::optional<uint64_t> size, bool refresh);

// 507 StorageFull naming the drives without room, their free space and
// reserve, and what to do about it; `action` is what could not be done.
Error storage_full_error(const SetRoom& room, std::optional<uint64_t> size,
                         std::string_view action = "store this object");

// Wraps the writer of a write to `set`: expect() refuses a size the set has
// no room for, and a write or commit that failed because drives ran out of
// room (they refuse to enter their reserve while bytes arrive, or the
// filesystem said ENOSPC) fails with StorageFull instead of a quorum error.
// The wrapped writer removes its staged data when destroyed uncommitted.
std::unique_ptr<ObjectWriter> capacity_writer(ErasureSet& set, std::string key,
                                              std::string storage_class,
                                              std::unique_ptr<ObjectWriter> inner);

}  // namespace silo::object
