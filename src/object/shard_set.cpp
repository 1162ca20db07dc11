#include "object/shard_set.h"

#include <algorithm>
#include <cstring>

#include "erasure/bitrot.h"
#include "object/placement.h"

namespace silo::object {

using storage::ObjectRecord;

ShardSet::ShardSet(SetContext& set, ObjectRecord record,
                   std::vector<std::optional<ObjectRecord>> records)
    : set_(set),
      record_(std::move(record)),
      parts_(stored_parts(record_)),
      codec_(set.codec(record_.erasure.data_blocks, record_.erasure.parity_blocks)),
      k_(record_.erasure.data_blocks),
      m_(record_.erasure.parity_blocks),
      block_(record_.erasure.block_size),
      shard_block_(shard_block_size(block_, k_)),
      drive_of_shard_(k_ + m_, -1),
      slots_(records.size()),
      has_record_(records.size(), 0),
      failed_(records.size(), 0),
      bad_blocks_(records.size(), 0),
      buffers_(k_ + m_),
      where_(k_ + m_, nullptr),
      present_(new bool[k_ + m_]()) {
  const auto& dist = record_.erasure.distribution;
  for (size_t j = 0; j < dist.size() && j < records.size(); ++j) {
    if (dist[j] >= 1 && dist[j] <= k_ + m_) drive_of_shard_[dist[j] - 1] = static_cast<int>(j);
  }
  // Every slot in one block; each drive's pointer shares it.
  auto all = std::make_shared<std::vector<ShardSlot>>(records.size());
  for (size_t j = 0; j < records.size(); ++j) {
    if (!records[j]) continue;
    uint32_t index = records[j]->erasure.index;
    has_record_[j] = 1;
    // A record naming no shard of this layout is never read.
    if (index < 1 || index > k_ + m_) continue;
    (*all)[j].record = std::move(*records[j]);
    slots_[j] = std::shared_ptr<ShardSlot>(all, &(*all)[j]);
  }
}

std::optional<ShardSet::Outcome> ShardSet::read_cached(size_t j, const Read& read,
                                                       std::span<uint8_t> dest) {
  auto& slot = *slots_[j];
  const auto& rec = slot.record;
  if (!slot.reader || slot.reader_part != read.part_index) {
    slot.reader.reset();
    if (rec.inlined) {
      slot.reader =
          std::make_unique<FramedReader>(rec.inline_data, read.data_size, read.shard_block);
    } else {
      auto file = set_.drive(j).open_shard_cached(read.deadline, rec.data_uuid,
                                                  shard_name(read.part_number));
      if (!file) return std::nullopt;  // the device read opens it, or says why not
      if (!adopt(slot, std::move(*file), read)) return Outcome::kFailed;
    }
    slot.reader_part = read.part_index;
  }
  auto n = slot.reader->read_at_cached(read.deadline, read.offset, dest);
  if (n) return *n == read.len ? Outcome::kInPlace : Outcome::kFailed;
  if (n.error().code == ErrorCode::kWouldBlock) return std::nullopt;
  // A bad block costs that block; the drive's other blocks may be fine.
  return slot.reader->corrupt_block() ? Outcome::kBadBlock : Outcome::kFailed;
}

bool ShardSet::adopt(ShardSlot& slot, std::unique_ptr<storage::ShardReader> file,
                     const Read& read) {
  // A file of another size is not the shard the record describes.
  if (file->size() != erasure::framed_size(read.data_size, read.shard_block)) return false;
  slot.reader = std::make_unique<FramedReader>(std::move(file), read.data_size, read.shard_block);
  return true;
}

ShardSet::Outcome ShardSet::read_device(SetContext& set, size_t j, ShardSlot& slot,
                                        const Read& read) {
  const auto& rec = slot.record;
  if (!slot.reader || slot.reader_part != read.part_index) {
    slot.reader.reset();
    auto file = set.drive(j).open_shard(read.deadline, rec.data_uuid, shard_name(read.part_number));
    if (!file || !adopt(slot, std::move(*file), read)) return Outcome::kFailed;
    slot.reader_part = read.part_index;
  }
  slot.buffer.ensure(read.len);
  auto n = slot.reader->read_at(read.deadline, read.offset, slot.buffer.span(read.len));
  if (!n) return slot.reader->corrupt_block() ? Outcome::kBadBlock : Outcome::kFailed;
  return *n == read.len ? Outcome::kInSlot : Outcome::kFailed;
}

void ShardSet::settle_read(size_t j, Outcome outcome) {
  uint32_t s = slots_[j]->record.erasure.index - 1;
  switch (outcome) {
    case Outcome::kInSlot:
      if (in_direct(s)) {
        // A task may outlive its deadline, so it reads into its own slot,
        // never into the caller's buffer.
        std::memcpy(where_[s], slots_[j]->buffer.data(), shard_len_);
      } else {
        where_[s] = slots_[j]->buffer.data();
      }
      present_[s] = true;
      break;
    case Outcome::kInPlace:
      present_[s] = true;
      break;
    case Outcome::kBadBlock:
      ++bad_blocks_[j];
      break;
    case Outcome::kFailed:
      failed_[j] = 1;
      slots_[j].reset();
      break;
  }
}

void ShardSet::read_shards(const std::vector<size_t>& drives, size_t part_index, uint64_t stripe) {
  if (drives.empty()) return;
  Read read;
  read.part_index = part_index;
  read.part_number = parts_[part_index].number;
  read.data_size = shard_file_size(static_cast<uint64_t>(parts_[part_index].size), block_, k_);
  read.shard_block = shard_block_;
  read.offset = stripe * shard_block_;
  read.len = shard_len_;
  read.deadline = set_.deadline();
  // Memory first, on this thread: no hand-off for what is at hand, and the
  // caller's buffer is written by no one else.
  std::vector<size_t> slow;
  for (size_t j : drives) {
    uint32_t s = slots_[j]->record.erasure.index - 1;
    auto outcome = read_cached(j, read, {own(s), shard_len_});
    if (!outcome) {
      slow.push_back(j);
      continue;
    }
    settle_read(j, *outcome);
  }
  if (slow.empty()) return;
  struct Job {
    size_t drive;
    std::shared_ptr<ShardSlot> slot;
  };
  std::vector<Job> jobs;
  jobs.reserve(slow.size());
  for (size_t j : slow) jobs.push_back({j, slots_[j]});
  auto outcomes =
      set_.pool().run(slow.size(), read.deadline,
                      [&set = set_, read, jobs = std::move(jobs)](size_t i) -> Result<Outcome> {
                        return read_device(set, jobs[i].drive, *jobs[i].slot, read);
                      });
  for (size_t i = 0; i < slow.size(); ++i) {
    if (outcomes[i]) {
      settle_read(slow[i], *outcomes[i]);
    } else {
      // Too slow: not read again for this object, but not damaged either.
      slots_[slow[i]].reset();
    }
  }
}

Status ShardSet::load(size_t part_index, uint64_t stripe, const std::vector<uint32_t>& also,
                      bool verify_all, std::span<uint8_t> direct) {
  uint64_t part_size = static_cast<uint64_t>(parts_[part_index].size);
  uint64_t start = stripe * block_;
  stripe_len_ = static_cast<size_t>(std::min<uint64_t>(block_, part_size - start));
  shard_len_ = codec_.shard_size(stripe_len_);
  std::fill(present_.get(), present_.get() + k_ + m_, false);
  if (shard_len_ == 0) return {};
  direct_ = direct;
  // A shard read from a device stays in its drive's slot; only shards
  // rebuilt here (or read on this thread) need a buffer of the set's own.
  for (uint32_t s = 0; s < k_ + m_; ++s) {
    where_[s] = in_direct(s) ? direct.data() + s * shard_len_ : nullptr;
  }

  // First round, in parallel: the data shards.
  std::vector<size_t> first;
  for (uint32_t s = 0; s < (verify_all ? k_ + m_ : k_); ++s) {
    int j = drive_of_shard_[s];
    if (j >= 0 && slots_[j]) first.push_back(static_cast<size_t>(j));
  }
  read_shards(first, part_index, stripe);
  auto count = [&] {
    return static_cast<size_t>(std::count(present_.get(), present_.get() + k_ + m_, true));
  };
  // Then parity, one at a time, until k shards are at hand (with
  // `verify_all` every shard was tried already).
  for (uint32_t s = k_; !verify_all && s < k_ + m_ && count() < k_; ++s) {
    int j = drive_of_shard_[s];
    if (j >= 0 && slots_[j]) read_shards({static_cast<size_t>(j)}, part_index, stripe);
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
  for (uint32_t s = 0; s < k_ + m_; ++s) {
    if (!present_[s]) own(s);
  }
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

uint8_t* ShardSet::own(uint32_t s) {
  if (!where_[s]) {
    buffers_[s].ensure(shard_len_);
    where_[s] = buffers_[s].data();
  }
  return where_[s];
}

void ShardSet::join(std::span<uint8_t> out) const {
  std::span<const uint8_t* const> data(where_.data(), k_);
  erasure::Codec::join(data, shard_len_, out.first(std::min(out.size(), stripe_len_)));
}

bool ShardSet::damaged() const {
  for (size_t j = 0; j < slots_.size(); ++j) {
    if (failed_[j] || bad_blocks_[j] > 0) return true;
  }
  return false;
}

std::vector<size_t> ShardSet::unhealthy_drives() const {
  std::vector<size_t> out;
  for (size_t j = 0; j < slots_.size(); ++j) {
    if (!has_record_[j] || failed_[j] || bad_blocks_[j] > 0) out.push_back(j);
  }
  return out;
}

}  // namespace silo::object
