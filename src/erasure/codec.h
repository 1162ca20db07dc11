// Reed-Solomon erasure coding of one stripe, over Intel ISA-L.
//
// A stripe (at most 1 MiB of object data, DESIGN.md §3) is cut into k data
// shards of equal size, the last one zero-padded, and m parity shards are
// computed from them. Any k of the k+m shards are enough to rebuild all the
// others, so a set survives the loss of any m drives.
//
// The code is systematic (data shards are the stripe's bytes unchanged, so a
// healthy read needs no decoding) and its parity rows form a Cauchy matrix,
// which makes every choice of k surviving shards invertible: there is no
// erasure pattern of up to m shards that cannot be decoded.
//
// This module is pure computation: no I/O, no allocation of shard buffers,
// no knowledge of drives. Shard order, bitrot framing and quorum are the
// caller's business.
//
// Thread-safety: a Codec is immutable after construction and safe to share
// across threads; every method may be called concurrently. The only mutable
// state is an internal cache of decode tables, guarded by a mutex that is held
// for the lookup only, never while coding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "common/error.h"

namespace silo::erasure {

// Largest k + m a Codec accepts. Erasure sets have at most 16 drives; 32 leaves
// room and keeps an erasure pattern in one 32-bit mask.
inline constexpr int kMaxTotalShards = 32;

class Codec {
 public:
  // REQUIRES: 1 <= data_shards, 0 <= parity_shards,
  //           data_shards + parity_shards <= kMaxTotalShards.
  // A violated precondition is a programming error: the process aborts with a
  // message rather than coding with a wrong matrix.
  Codec(int data_shards, int parity_shards);

  // Holds a mutex and a cache shared by its users: hold it by reference or
  // smart pointer.
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  int data_shards() const { return k_; }
  int parity_shards() const { return m_; }
  int total_shards() const { return k_ + m_; }

  // Bytes of each shard for a stripe of `stripe_len` bytes: ceil(stripe_len / k).
  // An empty stripe has shards of 0 bytes, and every coding call on it is a no-op.
  size_t shard_size(size_t stripe_len) const;

  // Splits `stripe` into the k data shards (zero-padding the tail of the last
  // ones) and computes the m parity shards.
  // REQUIRES: shards.size() == total_shards(); each shards[i] points to a
  //           writable buffer of shard_size(stripe.size()) bytes that does not
  //           overlap `stripe` or another shard.
  void encode(std::span<const uint8_t> stripe, std::span<uint8_t* const> shards) const;

  // Computes the m parity shards from k data shards the caller has already
  // laid out in shards[0..k), without copying them. Data buffers are only read.
  // REQUIRES: shards.size() == total_shards(); each shards[i] points to a
  //           distinct buffer of `shard_size` bytes.
  void encode_parity(std::span<uint8_t* const> shards, size_t shard_size) const;

  // Rebuilds the missing shards in place. `present[i]` says whether shards[i]
  // holds valid data; shards marked present are only read. Every shards[i]
  // must point to a writable buffer of `shard_size` bytes, present or not.
  // With `data_only`, only the missing data shards are rebuilt and no parity
  // buffer is written (what a GET needs); otherwise every missing shard is
  // (what healing needs).
  //
  // On success every shard that was to be rebuilt holds its exact bytes.
  // Fails with ErrorCode::kInternalError, writing no buffer, when fewer than
  // k shards are present (the caller maps this to its quorum error) or when
  // `shards`/`present` do not have total_shards() entries. It never returns
  // guessed bytes.
  Status reconstruct(std::span<uint8_t* const> shards, std::span<const bool> present,
                     size_t shard_size, bool data_only = false) const;

  // Copies the first out.size() bytes of the stripe back out of its data
  // shards, in order: the inverse of the split done by encode(). A shard that
  // already lies at its place in `out` (read there directly) is not copied.
  // REQUIRES: out.size() <= data_shards.size() * shard_size.
  static void join(std::span<const uint8_t* const> data_shards, size_t shard_size,
                   std::span<uint8_t> out);

 private:
  // How to rebuild the shards of one erasure pattern: which k shards to read,
  // which to write, and ISA-L's expanded tables for the matrix between them.
  struct DecodePlan {
    std::vector<int> sources;  // k shard indices read
    std::vector<int> outputs;  // shard indices written
    std::vector<uint8_t> tables;
  };

  std::shared_ptr<const DecodePlan> decode_plan(uint32_t present_mask, bool data_only) const;
  std::shared_ptr<const DecodePlan> make_decode_plan(uint32_t present_mask, bool data_only) const;

  int k_;
  int m_;
  std::vector<uint8_t> matrix_;         // (k+m) x k: identity over Cauchy rows
  std::vector<uint8_t> encode_tables_;  // ISA-L tables for the m parity rows

  // Patterns repeat for every stripe of an object read while a drive is down,
  // so plans are computed once. Keyed by present mask, with data_only in bit 32.
  mutable std::mutex cache_mu_;
  mutable std::map<uint64_t, std::shared_ptr<const DecodePlan>> cache_;
};

}  // namespace silo::erasure
