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
  size_t shard_block = shard_block_size(layout.block_size, layout.data_blocks);
  auto& writers = out->writers_;
  set.pool().for_each(set.size(), [&](size_t j) {
    auto w = set.drive(j).create_staged(out->id_, name);
    if (w) writers[j] = std::make_unique<FramedWriter>(std::move(*w), shard_block);
  });
  if (auto s = out->enough_writers(); !s) return std::unexpected(s.error());
  out->stripe_.ensure(layout.block_size);
  out->shards_.resize(layout.data_blocks + layout.parity_blocks);
  for (auto& shard : out->shards_) shard.ensure(shard_block);
  return out;
}

StagedShards::~StagedShards() {
  if (kept_) return;
  for (size_t j = 0; j < set_.size(); ++j) set_.drive(j).remove_staged(id_);
}

Status StagedShards::enough_writers() const {
  size_t alive = static_cast<size_t>(
      std::count_if(writers_.begin(), writers_.end(), [](auto& w) { return w != nullptr; }));
  if (alive < write_quorum(layout_)) return fail(ErrorCode::kInsufficientWriteQuorum);
  return {};
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
  std::vector<uint8_t*> ptrs(shards_.size());
  for (size_t s = 0; s < shards_.size(); ++s) ptrs[s] = shards_[s].data();
  codec_.encode({data, len}, ptrs);
  set_.pool().for_each(set_.size(), [&](size_t j) {
    if (!writers_[j]) return;
    const auto& shard = shards_[layout_.distribution[j] - 1];
    if (!writers_[j]->write({shard.data(), shard_len})) writers_[j].reset();
  });
  return enough_writers();
}

Status StagedShards::finish() {
  if (stripe_fill_ > 0) {
    if (auto s = flush_stripe(stripe_.data(), stripe_fill_); !s) return s;
  }
  set_.pool().for_each(set_.size(), [&](size_t j) {
    if (writers_[j] && !writers_[j]->close()) writers_[j].reset();
  });
  return enough_writers();
}

}  // namespace silo::object
