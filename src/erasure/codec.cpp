#include "erasure/codec.h"

#include <fmt/format.h>
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace silo::erasure {

namespace {

// Preconditions guard memory safety (pointer counts, buffer sizes), so they are
// checked in every build: a wrong call must stop the process, not corrupt data.
void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "silo::erasure::Codec: precondition violated: %s\n", what);
    std::abort();
  }
}

// Enough for the patterns of a few offline drives under every rotation of the
// shard order (k+m each), without letting a pathological caller grow it forever.
constexpr size_t kMaxCachedPlans = 256;

// ISA-L takes the length as an int; shards larger than this are coded in pieces.
constexpr size_t kMaxChunk = size_t{1} << 30;

// Applies ISA-L's expanded `tables` (rows x k) to `len` bytes of each source,
// writing one output per row.
void apply_tables(const std::vector<uint8_t>& tables, int k, int rows, uint8_t* const* sources,
                  uint8_t* const* outputs, size_t len) {
  uint8_t* src[kMaxTotalShards];
  uint8_t* dst[kMaxTotalShards];
  // ec_encode_data takes non-const pointers but only reads the tables.
  auto* gftbls = const_cast<uint8_t*>(tables.data());
  for (size_t off = 0; off < len; off += kMaxChunk) {
    size_t n = std::min(kMaxChunk, len - off);
    for (int i = 0; i < k; ++i) src[i] = sources[i] + off;
    for (int i = 0; i < rows; ++i) dst[i] = outputs[i] + off;
    ec_encode_data(static_cast<int>(n), k, rows, gftbls, src, dst);
  }
}

uint64_t plan_key(uint32_t present_mask, bool data_only) {
  return uint64_t{present_mask} | (uint64_t{data_only} << 32);
}

}  // namespace

Codec::Codec(int data_shards, int parity_shards) : k_(data_shards), m_(parity_shards) {
  require(k_ >= 1, "data_shards >= 1");
  require(m_ >= 0, "parity_shards >= 0");
  require(k_ + m_ <= kMaxTotalShards, "data_shards + parity_shards <= 32");
  const int n = k_ + m_;
  matrix_.resize(static_cast<size_t>(n) * k_);
  // Rows k..n-1 are 1/(i xor j): a Cauchy matrix, so every square submatrix is
  // invertible and any k rows of [I; C] can be inverted to decode.
  gf_gen_cauchy1_matrix(matrix_.data(), n, k_);
  if (m_ > 0) {
    encode_tables_.resize(static_cast<size_t>(32) * k_ * m_);
    ec_init_tables(k_, m_, matrix_.data() + static_cast<size_t>(k_) * k_, encode_tables_.data());
  }
}

size_t Codec::shard_size(size_t stripe_len) const {
  const auto k = static_cast<size_t>(k_);
  return stripe_len / k + (stripe_len % k != 0 ? 1 : 0);
}

void Codec::encode(std::span<const uint8_t> stripe, std::span<uint8_t* const> shards) const {
  require(shards.size() == static_cast<size_t>(total_shards()), "shards.size() == k + m");
  const size_t size = shard_size(stripe.size());
  if (size == 0) return;
  size_t off = 0;
  for (int i = 0; i < k_; ++i) {
    const size_t n = std::min(size, stripe.size() - off);
    if (n > 0) std::memcpy(shards[i], stripe.data() + off, n);
    if (n < size) std::memset(shards[i] + n, 0, size - n);
    off += n;
  }
  encode_parity(shards, size);
}

void Codec::encode_parity(std::span<uint8_t* const> shards, size_t shard_size) const {
  require(shards.size() == static_cast<size_t>(total_shards()), "shards.size() == k + m");
  if (m_ == 0 || shard_size == 0) return;
  apply_tables(encode_tables_, k_, m_, shards.data(), shards.data() + k_, shard_size);
}

Status Codec::reconstruct(std::span<uint8_t* const> shards, std::span<const bool> present,
                          size_t shard_size, bool data_only) const {
  const auto n = static_cast<size_t>(total_shards());
  if (shards.size() != n || present.size() != n) {
    return fail(ErrorCode::kInternalError,
                fmt::format("erasure reconstruct: expected {} shards, got {} buffers and {} flags",
                            n, shards.size(), present.size()));
  }
  uint32_t present_mask = 0;
  for (size_t i = 0; i < n; ++i) {
    if (present[i]) present_mask |= uint32_t{1} << i;
  }
  const int have = std::popcount(present_mask);
  if (have < k_) {
    return fail(
        ErrorCode::kInternalError,
        fmt::format("erasure reconstruct: only {} of {} shards available, need {} (EC {}+{})", have,
                    n, k_, k_, m_));
  }
  const uint32_t all = n == 32 ? ~uint32_t{0} : (uint32_t{1} << n) - 1;
  const uint32_t wanted = data_only ? (uint32_t{1} << k_) - 1 : all;
  if ((present_mask & wanted) == wanted || shard_size == 0) return {};

  const std::shared_ptr<const DecodePlan> plan = decode_plan(present_mask, data_only);
  uint8_t* src[kMaxTotalShards];
  uint8_t* dst[kMaxTotalShards];
  for (int i = 0; i < k_; ++i) src[i] = shards[plan->sources[i]];
  const int rows = static_cast<int>(plan->outputs.size());
  for (int i = 0; i < rows; ++i) dst[i] = shards[plan->outputs[i]];
  apply_tables(plan->tables, k_, rows, src, dst, shard_size);
  return {};
}

void Codec::join(std::span<const uint8_t* const> data_shards, size_t shard_size,
                 std::span<uint8_t> out) {
  require(out.size() <= data_shards.size() * shard_size, "out.size() <= k * shard_size");
  size_t off = 0;
  for (size_t i = 0; off < out.size(); ++i) {
    const size_t n = std::min(shard_size, out.size() - off);
    if (data_shards[i] != out.data() + off) std::memcpy(out.data() + off, data_shards[i], n);
    off += n;
  }
}

std::shared_ptr<const Codec::DecodePlan> Codec::decode_plan(uint32_t present_mask,
                                                            bool data_only) const {
  const uint64_t key = plan_key(present_mask, data_only);
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  // Built outside the lock so a miss does not stall other readers; two threads
  // missing at once build identical plans and one simply wins.
  std::shared_ptr<const DecodePlan> plan = make_decode_plan(present_mask, data_only);
  std::lock_guard lock(cache_mu_);
  // Plans in use are kept alive by their shared_ptr, so dropping the whole map
  // is safe; it only costs rebuilding the patterns still in use.
  if (cache_.size() >= kMaxCachedPlans) cache_.clear();
  return cache_.emplace(key, std::move(plan)).first->second;
}

std::shared_ptr<const Codec::DecodePlan> Codec::make_decode_plan(uint32_t present_mask,
                                                                 bool data_only) const {
  auto plan = std::make_shared<DecodePlan>();
  const int n = total_shards();
  const auto k = static_cast<size_t>(k_);
  // The lowest-indexed present shards: data shards first, whose identity rows
  // keep the matrix to invert as simple as the pattern allows.
  for (int i = 0; i < n && static_cast<int>(plan->sources.size()) < k_; ++i) {
    if (present_mask & (uint32_t{1} << i)) plan->sources.push_back(i);
  }
  const int last = data_only ? k_ : n;
  for (int i = 0; i < last; ++i) {
    if (!(present_mask & (uint32_t{1} << i))) plan->outputs.push_back(i);
  }

  // sources = B * data, with B the k rows of the encoding matrix we hold; so
  // data = B^-1 * sources and any shard r = row_r * B^-1 * sources.
  std::vector<uint8_t> b(k * k);
  std::vector<uint8_t> b_inv(k * k);
  for (size_t r = 0; r < k; ++r) {
    std::memcpy(&b[r * k], &matrix_[static_cast<size_t>(plan->sources[r]) * k], k);
  }
  // Cannot fail: every k rows of [I; Cauchy] are linearly independent.
  require(gf_invert_matrix(b.data(), b_inv.data(), k_) == 0, "decode matrix invertible");

  const size_t rows = plan->outputs.size();
  std::vector<uint8_t> decode(rows * k);
  for (size_t r = 0; r < rows; ++r) {
    const auto out = static_cast<size_t>(plan->outputs[r]);
    uint8_t* row = &decode[r * k];
    if (out < k) {
      std::memcpy(row, &b_inv[out * k], k);
      continue;
    }
    const uint8_t* coeffs = &matrix_[out * k];
    for (size_t j = 0; j < k; ++j) {
      uint8_t acc = 0;
      for (size_t i = 0; i < k; ++i) acc ^= gf_mul(coeffs[i], b_inv[i * k + j]);
      row[j] = acc;
    }
  }
  plan->tables.resize(32 * k * rows);
  ec_init_tables(k_, static_cast<int>(rows), decode.data(), plan->tables.data());
  return plan;
}

}  // namespace silo::erasure
