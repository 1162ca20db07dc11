// Placement: where the shards of an object go within its erasure set, and
// the geometry of the shard files they make.
//
// Drive j holds shard index (j - start) mod N + 1, where start is FNV-1a of
// the key mod N, so data shards (the ones reads prefer) rotate over the
// drives. Parity is the storage class's, raised by the number of drives
// offline at write time (up to half the set), so a degraded write keeps the
// protection of a healthy one. The layout is stored in every record; reads
// and heals follow the record, never this function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "object/set_context.h"
#include "storage/record.h"

namespace silo::object {

// The layout of a new object `key` of `storage_class` on `set` as it is now.
storage::ErasureInfo layout_for(const SetContext& set, std::string_view key,
                                std::string_view storage_class);

// Unframed shard bytes one drive stores for `part_size` bytes of data.
uint64_t shard_file_size(uint64_t part_size, uint64_t block_size, uint32_t k);
// Bytes of one shard of a full stripe.
inline size_t shard_block_size(size_t block_size, uint32_t k) { return (block_size + k - 1) / k; }
std::string shard_name(uint32_t part_number);

// The object's parts as stored: a plain object is one part numbered 1.
std::vector<storage::PartInfo> stored_parts(const storage::ObjectRecord& record);

}  // namespace silo::object
