// Bitrot protection for shard files: every block of shard data is stored
// preceded by its HighwayHash-256, so a flipped bit on disk is detected when
// the block is read, instead of being served to a client.
//
// Framed layout of a shard: [hash(block0)][block0][hash(block1)][block1]...
// where every block is `block_size` bytes except possibly the last.
#pragma once

#include <cstdint>
#include <span>

namespace silo::erasure {

inline constexpr size_t kBitrotHashSize = 32;

// HighwayHash-256 of `data` under Silo's fixed key.
void bitrot_hash(std::span<const uint8_t> data, uint8_t out[kBitrotHashSize]);
// True when `hash` is the bitrot hash of `data`.
bool bitrot_verify(std::span<const uint8_t> data, const uint8_t* hash);

// Bytes a shard of `shard_size` data bytes occupies once framed.
inline uint64_t framed_size(uint64_t shard_size, uint64_t block_size) {
  uint64_t blocks = (shard_size + block_size - 1) / block_size;
  return shard_size + blocks * kBitrotHashSize;
}

}  // namespace silo::erasure
