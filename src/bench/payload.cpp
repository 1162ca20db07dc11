#include "bench/payload.h"

#include <cstring>

namespace silo::bench {
namespace {

constexpr uint64_t kSlack = 64 * 1024;
constexpr uint64_t kOffsetStep = 8;  // kSlack / kOffsetStep = 8192 distinct windows

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

Payload::Payload(uint64_t size, uint64_t seed) : size_(size), bytes_(size + kSlack) {
  uint64_t state = seed;
  size_t i = 0;
  for (; i + 8 <= bytes_.size(); i += 8) {
    uint64_t v = splitmix64(state);
    std::memcpy(bytes_.data() + i, &v, 8);
  }
  for (; i < bytes_.size(); ++i) bytes_[i] = static_cast<char>(splitmix64(state));
}

std::span<const char> Payload::object(uint64_t id) const {
  uint64_t h = id;
  uint64_t window = splitmix64(h) % (kSlack / kOffsetStep);
  return {bytes_.data() + window * kOffsetStep, size_};
}

bool BodyVerifier::feed(std::string_view piece) {
  if (!mismatch_) {
    if (offset_ + piece.size() > expected_.size() ||
        std::memcmp(expected_.data() + offset_, piece.data(), piece.size()) != 0) {
      mismatch_ = true;
    }
  }
  offset_ += piece.size();
  return true;
}

}  // namespace silo::bench
