// ShardSet: the shards of one object version, read back from the drives of
// its set stripe by stripe and rebuilt from parity where a drive lacks its
// shard, errors or holds a bad block. Readers decode through it; healing
// uses it to rebuild the shards some drives lack.
// Not thread-safe: one ShardSet serves one reader or one heal at a time.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/buffer.h"
#include "object/set_context.h"
#include "object/shard_stream.h"

namespace silo::object {

class ShardSet {
 public:
  // `records[j]`: drive j's record of this version, or nullopt when drive j
  // lacks it (those drives are never read).
  ShardSet(SetContext& set, storage::ObjectRecord record,
           std::vector<std::optional<storage::ObjectRecord>> records);

  // Loads stripe `stripe` of part `part_index`: afterwards every data shard is
  // valid, and so is every shard index listed in `also`. The stripe is
  // decoded from any k shards whose blocks verify: a block that fails its
  // hash costs that block only (the drive is still read for other stripes),
  // while a drive that errors (missing or truncated file, I/O error) is not
  // read again. With `verify_all`, every drive's shard is read (and so
  // checked), not just k.
  // With `direct` (the buffer join() will fill), data shards that fit whole
  // are read straight into their place there, so join() copies nothing.
  Status load(size_t part_index, uint64_t stripe, const std::vector<uint32_t>& also = {},
              bool verify_all = false, std::span<uint8_t> direct = {});
  const uint8_t* shard(uint32_t index) const { return where_[index]; }
  size_t shard_len() const { return shard_len_; }
  size_t stripe_len() const { return stripe_len_; }
  // Copies the loaded stripe's data (joined data shards) into out.
  void join(std::span<uint8_t> out) const;
  // True once any read found a bad block or a drive that errors.
  bool damaged() const;
  const storage::ObjectRecord& record() const { return record_; }
  const std::vector<storage::PartInfo>& parts() const { return parts_; }
  // Drives j that hold no valid copy of this version: lacking the record,
  // erroring, or with at least one bad block among those read.
  std::vector<size_t> unhealthy_drives() const;
  // True when drive j errored and is no longer read; false for a drive that
  // only has bad blocks (its other blocks still serve as sources).
  bool drive_failed(size_t j) const { return failed_[j] || !records_[j]; }

 private:
  bool read_shard(size_t drive, size_t part_index, uint64_t stripe);

  SetContext& set_;
  storage::ObjectRecord record_;
  std::vector<std::optional<storage::ObjectRecord>> records_;
  std::vector<storage::PartInfo> parts_;
  const erasure::Codec& codec_;
  uint32_t k_, m_;
  size_t block_, shard_block_;
  std::vector<int> drive_of_shard_;  // shard index -> drive (-1 if none)
  std::vector<Buffer> buffers_;  // sized to the stripe at hand, never zeroed
  std::vector<uint8_t*> where_;  // where each shard of the loaded stripe is: buffers_ or `direct`
  // Written by parallel reads of different drives: one byte (not one bit)
  // per entry, so no two threads share a word.
  std::unique_ptr<bool[]> present_;  // per shard index, for the loaded stripe
  std::vector<uint8_t> failed_;      // per drive: errored, not read again
  std::vector<uint32_t> bad_blocks_;  // per drive: blocks that failed their hash
  // Open readers: readers_[drive] for the part in `reader_part_[drive]`.
  std::vector<std::unique_ptr<FramedReader>> readers_;
  std::vector<size_t> reader_part_;
  size_t shard_len_ = 0, stripe_len_ = 0;
};

}  // namespace silo::object
