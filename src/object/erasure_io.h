// Streaming erasure-coded I/O for one ErasureSet: writers that encode stripes
// onto every drive, and ShardSet, which reads the shards of one object
// version back from the drives and rebuilds missing ones from parity (used by
// readers and by healing).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/buffer.h"
#include "object/erasure_set.h"
#include "object/shard_stream.h"

namespace silo::object {

// Unframed shard bytes one drive stores for `part_size` bytes of data.
uint64_t shard_file_size(uint64_t part_size, uint64_t block_size, uint32_t k);
// Bytes of one shard of a full stripe.
inline size_t shard_block_size(size_t block_size, uint32_t k) { return (block_size + k - 1) / k; }
std::string shard_name(uint32_t part_number);

// The object's parts as stored: a plain object is one part numbered 1.
std::vector<storage::PartInfo> stored_parts(const storage::ObjectRecord& record);

class ShardSet {
 public:
  // `records[j]`: drive j's record of this version, or nullopt when drive j
  // lacks it (those drives are never read).
  ShardSet(ErasureSet& set, storage::ObjectRecord record,
           std::vector<std::optional<storage::ObjectRecord>> records);

  // Loads stripe `stripe` of part `part_index`: afterwards every data shard is
  // valid, and so is every shard index listed in `also`. Drives whose shard
  // is missing or corrupt are remembered as damaged and not read again. With
  // `verify_all`, every drive's shard is read (and so checked), not just k.
  // With `direct` (the buffer join() will fill), data shards that fit whole
  // are read straight into their place there, so join() copies nothing.
  Status load(size_t part_index, uint64_t stripe, const std::vector<uint32_t>& also = {},
              bool verify_all = false, std::span<uint8_t> direct = {});
  const uint8_t* shard(uint32_t index) const { return where_[index]; }
  size_t shard_len() const { return shard_len_; }
  size_t stripe_len() const { return stripe_len_; }
  // Copies the loaded stripe's data (joined data shards) into out.
  void join(std::span<uint8_t> out) const;
  bool damaged() const { return damaged_; }
  const storage::ObjectRecord& record() const { return record_; }
  const std::vector<storage::PartInfo>& parts() const { return parts_; }
  // Drives j that hold no valid copy of this version (lacking record or damaged).
  std::vector<size_t> unhealthy_drives() const;

 private:
  bool read_shard(size_t drive, size_t part_index, uint64_t stripe);

  ErasureSet& set_;
  storage::ObjectRecord record_;
  std::vector<std::optional<storage::ObjectRecord>> records_;
  std::vector<storage::PartInfo> parts_;
  const erasure::Codec& codec_;
  uint32_t k_, m_;
  size_t block_, shard_block_;
  std::vector<int> drive_of_shard_;  // shard index -> drive (-1 if none)
  std::vector<Buffer> buffers_;  // sized to the stripe at hand, never zeroed
  std::vector<uint8_t*> where_;  // where each shard of the loaded stripe is: buffers_ or `direct`
  std::vector<bool> present_;
  std::vector<bool> failed_;  // per drive
  // Open readers: readers_[drive] for the part in `reader_part_[drive]`.
  std::vector<std::unique_ptr<FramedReader>> readers_;
  std::vector<size_t> reader_part_;
  size_t shard_len_ = 0, stripe_len_ = 0;
  bool damaged_ = false;
};

// A writer for a whole object (upload == nullopt) or one multipart part.
std::unique_ptr<ObjectWriter> make_erasure_writer(ErasureSet& set, std::string bucket,
                                                  std::string key, PutOptions options,
                                                  std::optional<storage::UploadRecord> upload,
                                                  uint32_t part_number);

// A reader of the version `records` agree on (see ShardSet). Reads the first
// stripe up front, so an unreadable object fails before any byte is sent.
Result<std::unique_ptr<ObjectReader>> make_erasure_reader(
    ErasureSet& set, std::string bucket, std::string key, storage::ObjectRecord record,
    std::vector<std::optional<storage::ObjectRecord>> records);

}  // namespace silo::object
