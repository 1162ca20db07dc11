// Throughput of the per-stripe work of a PUT and a GET: erasure encoding,
// reconstruction and bitrot hashing. Every benchmark runs on one thread, so
// the bytes_per_second it reports is the rate of one core.
//
// Rates count object bytes (the 1 MiB stripe), not shard bytes written, so they
// compare directly with the network rate a core must keep up with.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "erasure/bitrot.h"
#include "erasure/codec.h"

namespace silo::erasure {
namespace {

constexpr size_t kStripe = size_t{1} << 20;

std::vector<uint8_t> random_bytes(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

struct Shards {
  Shards(int n, size_t size) : bufs(n, std::vector<uint8_t>(size)) {
    for (auto& b : bufs) ptrs.push_back(b.data());
  }
  std::vector<std::vector<uint8_t>> bufs;
  std::vector<uint8_t*> ptrs;
};

void label(benchmark::State& state, int k, int m) {
  state.SetLabel("EC " + std::to_string(k) + "+" + std::to_string(m));
}

// Split a 1 MiB stripe into data shards and compute parity: the PUT path.
void BM_Encode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  Codec codec(k, m);
  const auto stripe = random_bytes(kStripe);
  Shards shards(k + m, codec.shard_size(kStripe));
  for (auto _ : state) {
    codec.encode(stripe, shards.ptrs);
    benchmark::DoNotOptimize(shards.ptrs[k + m - 1][0]);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kStripe);
  label(state, k, m);
}

// Parity only, data already in its shard buffers: the cost of the coding alone.
void BM_EncodeParity(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  Codec codec(k, m);
  const size_t size = codec.shard_size(kStripe);
  Shards shards(k + m, size);
  codec.encode(random_bytes(kStripe), shards.ptrs);
  for (auto _ : state) {
    codec.encode_parity(shards.ptrs, size);
    benchmark::DoNotOptimize(shards.ptrs[k + m - 1][0]);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kStripe);
  label(state, k, m);
}

// m shards lost, the leading data shards first (the worst case: a real matrix
// inversion and every lost byte recomputed), then the stripe joined back out:
// a degraded GET. The decode plan is cached after the first iteration, as it
// is for every stripe of an object after its first.
void BM_Reconstruct(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  Codec codec(k, m);
  const size_t size = codec.shard_size(kStripe);
  Shards shards(k + m, size);
  codec.encode(random_bytes(kStripe), shards.ptrs);
  std::array<bool, kMaxTotalShards> present{};
  for (int i = 0; i < k + m; ++i) present[i] = i >= m;
  std::vector<uint8_t> out(kStripe);
  std::vector<const uint8_t*> data(shards.ptrs.begin(), shards.ptrs.begin() + k);
  for (auto _ : state) {
    auto st = codec.reconstruct(shards.ptrs, std::span<const bool>(present.data(), k + m), size,
                                /*data_only=*/true);
    if (!st) state.SkipWithError("reconstruct failed");
    Codec::join(data, size, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kStripe);
  label(state, k, m);
}

// HighwayHash-256 over one block: paid once per shard block on write and read.
void BM_BitrotHash(benchmark::State& state) {
  const auto block = random_bytes(static_cast<size_t>(state.range(0)));
  uint8_t hash[kBitrotHashSize];
  for (auto _ : state) {
    bitrot_hash(block, hash);
    benchmark::DoNotOptimize(hash);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void geometries(benchmark::internal::Benchmark* b) {
  for (auto [k, m] : {std::pair{2, 2}, {4, 2}, {4, 4}, {8, 4}, {12, 4}}) b->Args({k, m});
}

BENCHMARK(BM_Encode)->Apply(geometries);
BENCHMARK(BM_EncodeParity)->Apply(geometries);
BENCHMARK(BM_Reconstruct)->Apply(geometries);
BENCHMARK(BM_BitrotHash)->Arg(256 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace silo::erasure

BENCHMARK_MAIN();
