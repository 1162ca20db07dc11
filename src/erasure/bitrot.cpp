#include "erasure/bitrot.h"

#include <highwayhash/highwayhash_target.h>
#include <highwayhash/instruction_sets.h>

#include <cstring>

namespace silo::erasure {

namespace {
// A fixed key: the hash guards against corruption, not against an adversary.
const highwayhash::HHKey kKey = {0x5369'6c6f'4269'7472ULL, 0x6f74'4b65'7931'3233ULL,
                                 0x0123'4567'89ab'cdefULL, 0xfedc'ba98'7654'3210ULL};
}  // namespace

void bitrot_hash(std::span<const uint8_t> data, uint8_t out[kBitrotHashSize]) {
  highwayhash::HHResult256 result;
  highwayhash::InstructionSets::Run<highwayhash::HighwayHash>(
      kKey, reinterpret_cast<const char*>(data.data()), data.size(), &result);
  std::memcpy(out, result, kBitrotHashSize);
}

bool bitrot_verify(std::span<const uint8_t> data, const uint8_t* hash) {
  uint8_t got[kBitrotHashSize];
  bitrot_hash(data, got);
  return std::memcmp(got, hash, kBitrotHashSize) == 0;
}

}  // namespace silo::erasure
