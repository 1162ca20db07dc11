// ObjectHeal: rebuilds what some drives of one erasure set lack for a key
// (its record, a shard file, a block that fails its hash) from what the
// others hold, and removes remnants of writes that never reached quorum.
// Thread-safe; every method may block on disk.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "object/bucket_records.h"
#include "object/object_reads.h"
#include "object/set_context.h"

namespace silo::object {

class ShardSet;

struct HealResult {
  size_t drives_healed = 0;  // drives that received a rebuilt shard or record
  uint64_t bytes = 0;        // object bytes rebuilt (per healed drive)
  bool removed_dangling = false;  // a remnant of a failed write was removed
};

class ObjectHeal {
 public:
  ObjectHeal(SetContext& set, BucketRecords& buckets, ObjectReads& reads)
      : set_(set), buckets_(buckets), reads_(reads) {}

  // Rebuilds what drives lack for bucket/key (record, shards); see HealResult.
  // A `deep` heal also reads every shard block to find bitrot.
  Result<HealResult> heal(std::string_view bucket, std::string_view key, bool deep);

 private:
  // Writes the shards of `chosen` that drives `targets` should hold, rebuilt
  // through `shards`, and commits their records. Returns how many succeeded.
  Result<size_t> rebuild_onto(std::string_view bucket, std::string_view key,
                              const storage::ObjectRecord& chosen, ShardSet& shards,
                              const std::vector<size_t>& targets,
                              const std::vector<storage::PartInfo>& parts, size_t shard_block);

  SetContext& set_;
  BucketRecords& buckets_;
  ObjectReads& reads_;
};

}  // namespace silo::object
