// StagedShards: the shards of one object (or one multipart part) being
// written to a staged file on every drive of its set.
//
// Data is cut into stripes of the layout's block size; each stripe is
// encoded into k data and m parity shards and drive j's shard (by the
// layout's distribution) is appended to its framed staged file, the drives
// written in parallel. A drive whose file fails is dropped; once fewer than
// the write quorum remain, every call fails with kInsufficientWriteQuorum.
// The staged files are removed on destruction unless keep() was called
// (their commit moved them into place).
// Not thread-safe: one writer drives it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/buffer.h"
#include "object/set_context.h"
#include "object/shard_stream.h"

namespace silo::object {

class StagedShards {
 public:
  // Creates staged file `name` under a new staged id on every drive.
  static Result<std::unique_ptr<StagedShards>> create(SetContext& set,
                                                      const storage::ErasureInfo& layout,
                                                      std::string_view name);
  ~StagedShards();
  StagedShards(const StagedShards&) = delete;
  StagedShards& operator=(const StagedShards&) = delete;

  Status write(std::span<const uint8_t> data);
  // Encodes the last partial stripe and fsyncs every file.
  Status finish();
  // The staged id every drive's file lives under.
  const std::string& id() const { return id_; }
  // True while drive j's file has taken every write.
  bool holds(size_t j) const { return writers_[j] != nullptr; }
  // The files were committed (moved into place): leave them.
  void keep() { kept_ = true; }

 private:
  StagedShards(SetContext& set, const storage::ErasureInfo& layout);
  Status flush_stripe(const uint8_t* data, size_t len);
  Status enough_writers() const;

  SetContext& set_;
  storage::ErasureInfo layout_;
  const erasure::Codec& codec_;
  std::string id_;
  std::vector<std::unique_ptr<FramedWriter>> writers_;  // per drive; null once dropped
  Buffer stripe_;
  size_t stripe_fill_ = 0;
  std::vector<Buffer> shards_;  // per shard index
  bool kept_ = false;
};

}  // namespace silo::object
