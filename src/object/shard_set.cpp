#include "object/shard_set.h"

#include <algorithm>

#include "erasure/bitrot.h"
#include "object/placement.h"

namespace silo::object {

using storage::ObjectRecord;

ShardSet::ShardSet(SetContext& set, ObjectRecord record,
                   std::vector<std::optional<ObjectRecord>> records)
    : set_(set),
      record_(std::move(record)),
      records_(std::move(records)),
      parts_(stored_parts(record_)),
      codec_(set.codec(record_.erasure.data_blocks, record_.erasure.parity_blocks)),
      k_(record_.erasure.data_blocks),
      m_(record_.erasure.parity_blocks),
      block_(record_.erasure.block_size),
      shard_block_(shard_block_size(block_, k_)),
      drive_of_shard_(k_ + m_, -1),
      buffers_(k_ + m_),
      where_(k_ + m_, nullptr),
      present_(new bool[k_ + m_]()),
      failed_(records_.size(), 0),
      bad_blocks_(records_.size(), 0),
      readers_(records_.size()),
      reader_part_(records_.size(), SIZE_MAX) {
  const auto& dist = record_.erasure.distribution;
  for (size_t j = 0; j < dist.size() && j < records_.size(); ++j) {
    if (dist[j] >= 1 && dist[j] <= k_ + m_) drive_of_shard_[dist[j] - 1] = static_cast<int>(j);
  }
}

bool ShardSet::read_shard(size_t j, size_t part_index, uint64_t stripe) {
  if (failed_[j] || !records_[j]) return false;
  const auto& rec = *records_[j];
  uint32_t index = rec.erasure.index;
  if (index < 1 || index > k_ + m_) return false;
  auto fail_drive = [&] {
    failed_[j] = 1;
    readers_[j].reset();
    return false;
  };
  if (!readers_[j] || reader_part_[j] != part_index) {
    uint64_t data_size = shard_file_size(static_cast<uint64_t>(parts_[part_index].size), block_, k_);
    if (rec.inlined) {
      readers_[j] = std::make_unique<FramedReader>(rec.inline_data, data_size, shard_block_);
    } else {
      auto file = set_.drive(j).open_shard(rec.data_uuid, shard_name(parts_[part_index].number));
      if (!file) return fail_drive();
      uint64_t framed = erasure::framed_size(data_size, shard_block_);
      if ((*file)->size() != framed) return fail_drive();
      readers_[j] = std::make_unique<FramedReader>(std::move(*file), data_size, shard_block_);
    }
    reader_part_[j] = part_index;
  }
  auto n = readers_[j]->read_at(stripe * shard_block_, {where_[index - 1], shard_len_});
  if (!n && readers_[j]->corrupt_block()) {
    // This block is bad; the drive's other blocks may be fine.
    ++bad_blocks_[j];
    return false;
  }
  if (!n || *n != shard_len_) return fail_drive();
  present_[index - 1] = true;
  return true;
}

Status ShardSet::load(size_t part_index, uint64_t stripe, const std::vector<uint32_t>& also,
                      bool verify_all, std::span<uint8_t> direct) {
  uint64_t part_size = static_cast<uint64_t>(parts_[part_index].size);
  uint64_t start = stripe * block_;
  stripe_len_ = static_cast<size_t>(std::min<uint64_t>(block_, part_size - start));
  shard_len_ = codec_.shard_size(stripe_len_);
  std::fill(present_.get(), present_.get() + k_ + m_, false);
  if (shard_len_ == 0) return {};
  for (uint32_t s = 0; s < k_ + m_; ++s) {
    buffers_[s].ensure(shard_len_);
    where_[s] = buffers_[s].data();
    if (s < k_ && (s + 1) * shard_len_ <= direct.size()) where_[s] = direct.data() + s * shard_len_;
  }

  // First round, in parallel: the data shards.
  std::vector<size_t> first;
  for (uint32_t s = 0; s < (verify_all ? k_ + m_ : k_); ++s) {
    if (drive_of_shard_[s] >= 0) first.push_back(static_cast<size_t>(drive_of_shard_[s]));
  }
  set_.pool().for_each(first.size(), [&](size_t i) { read_shard(first[i], part_index, stripe); });
  auto count = [&] {
    return static_cast<size_t>(std::count(present_.get(), present_.get() + k_ + m_, true));
  };
  // Then parity, one at a time, until k shards are at hand (with
  // `verify_all` every shard was tried already).
  for (uint32_t s = k_; !verify_all && s < k_ + m_ && count() < k_; ++s) {
    if (drive_of_shard_[s] >= 0) read_shard(static_cast<size_t>(drive_of_shard_[s]), part_index, stripe);
  }
  if (count() < k_) {
    return fail(ErrorCode::kInsufficientReadQuorum,
                "only " + std::to_string(count()) + " of the " + std::to_string(k_) +
                    " shards needed are readable");
  }
  bool need_rebuild = false;
  for (uint32_t s = 0; s < k_; ++s) need_rebuild = need_rebuild || !present_[s];
  for (auto s : also) need_rebuild = need_rebuild || !present_[s];
  if (!need_rebuild) return {};
  std::vector<uint8_t*> ptrs(where_);
  bool data_only = true;
  for (auto s : also) data_only = data_only && s < k_;
  if (auto st = codec_.reconstruct(ptrs, std::span<const bool>(present_.get(), k_ + m_),
                                   shard_len_, data_only);
      !st) {
    return st;
  }
  for (uint32_t s = 0; s < k_ + m_; ++s) {
    if (s < k_ || !data_only) present_[s] = true;
  }
  return {};
}

void ShardSet::join(std::span<uint8_t> out) const {
  std::span<const uint8_t* const> data(where_.data(), k_);
  erasure::Codec::join(data, shard_len_, out.first(std::min(out.size(), stripe_len_)));
}

bool ShardSet::damaged() const {
  for (size_t j = 0; j < records_.size(); ++j) {
    if (failed_[j] || bad_blocks_[j] > 0) return true;
  }
  return false;
}

std::vector<size_t> ShardSet::unhealthy_drives() const {
  std::vector<size_t> out;
  for (size_t j = 0; j < records_.size(); ++j) {
    if (!records_[j] || failed_[j] || bad_blocks_[j] > 0) out.push_back(j);
  }
  return out;
}

}  // namespace silo::object
