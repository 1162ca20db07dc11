#include "object/staged_shards.h"

#include <algorithm>
#include <cstring>

#include "common/uuid.h"
#include "object/placement.h"
#include "object/quorum.h"

namespace silo::object {

StagedShards::StagedShards(SetContext& set, const storage::ErasureInfo& layout)
    : set_(set),
      layout_(layout),
      codec_(set.codec(layout.data_blocks, layout.parity_blocks)),
      id_(new_uuid()),
      writers_(set.size()) {}

Result<std::unique_ptr<StagedShards>> StagedShards::create(SetContext& set,
                                                           const storage::ErasureInfo& layout,
                                                           std::string_view name) {
  std::unique_ptr<StagedShards> out(new StagedShards(set, layout));
  Deadline deadline = set.deadline();
  // A file created after its deadline is closed by its task; its folder
  // stays in the drive's tmp until the next start.
  auto made = set.pool().run(set.size(), deadline,
                             [&set, deadline, id = out->id_, name = std::string(name)](size_t j) {
                               return set.drive(j).create_staged(deadline, id, name);
                             });
  size_t shard_block = shard_block_size(layout.block_size, layout.data_blocks);
  for (size_t j = 0; j < made.size(); ++j) {
    if (made[j]) {
      out->writers_[j] = std::make_shared<FramedWriter>(std::move(*made[j]), shard_block);
    } else if (made[j].error().code == ErrorCode::kStorageFull) {
      ++out->full_;
    }
  }
  if (auto s = out->enough_writers(); !s) return std::unexpected(s.error());
  out->stripe_.ensure(layout.block_size);
  out->encoded_ = std::make_shared<Stripe>();
  out->encoded_->shards.resize(layout.data_blocks + layout.parity_blocks);
  for (auto& shard : out->encoded_->shards) shard.ensure(shard_block);
  return out;
}

StagedShards::~StagedShards() {
  if (kept_) return;
  Deadline deadline = set_.deadline();
  set_.pool().run(set_.size(), deadline, [&set = set_, deadline, id = id_](size_t j) {
    set.drive(j).remove_staged(deadline, id);
    return Status{};
  });
}

Status StagedShards::enough_writers() const {
  size_t alive = static_cast<size_t>(
      std::count_if(writers_.begin(), writers_.end(), [](auto& w) { return w != nullptr; }));
  if (alive < write_quorum(layout_)) return fail(write_quorum_error(full_));
  return {};
}

template <typename F>
Status StagedShards::each_writer(F f) {
  Deadline deadline = set_.deadline();
  auto done = set_.pool().run(writers_.size(), deadline,
                              [writers = writers_, deadline, f = std::move(f)](size_t j) {
                                return writers[j] ? f(j, *writers[j], deadline) : Status{};
                              });
  bool late = false;
  for (size_t j = 0; j < writers_.size(); ++j) {
    if (!writers_[j] || done[j]) continue;
    writers_[j].reset();
    late = late || done[j].error().code == ErrorCode::kDriveTimeout;
    if (done[j].error().code == ErrorCode::kStorageFull) ++full_;
  }
  // A late task may still read the stripe it was given.
  if (late && encoded_) {
    auto fresh = std::make_shared<Stripe>();
    fresh->shards.resize(encoded_->shards.size());
    for (auto& shard : fresh->shards) shard.ensure(encoded_->shards[0].capacity());
    encoded_ = std::move(fresh);
  }
  return enough_writers();
}

Status StagedShards::write(std::span<const uint8_t> data) {
  size_t block = layout_.block_size;
  while (!data.empty()) {
    if (stripe_fill_ == 0 && data.size() >= block) {
      if (auto s = flush_stripe(data.data(), block); !s) return s;
      data = data.subspan(block);
      continue;
    }
    size_t n = std::min(block - stripe_fill_, data.size());
    std::memcpy(stripe_.data() + stripe_fill_, data.data(), n);
    stripe_fill_ += n;
    data = data.subspan(n);
    if (stripe_fill_ == block) {
      if (auto s = flush_stripe(stripe_.data(), block); !s) return s;
    }
  }
  return {};
}

Status StagedShards::flush_stripe(const uint8_t* data, size_t len) {
  stripe_fill_ = 0;
  size_t shard_len = codec_.shard_size(len);
  auto& shards = encoded_->shards;
  std::vector<uint8_t*> ptrs(shards.size());
  for (size_t s = 0; s < shards.size(); ++s) ptrs[s] = shards[s].data();
  codec_.encode({data, len}, ptrs);
  return each_writer([stripe = encoded_, dist = layout_.distribution, shard_len](
                         size_t j, FramedWriter& writer, Deadline deadline) {
    const auto& shard = stripe->shards[dist[j] - 1];
    return writer.write(deadline, {shard.data(), shard_len});
  });
}

Status StagedShards::finish() {
  if (stripe_fill_ > 0) {
    if (auto s = flush_stripe(stripe_.data(), stripe_fill_); !s) return s;
  }
  return each_writer(
      [](size_t, FramedWriter& writer, Deadline deadline) { return writer.close(deadline); });
}

}  // namespace silo::object
