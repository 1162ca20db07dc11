// ShardSet: the shards of one object version, read back from the drives of
// its set stripe by stripe and rebuilt from parity where a drive lacks its
// shard, errors or holds a bad block. Readers decode through it; healing
// uses it to rebuild the shards some drives lack.
// Not thread-safe: one ShardSet serves one reader or one heal at a time. It
// must not outlive its set.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/buffer.h"
#include "object/parallel.h"
#include "object/set_context.h"
#include "object/shard_stream.h"

namespace silo::object {

// One drive's side of a ShardSet. A task reading the drive's device shares
// it (see parallel.h): a task that answers after its deadline still finds
// its reader and buffer alive, while the ShardSet has let go of them.
struct ShardSlot {
  storage::ObjectRecord record;          // the drive's record of the version
  std::unique_ptr<FramedReader> reader;  // of part `reader_part`
  size_t reader_part = SIZE_MAX;
  // Where a task reads the shard from the device: never the caller's memory.
  Buffer buffer;
};

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
  // while a drive that errors (missing or truncated file, I/O error) or
  // does not answer within the drive timeout is not read again. With
  // `verify_all`, every drive's shard is read (and so checked), not just k.
  // With `direct` (the buffer join() will fill), data shards that fit whole
  // and are in memory (inline, or in the page cache) are read straight to
  // their place there, so join() copies nothing.
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
  // erroring, or with at least one bad block among those read. (A drive
  // that was only too slow is not among them.)
  std::vector<size_t> unhealthy_drives() const;
  // True when drive j is no longer read (it errored or was too slow); false
  // for a drive that only has bad blocks (its other blocks still serve as
  // sources).
  bool drive_failed(size_t j) const { return !slots_[j]; }

 private:
  enum class Outcome : uint8_t { kInPlace, kInSlot, kBadBlock, kFailed };
  // What one drive is asked to read for the stripe at hand.
  struct Read {
    size_t part_index = 0;
    uint32_t part_number = 0;
    uint64_t data_size = 0;  // unframed shard bytes of the part
    size_t shard_block = 0;
    uint64_t offset = 0;  // of the stripe's shard within the part's shard
    size_t len = 0;
    Deadline deadline = Deadline::never();
  };
  // Reads the shards of `drives` for the stripe at hand: from memory
  // (inline shards, the page cache) on this thread, straight to their
  // place; the rest from the devices in parallel within the drive timeout,
  // each into its drive's slot.
  void read_shards(const std::vector<size_t>& drives, size_t part_index, uint64_t stripe);
  // The memory-only read of drive j's shard into `dest`; nullopt when it
  // would need the device.
  std::optional<Outcome> read_cached(size_t j, const Read& read, std::span<uint8_t> dest);
  // The device read, on a pool thread: into the slot's own buffer.
  static Outcome read_device(SetContext& set, size_t drive, ShardSlot& slot, const Read& read);
  // Makes `file` the slot's reader, unless its size shows it is not the
  // shard the record describes.
  static bool adopt(ShardSlot& slot, std::unique_ptr<storage::ShardReader> file, const Read& read);
  // Takes what the read of drive j left: where the shard is now, or why not.
  void settle_read(size_t j, Outcome outcome);
  // True when shard s of the stripe being loaded goes to the caller's
  // `direct` buffer.
  bool in_direct(uint32_t s) const { return s < k_ && (s + 1) * shard_len_ <= direct_.size(); }
  // Where shard s goes when the set itself must hold it: its own buffer,
  // unless the shard already has a place.
  uint8_t* own(uint32_t s);

  SetContext& set_;
  storage::ObjectRecord record_;
  std::vector<storage::PartInfo> parts_;
  const erasure::Codec& codec_;
  uint32_t k_, m_;
  size_t block_, shard_block_;
  std::vector<int> drive_of_shard_;  // shard index -> drive (-1 if none)
  std::vector<std::shared_ptr<ShardSlot>> slots_;  // per drive; null: not read
  // Per drive: holds the record; errored (a timeout is not damage); blocks
  // that failed their hash.
  std::vector<uint8_t> has_record_;
  std::vector<uint8_t> failed_;
  std::vector<uint32_t> bad_blocks_;
  std::vector<Buffer> buffers_;      // per shard index, for shards rebuilt or read inline
  std::vector<uint8_t*> where_;      // where each shard of the loaded stripe is
  std::unique_ptr<bool[]> present_;  // per shard index, for the loaded stripe
  std::span<uint8_t> direct_;        // of the stripe being loaded
  size_t shard_len_ = 0, stripe_len_ = 0;
};

}  // namespace silo::object
