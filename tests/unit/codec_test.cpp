#include "erasure/codec.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <isa-l/erasure_code.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace silo::erasure {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// k + m owned shard buffers and the pointer array the Codec takes.
struct ShardSet {
  ShardSet(int n, size_t size) : bufs(n, std::vector<uint8_t>(size)) {
    for (auto& b : bufs) ptrs.push_back(b.data());
  }
  std::span<uint8_t* const> span() const { return ptrs; }
  std::vector<std::vector<uint8_t>> bufs;
  std::vector<uint8_t*> ptrs;
};

// std::vector<bool> is not contiguous, so presence flags live in an array.
using Present = std::array<bool, kMaxTotalShards>;

Present present_except(uint32_t missing_mask) {
  Present p{};
  for (int i = 0; i < kMaxTotalShards; ++i) p[i] = !(missing_mask & (uint32_t{1} << i));
  return p;
}

std::span<const bool> flags(const Present& p, const Codec& c) {
  return std::span<const bool>(p.data(), c.total_shards());
}

// Overwrites the shards in `mask` with a pattern no correct decode produces by
// accident, so a shard "rebuilt" by doing nothing is caught.
void clobber(ShardSet& s, uint32_t mask, uint8_t fill = 0xA5) {
  for (size_t i = 0; i < s.bufs.size(); ++i) {
    if ((mask & (uint32_t{1} << i)) && !s.bufs[i].empty()) {
      std::memset(s.bufs[i].data(), fill, s.bufs[i].size());
    }
  }
}

std::vector<uint8_t> join_all(const Codec& c, const ShardSet& s, size_t size, size_t len) {
  std::vector<const uint8_t*> data(s.ptrs.begin(), s.ptrs.begin() + c.data_shards());
  std::vector<uint8_t> out(len);
  Codec::join(data, size, out);
  return out;
}

std::string geometry_name(int k, int m) { return fmt::format("k{}m{}", k, m); }

// ---------------------------------------------------------------------------
// Basic arithmetic and the systematic layout.

TEST(Codec, ShardSizeIsStripeLengthDividedByDataShardsRoundedUp) {
  Codec c(4, 2);
  EXPECT_EQ(c.shard_size(0), 0u);
  EXPECT_EQ(c.shard_size(1), 1u);
  EXPECT_EQ(c.shard_size(3), 1u);
  EXPECT_EQ(c.shard_size(4), 1u);
  EXPECT_EQ(c.shard_size(5), 2u);
  EXPECT_EQ(c.shard_size(kMiB), kMiB / 4);
  EXPECT_EQ(c.shard_size(kMiB - 1), kMiB / 4);
  EXPECT_EQ(Codec(3, 1).shard_size(kMiB), (kMiB + 2) / 3);
  EXPECT_EQ(Codec(1, 0).shard_size(7), 7u);
}

TEST(Codec, ReportsItsGeometry) {
  Codec c(12, 4);
  EXPECT_EQ(c.data_shards(), 12);
  EXPECT_EQ(c.parity_shards(), 4);
  EXPECT_EQ(c.total_shards(), 16);
}

TEST(Codec, EmptyStripeIsANoOpEverywhere) {
  Codec c(4, 2);
  ShardSet s(6, 0);
  c.encode({}, s.span());
  c.encode_parity(s.span(), 0);
  Present p = present_except(0b000011);
  EXPECT_TRUE(c.reconstruct(s.span(), flags(p, c), 0).has_value());
  EXPECT_TRUE(join_all(c, s, 0, 0).empty());
}

TEST(Codec, DataShardsAreTheStripeBytesWithAZeroPaddedTail) {
  Codec c(4, 2);
  const auto stripe = random_bytes(10, 1);  // shards of 3: 3 + 3 + 3 + 1 byte
  ShardSet s(6, c.shard_size(stripe.size()));
  clobber(s, 0b111111);
  c.encode(stripe, s.span());
  EXPECT_EQ(s.bufs[0], std::vector<uint8_t>(stripe.begin(), stripe.begin() + 3));
  EXPECT_EQ(s.bufs[1], std::vector<uint8_t>(stripe.begin() + 3, stripe.begin() + 6));
  EXPECT_EQ(s.bufs[2], std::vector<uint8_t>(stripe.begin() + 6, stripe.begin() + 9));
  EXPECT_EQ(s.bufs[3], (std::vector<uint8_t>{stripe[9], 0, 0}));
}

// The parity bytes are the on-disk format: pin them to the Cauchy construction
// (row i, column j holds 1/(i xor j) in GF(2^8)) so a change of matrix, or of
// ISA-L's, cannot silently make existing shards undecodable.
TEST(Codec, ParityIsTheCauchyCombinationOfTheDataShards) {
  for (auto [k, m] : {std::pair{2, 1}, {4, 2}, {5, 3}, {8, 4}, {12, 4}}) {
    Codec c(k, m);
    const auto stripe = random_bytes(static_cast<size_t>(k) * 77, 2);
    const size_t size = c.shard_size(stripe.size());
    ShardSet s(k + m, size);
    c.encode(stripe, s.span());
    for (int p = k; p < k + m; ++p) {
      for (size_t b = 0; b < size; ++b) {
        uint8_t want = 0;
        for (int j = 0; j < k; ++j) {
          want ^= gf_mul(gf_inv(static_cast<uint8_t>(p ^ j)), s.bufs[j][b]);
        }
        ASSERT_EQ(s.bufs[p][b], want) << geometry_name(k, m) << " parity " << p << " byte " << b;
      }
    }
  }
}

TEST(Codec, ParityOfAUnitDataShardIsAKnownConstant) {
  // With k=2, m=1 and data (1, 0), parity is 1/(2 xor 0) = 1/2 = 0x8e in
  // GF(2^8) mod 0x11d: a literal that no refactoring can drift from.
  Codec c(2, 1);
  const std::vector<uint8_t> stripe = {1, 0};
  ShardSet s(3, 1);
  c.encode(stripe, s.span());
  EXPECT_EQ(s.bufs[2][0], 0x8e);
}

TEST(Codec, EncodeParityInPlaceMatchesEncode) {
  Codec c(6, 3);
  const auto stripe = random_bytes(6 * 1000, 3);
  const size_t size = c.shard_size(stripe.size());
  ShardSet a(9, size);
  c.encode(stripe, a.span());
  ShardSet b(9, size);
  for (int i = 0; i < 6; ++i) std::memcpy(b.ptrs[i], stripe.data() + i * size, size);
  clobber(b, 0b111000000);
  c.encode_parity(b.span(), size);
  EXPECT_EQ(a.bufs, b.bufs);
}

TEST(Codec, JoinCopiesOnlyTheRequestedPrefix) {
  Codec c(3, 1);
  const auto stripe = random_bytes(100, 4);
  const size_t size = c.shard_size(stripe.size());
  ShardSet s(4, size);
  c.encode(stripe, s.span());
  for (size_t len : {size_t{0}, size_t{1}, size - 1, size, size + 1, size_t{100}}) {
    std::vector<uint8_t> out(len + 8, 0xEE);
    std::vector<const uint8_t*> data(s.ptrs.begin(), s.ptrs.begin() + 3);
    Codec::join(data, size, std::span<uint8_t>(out.data(), len));
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + len, stripe.begin())) << len;
    EXPECT_EQ(out[len], 0xEE) << "wrote past the requested length " << len;
  }
}

// ---------------------------------------------------------------------------
// Round trips over many geometries and stripe lengths.

class CodecGeometry : public testing::TestWithParam<std::tuple<int, int>> {
 protected:
  int k() const { return std::get<0>(GetParam()); }
  int m() const { return std::get<1>(GetParam()); }
  std::vector<size_t> lengths() const {
    const auto k = static_cast<size_t>(this->k());
    return {0, 1, k - 1, k, k + 1, 1000, kMiB - 1, kMiB};
  }
};

TEST_P(CodecGeometry, EncodeThenJoinReturnsTheStripeAtEveryLength) {
  Codec c(k(), m());
  for (size_t len : lengths()) {
    const auto stripe = random_bytes(len, static_cast<uint32_t>(len));
    const size_t size = c.shard_size(len);
    ShardSet s(k() + m(), size);
    c.encode(stripe, s.span());
    EXPECT_EQ(join_all(c, s, size, len), stripe) << "length " << len;
  }
}

// Losing data shards is the expensive case (a real matrix inversion); losing
// the leading ones with the largest stripe covers it for every geometry.
TEST_P(CodecGeometry, LosingTheFirstMShardsRebuildsEveryShardExactly) {
  Codec c(k(), m());
  for (size_t len : lengths()) {
    const auto stripe = random_bytes(len, static_cast<uint32_t>(len) + 7);
    const size_t size = c.shard_size(len);
    ShardSet s(k() + m(), size);
    c.encode(stripe, s.span());
    const auto original = s.bufs;
    const uint32_t missing = (uint64_t{1} << m()) - 1;
    clobber(s, missing);
    Present p = present_except(missing);
    ASSERT_TRUE(c.reconstruct(s.span(), flags(p, c), size).has_value()) << len;
    EXPECT_EQ(s.bufs, original) << "length " << len;
    EXPECT_EQ(join_all(c, s, size, len), stripe) << "length " << len;
  }
}

TEST_P(CodecGeometry, LosingTheLastMShardsRebuildsEveryShardExactly) {
  Codec c(k(), m());
  const size_t len = kMiB - 1;
  const auto stripe = random_bytes(len, 11);
  const size_t size = c.shard_size(len);
  ShardSet s(k() + m(), size);
  c.encode(stripe, s.span());
  const auto original = s.bufs;
  const int n = k() + m();
  uint32_t missing = 0;
  for (int i = n - m(); i < n; ++i) missing |= uint32_t{1} << i;
  clobber(s, missing);
  Present p = present_except(missing);
  ASSERT_TRUE(c.reconstruct(s.span(), flags(p, c), size).has_value());
  EXPECT_EQ(s.bufs, original);
}

TEST_P(CodecGeometry, LosingMoreThanMShardsFailsAndWritesNothing) {
  Codec c(k(), m());
  const size_t len = 4096 + 3;
  const size_t size = c.shard_size(len);
  ShardSet s(k() + m(), size);
  c.encode(random_bytes(len, 12), s.span());
  const uint32_t missing = (uint64_t{1} << (m() + 1)) - 1;
  clobber(s, missing);
  const auto before = s.bufs;
  Present p = present_except(missing);
  for (bool data_only : {false, true}) {
    auto st = c.reconstruct(s.span(), flags(p, c), size, data_only);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, ErrorCode::kInternalError);
    EXPECT_NE(st.error().message.find("need " + std::to_string(k())), std::string::npos)
        << st.error().message;
    EXPECT_EQ(s.bufs, before);
  }
}

INSTANTIATE_TEST_SUITE_P(Geometries, CodecGeometry,
                         testing::Values(std::tuple{1, 0}, std::tuple{1, 1}, std::tuple{2, 1},
                                         std::tuple{2, 2}, std::tuple{3, 1}, std::tuple{4, 2},
                                         std::tuple{4, 4}, std::tuple{6, 3}, std::tuple{8, 4},
                                         std::tuple{12, 4}, std::tuple{16, 16}, std::tuple{8, 0}),
                         [](const testing::TestParamInfo<std::tuple<int, int>>& info) {
                           return geometry_name(std::get<0>(info.param), std::get<1>(info.param));
                         });

// ---------------------------------------------------------------------------
// Every erasure pattern of small geometries.

class CodecExhaustive : public testing::TestWithParam<std::tuple<int, int>> {};

// Shard sizes below and above ISA-L's SIMD width, and one with a ragged tail,
// so both its scalar and vector paths decode every pattern.
constexpr size_t kExhaustiveShardSizes[] = {1, 31, 64, 1000};

TEST_P(CodecExhaustive, EveryPatternOfUpToMMissingShardsRebuildsExactBytes) {
  const auto [k, m] = GetParam();
  const int n = k + m;
  Codec c(k, m);
  int patterns = 0;
  for (size_t size : kExhaustiveShardSizes) {
    const size_t len = (size - 1) * k + 1;  // the last data shard holds one byte
    const auto stripe = random_bytes(len, static_cast<uint32_t>(size));
    ShardSet s(n, size);
    c.encode(stripe, s.span());
    const auto original = s.bufs;
    for (uint32_t missing = 0; missing < (uint32_t{1} << n); ++missing) {
      if (std::popcount(missing) > m) continue;
      ++patterns;
      clobber(s, missing);
      Present p = present_except(missing);
      ASSERT_TRUE(c.reconstruct(s.span(), flags(p, c), size).has_value())
          << "missing mask " << missing;
      ASSERT_EQ(s.bufs, original) << "missing mask " << missing << " shard size " << size;
      ASSERT_EQ(join_all(c, s, size, len), stripe);
    }
  }
  EXPECT_GT(patterns, 0);
}

TEST_P(CodecExhaustive, EveryPatternWithDataOnlyRebuildsDataAndLeavesParityUntouched) {
  const auto [k, m] = GetParam();
  const int n = k + m;
  Codec c(k, m);
  const size_t size = 100;
  ShardSet s(n, size);
  c.encode(random_bytes(size * k, 21), s.span());
  const auto original = s.bufs;
  for (uint32_t missing = 0; missing < (uint32_t{1} << n); ++missing) {
    if (std::popcount(missing) > m) continue;
    s.bufs = original;
    for (int i = 0; i < n; ++i) s.ptrs[i] = s.bufs[i].data();
    clobber(s, missing, 0x3C);
    const auto before = s.bufs;
    Present p = present_except(missing);
    ASSERT_TRUE(c.reconstruct(s.span(), flags(p, c), size, /*data_only=*/true).has_value());
    for (int i = 0; i < k; ++i) ASSERT_EQ(s.bufs[i], original[i]) << "data " << i;
    for (int i = k; i < n; ++i) {
      ASSERT_EQ(s.bufs[i], before[i]) << "parity " << i << " written, missing " << missing;
    }
  }
}

TEST_P(CodecExhaustive, EveryPatternOfMoreThanMMissingShardsFails) {
  const auto [k, m] = GetParam();
  const int n = k + m;
  Codec c(k, m);
  const size_t size = 40;
  ShardSet s(n, size);
  c.encode(random_bytes(size * k, 31), s.span());
  const auto before = s.bufs;
  for (uint32_t missing = 0; missing < (uint32_t{1} << n); ++missing) {
    if (std::popcount(missing) <= m) continue;
    Present p = present_except(missing);
    auto st = c.reconstruct(s.span(), flags(p, c), size);
    ASSERT_FALSE(st.has_value()) << "missing mask " << missing;
    ASSERT_EQ(st.error().code, ErrorCode::kInternalError);
  }
  EXPECT_EQ(s.bufs, before);
}

INSTANTIATE_TEST_SUITE_P(SmallGeometries, CodecExhaustive,
                         testing::Values(std::tuple{1, 1}, std::tuple{2, 1}, std::tuple{2, 2},
                                         std::tuple{3, 2}, std::tuple{4, 2}, std::tuple{4, 4},
                                         std::tuple{5, 3}, std::tuple{6, 4}, std::tuple{8, 4}),
                         [](const testing::TestParamInfo<std::tuple<int, int>>& info) {
                           return geometry_name(std::get<0>(info.param), std::get<1>(info.param));
                         });

// ---------------------------------------------------------------------------
// Edge cases of the contract.

TEST(Codec, WithoutParityEncodeOnlySplitsAndAnyLossFails) {
  Codec c(4, 0);
  const auto stripe = random_bytes(4000, 41);
  const size_t size = c.shard_size(stripe.size());
  ShardSet s(4, size);
  c.encode(stripe, s.span());
  EXPECT_EQ(join_all(c, s, size, stripe.size()), stripe);
  Present all = present_except(0);
  EXPECT_TRUE(c.reconstruct(s.span(), flags(all, c), size).has_value());
  Present one_missing = present_except(0b0100);
  EXPECT_FALSE(c.reconstruct(s.span(), flags(one_missing, c), size).has_value());
}

TEST(Codec, NothingMissingIsASuccessThatWritesNothing) {
  Codec c(4, 2);
  ShardSet s(6, 64);
  c.encode(random_bytes(256, 42), s.span());
  const auto before = s.bufs;
  Present p = present_except(0);
  EXPECT_TRUE(c.reconstruct(s.span(), flags(p, c), 64).has_value());
  EXPECT_EQ(s.bufs, before);
}

TEST(Codec, OnlyParityMissingWithDataOnlyIsANoOp) {
  Codec c(4, 2);
  ShardSet s(6, 64);
  c.encode(random_bytes(256, 43), s.span());
  clobber(s, 0b110000);
  const auto before = s.bufs;
  Present p = present_except(0b110000);
  EXPECT_TRUE(c.reconstruct(s.span(), flags(p, c), 64, true).has_value());
  EXPECT_EQ(s.bufs, before);
}

TEST(Codec, WrongNumberOfShardsOrFlagsIsAnError) {
  Codec c(4, 2);
  ShardSet s(5, 8);
  Present p = present_except(0);
  auto st = c.reconstruct(s.span(), std::span<const bool>(p.data(), 6), 8);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kInternalError);
  ShardSet t(6, 8);
  EXPECT_FALSE(c.reconstruct(t.span(), std::span<const bool>(p.data(), 5), 8).has_value());
}

TEST(Codec, WidestGeometryRebuildsFromOnlyParityShards) {
  // 16+16 losing all 16 data shards: the decode uses parity rows alone.
  Codec c(16, 16);
  const auto stripe = random_bytes(kMiB, 44);
  const size_t size = c.shard_size(stripe.size());
  ShardSet s(32, size);
  c.encode(stripe, s.span());
  const auto original = s.bufs;
  clobber(s, 0xFFFF);
  Present p = present_except(0xFFFF);
  ASSERT_TRUE(c.reconstruct(s.span(), flags(p, c), size).has_value());
  EXPECT_EQ(s.bufs, original);
}

// ---------------------------------------------------------------------------
// Sharing one Codec across threads (the decode plan cache).

// Each thread decodes random patterns on its own buffers and checks the bytes.
// Few patterns (4+2) means cache hits race with each other; many patterns
// (12+4, thousands of masks) overflow the cache so evictions race with use.
void decode_concurrently(int k, int m, int threads, int iterations) {
  Codec c(k, m);
  const int n = k + m;
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      const size_t size = 512 + 32 * t + 7;
      const auto stripe = random_bytes(size * k, 200 + t);
      ShardSet s(n, size);
      c.encode(stripe, s.span());
      const auto original = s.bufs;
      for (int it = 0; it < iterations; ++it) {
        uint32_t missing = 0;
        const int lose = static_cast<int>(rng() % (m + 1));
        while (std::popcount(missing) < lose) missing |= uint32_t{1} << (rng() % n);
        const bool data_only = rng() % 2;
        clobber(s, missing);
        Present p = present_except(missing);
        if (!c.reconstruct(s.span(), flags(p, c), size, data_only).has_value()) ++failures;
        for (int i = 0; i < (data_only ? k : n); ++i) {
          if (s.bufs[i] != original[i]) ++failures;
        }
        s.bufs = original;
        for (int i = 0; i < n; ++i) s.ptrs[i] = s.bufs[i].data();
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(CodecConcurrency, ThreadsSharingACodecDecodeRepeatedPatternsCorrectly) {
  decode_concurrently(4, 2, 4, 2000);
}

TEST(CodecConcurrency, ThreadsSharingACodecDecodeCorrectlyWhileTheCacheEvicts) {
  decode_concurrently(12, 4, 4, 1500);
}

}  // namespace
}  // namespace silo::erasure

namespace silo::erasure {
namespace {

TEST(CodecJoin, ShardsAlreadyInPlaceAreKeptAndTheOthersCopied) {
  // Shard 0 was read straight into its place in `out`; shards 1 and 2 live
  // elsewhere (the last one padded past the end of the stripe).
  std::vector<uint8_t> out(10, 0);
  std::memcpy(out.data(), "abcd", 4);
  const uint8_t elsewhere1[] = {'e', 'f', 'g', 'h'};
  const uint8_t elsewhere2[] = {'i', 'j', 0, 0};
  std::vector<const uint8_t*> shards{out.data(), elsewhere1, elsewhere2};
  Codec::join(shards, 4, out);
  EXPECT_EQ(std::string(out.begin(), out.end()), "abcdefghij");
}

}  // namespace
}  // namespace silo::erasure
