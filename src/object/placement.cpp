#include "object/placement.h"

#include <algorithm>

namespace silo::object {

namespace {

uint64_t key_hash(std::string_view key) {
  // FNV-1a: a stable rotation start, independent of the platform's std::hash.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

storage::ErasureInfo layout_for(const SetContext& set, std::string_view key,
                                std::string_view storage_class) {
  size_t n = set.size();
  const auto& options = set.options();
  size_t parity = storage_class == "REDUCED_REDUNDANCY" ? options.reduced_parity
                                                        : options.standard_parity;
  parity = std::min(parity + set.offline_drives(), n / 2);
  storage::ErasureInfo e;
  e.data_blocks = static_cast<uint32_t>(n - parity);
  e.parity_blocks = static_cast<uint32_t>(parity);
  e.block_size = static_cast<uint32_t>(options.block_size);
  size_t start = n > 1 ? key_hash(key) % n : 0;
  e.distribution.resize(n);
  for (size_t j = 0; j < n; ++j) e.distribution[j] = static_cast<uint8_t>((j + n - start) % n + 1);
  return e;
}

uint64_t shard_file_size(uint64_t part_size, uint64_t block_size, uint32_t k) {
  uint64_t full = part_size / block_size, rest = part_size % block_size;
  return full * shard_block_size(block_size, k) + (rest + k - 1) / k;
}

std::string shard_name(uint32_t part_number) { return "part." + std::to_string(part_number); }

std::vector<storage::PartInfo> stored_parts(const storage::ObjectRecord& r) {
  if (!r.parts.empty()) return r.parts;
  return {storage::PartInfo{1, r.size, r.etag, {}}};
}

}  // namespace silo::object
