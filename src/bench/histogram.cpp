#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace silo::bench {
namespace {

// Values below 2 * kHalf are exact; above, each octave [2^e, 2^(e+1)) has kHalf
// buckets of width 2^(e - kSubBits + 1).
constexpr unsigned kSubBits = 7;
constexpr uint64_t kHalf = 1ull << (kSubBits - 1);  // 64 buckets per octave
constexpr uint64_t kExact = 2 * kHalf;              // 128 exact values
// Durations are capped at 2^44 ns (about 4.9 hours); longer ones count there.
constexpr unsigned kMaxBit = 44;
constexpr size_t kBuckets = kExact + (kMaxBit - kSubBits + 1) * kHalf;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

size_t LatencyHistogram::bucket_of(uint64_t v) {
  if (v < kExact) return static_cast<size_t>(v);
  unsigned msb = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kSubBits
  if (msb > kMaxBit) return kBuckets - 1;
  unsigned shift = msb - (kSubBits - 1);  // v >> shift is in [kHalf, 2*kHalf)
  return kExact + (shift - 1) * kHalf + ((v >> shift) - kHalf);
}

uint64_t LatencyHistogram::bucket_lower(size_t index) {
  if (index < kExact) return index;
  size_t i = index - kExact;
  unsigned shift = static_cast<unsigned>(i / kHalf) + 1;
  return (kHalf + i % kHalf) << shift;
}

uint64_t LatencyHistogram::bucket_width(size_t index) {
  if (index < kExact) return 1;
  return 1ull << (static_cast<unsigned>((index - kExact) / kHalf) + 1);
}

void LatencyHistogram::record(uint64_t nanos) {
  ++counts_[bucket_of(nanos)];
  ++count_;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  if (p >= 100) return max_;
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The midpoint halves the worst-case error; the true extremes bound it.
      uint64_t mid = bucket_lower(i) + bucket_width(i) / 2;
      if (bucket_width(i) == 1) mid = bucket_lower(i);
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace silo::bench
