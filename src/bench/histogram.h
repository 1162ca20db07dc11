// LatencyHistogram: a fixed-size log-linear histogram of durations in
// nanoseconds, in the manner of HdrHistogram. Every power-of-two range is
// split into 64 equal buckets, so any recorded value is known to within 1/64
// (reported at the bucket's midpoint: within 0.8%); values below 128 ns are
// exact. Recording is an index computation and an increment: no allocation
// after construction, so workers record on the hot path and the histograms
// are merged once at the end.
//
// Not thread-safe: one histogram per worker thread, merged afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace silo::bench {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(uint64_t nanos);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  // The value at percentile `p` (0 < p <= 100) by the nearest-rank method:
  // the smallest recorded value v such that at least p% of values are <= v,
  // give or take the bucket precision. Exact for p = 100 (the max). 0 when empty.
  uint64_t percentile(double p) const;

  // Bucket index of a value, and the range [lower, lower + width) it covers.
  // Exposed for tests.
  static size_t bucket_of(uint64_t nanos);
  static uint64_t bucket_lower(size_t index);
  static uint64_t bucket_width(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace silo::bench
