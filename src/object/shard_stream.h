// Streams object data into and out of bitrot-framed shard files
// (see erasure/bitrot.h for the layout).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/buffer.h"
#include "common/error.h"
#include "storage/drive.h"

namespace silo::object {

// Frames data into blocks of `block_size` and writes them through a ShardWriter.
class FramedWriter {
 public:
  FramedWriter(std::unique_ptr<storage::ShardWriter> out, size_t block_size);
  Status write(Deadline deadline, std::span<const uint8_t> data);
  // Writes the last partial block and fsyncs.
  Status close(Deadline deadline);

 private:
  Status flush_block(Deadline deadline);
  std::unique_ptr<storage::ShardWriter> out_;
  size_t block_size_;
  Buffer buffer_;  // [hash][block data], allocated on first partial block
  size_t fill_ = 0;              // data bytes in buffer_
};

// Frames an in-memory buffer (inline objects).
std::string frame_inline(std::string_view data, size_t block_size);

// Random access to the data of one framed shard, verifying every block.
// A block that fails its hash fails that read only: the reader stays usable
// for the shard's other blocks (they are verified on their own).
class FramedReader {
 public:
  // `data_size` is the unframed size of the shard.
  FramedReader(std::unique_ptr<storage::ShardReader> file, uint64_t data_size, size_t block_size);
  // `framed` holds the whole framed shard (inline data); it must outlive the reader.
  FramedReader(std::string_view framed, uint64_t data_size, size_t block_size);
  // Reads data bytes at `offset` (< data size) into out; returns the count.
  // On failure, corrupt_block() tells a block that failed its hash (that
  // block is bad, the shard may still be read elsewhere) from an I/O error
  // or a truncated file (the shard cannot be trusted).
  Result<size_t> read_at(Deadline deadline, uint64_t offset, std::span<uint8_t> out);
  // read_at from memory only (inline data, the page cache): kWouldBlock
  // when the file's bytes would need the device, which it never waits for.
  Result<size_t> read_at_cached(Deadline deadline, uint64_t offset, std::span<uint8_t> out);
  // True when the last read_at failed because its block failed its hash.
  bool corrupt_block() const { return corrupt_block_; }

 private:
  Result<size_t> read(Deadline deadline, uint64_t offset, std::span<uint8_t> out, bool cached);
  Status load_block(Deadline deadline, uint64_t index, bool cached);
  // A whole block of a file read and verified straight into `out` (exactly
  // the block's data length): big reads skip the block buffer and a copy.
  Result<size_t> read_block_into(Deadline deadline, uint64_t index, std::span<uint8_t> out,
                                 bool cached);
  std::unique_ptr<storage::ShardReader> file_;
  std::string_view framed_;
  uint64_t data_size_;
  size_t block_size_;
  Buffer block_;           // the loaded block of a file, [hash][data]
  const uint8_t* loaded_data_ = nullptr;  // the loaded block's data
  uint64_t loaded_ = UINT64_MAX;
  size_t loaded_len_ = 0;
  bool corrupt_block_ = false;
};

}  // namespace silo::object
