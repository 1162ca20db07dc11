// StagedShards: the shards of one object (or one multipart part) being
// written to a staged file on every drive of its set.
//
// Data is cut into stripes of the layout's block size; each stripe is
// encoded into k data and m parity shards and drive j's shard (by the
// layout's distribution) is appended to its framed staged file, the drives
// written in parallel, each stripe within the drive timeout. A drive whose
// file fails, or that does not take its stripe in time, is dropped; once
// fewer than the write quorum remain, every call fails with
// kInsufficientWriteQuorum.
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
  // The encoded shards of one stripe, shared with the tasks writing them: a
  // task that answers after its deadline still reads from here, so the next
  // stripe is encoded into fresh buffers instead.
  struct Stripe {
    std::vector<Buffer> shards;  // per shard index
  };
  Status flush_stripe(const uint8_t* data, size_t len);
  // Calls `f(writer, deadline)` for every drive's live writer in parallel
  // and drops those that fail or do not answer in time.
  template <typename F>
  Status each_writer(F f);
  Status enough_writers() const;

  SetContext& set_;
  storage::ErasureInfo layout_;
  const erasure::Codec& codec_;
  std::string id_;
  // Per drive; null once dropped. Shared with the tasks writing them.
  std::vector<std::shared_ptr<FramedWriter>> writers_;
  size_t full_ = 0;  // drives dropped because they refused for lack of room
  Buffer stripe_;  // a stripe being filled (only this thread's)
  size_t stripe_fill_ = 0;
  std::shared_ptr<Stripe> encoded_;
  bool kept_ = false;
};

}  // namespace silo::object
