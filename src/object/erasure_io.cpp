#include "object/erasure_io.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "common/hash.h"
#include "common/time.h"
#include "common/uuid.h"
#include "erasure/bitrot.h"

namespace silo::object {

using storage::ObjectRecord;
using storage::PartRecord;
using storage::UploadRecord;

uint64_t shard_file_size(uint64_t part_size, uint64_t block_size, uint32_t k) {
  uint64_t full = part_size / block_size, rest = part_size % block_size;
  return full * shard_block_size(block_size, k) + (rest + k - 1) / k;
}

std::string shard_name(uint32_t part_number) { return "part." + std::to_string(part_number); }

std::vector<storage::PartInfo> stored_parts(const ObjectRecord& r) {
  if (!r.parts.empty()) return r.parts;
  return {storage::PartInfo{1, r.size, r.etag, {}}};
}

// ---------------------------------------------------------------- ShardSet

ShardSet::ShardSet(ErasureSet& set, ObjectRecord record,
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
      auto file = set_.drives()[j]->open_shard(rec.data_uuid, shard_name(parts_[part_index].number));
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

// ---------------------------------------------------------------- Writer

namespace {

class ErasureWriter final : public ObjectWriter {
 public:
  ErasureWriter(ErasureSet& set, std::string bucket, std::string key, PutOptions options,
                std::optional<UploadRecord> upload, uint32_t part_number)
      : set_(set),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        options_(std::move(options)),
        upload_(std::move(upload)),
        part_number_(part_number),
        layout_(upload_ ? upload_->erasure : set.layout_for(key_, options_.storage_class)),
        codec_(set.codec(layout_.data_blocks, layout_.parity_blocks)),
        md5_(Digest::Algorithm::kMd5) {}

  ~ErasureWriter() override {
    if (!staged_id_.empty() && !committed_) {
      for (auto& d : set_.drives()) d->remove_staged(staged_id_);
    }
  }

  Status write(std::span<const uint8_t> data) override {
    md5_.update(data);
    written_ += data.size();
    if (writers_.empty()) {
      if (!upload_ && inline_.size() + data.size() <= set_.options().inline_threshold) {
        inline_.append(reinterpret_cast<const char*>(data.data()), data.size());
        return {};
      }
      if (auto s = spill(); !s) return s;
    }
    return feed(data);
  }

  uint64_t bytes_written() const override { return written_; }

  std::string md5_hex() override { return hex_encode(md5_.peek()); }

  Result<ObjectInfo> commit(const PutFinal& final) override {
    std::string etag = md5_hex();
    if (upload_ && writers_.empty()) {
      if (auto s = spill(); !s) return std::unexpected(s.error());
    }
    size_t n = set_.drives().size();
    std::vector<ObjectRecord> records(n);
    ObjectRecord base;
    base.mod_time_ns = now_ns();
    base.size = static_cast<int64_t>(written_);
    base.etag = etag;
    base.storage_class = options_.storage_class;
    base.meta = options_.meta;
    base.checksums = final.checksums;
    base.erasure = layout_;
    if (!writers_.empty()) {
      if (stripe_fill_ > 0) {
        if (auto s = flush_stripe(stripe_.data(), stripe_fill_); !s) return std::unexpected(s.error());
      }
      set_.pool().for_each(n, [&](size_t j) {
        if (writers_[j] && !writers_[j]->close()) writers_[j].reset();
      });
      if (auto s = enough_writers(); !s) return std::unexpected(s.error());
      base.data_uuid = new_uuid();
    } else {
      base.inlined = true;
      encode_inline(records);
    }
    for (size_t j = 0; j < n; ++j) {
      std::string inline_data = std::move(records[j].inline_data);
      records[j] = base;
      records[j].inline_data = std::move(inline_data);
      records[j].erasure.index = layout_.distribution[j];
    }
    if (upload_) return commit_part(etag, final);

    // Refuse before touching any record when quorum is already out of reach:
    // a failed commit cannot restore the version it replaced.
    size_t reachable = 0;
    for (size_t j = 0; j < n; ++j) {
      bool has_data = base.inlined || writers_[j] != nullptr;
      if (has_data && set_.drives()[j]->online()) ++reachable;
    }
    if (reachable < write_quorum(layout_)) return fail(ErrorCode::kInsufficientWriteQuorum);
    auto guard = set_.locks().lock(bucket_, key_);
    if (auto s = set_.check_preconditions(bucket_, key_, options_.preconditions); !s) {
      return std::unexpected(s.error());
    }
    std::vector<Status> results(n, fail(ErrorCode::kDriveOffline));
    set_.pool().for_each(n, [&](size_t j) {
      if (!base.inlined && !writers_[j]) return;
      results[j] = set_.drives()[j]->commit_object(
          bucket_, key_, records[j], base.inlined ? std::string_view() : staged_id_,
          storage::Replaced::kKeep);
    });
    std::vector<char> committed(n, 0);
    for (size_t j = 0; j < n; ++j) committed[j] = results[j] ? 1 : 0;
    size_t done = static_cast<size_t>(std::count(committed.begin(), committed.end(), 1));
    bool stands = done >= write_quorum(layout_);
    // Only now is the replaced version removed, or, when the write failed,
    // put back where this one was committed.
    set_.settle(bucket_, key_, committed, stands, &records);
    if (!stands) {
      size_t no_bucket = static_cast<size_t>(std::count_if(results.begin(), results.end(), [](const Status& s) {
        return !s && s.error().code == ErrorCode::kNoSuchBucket;
      }));
      if (no_bucket * 2 > n) return fail(ErrorCode::kNoSuchBucket);
      return fail(ErrorCode::kInsufficientWriteQuorum);
    }
    committed_ = true;
    if (done < n) set_.report_damage(bucket_, key_);
    return to_object_info(bucket_, key_, base);
  }

 private:
  Status enough_writers() {
    size_t alive = static_cast<size_t>(
        std::count_if(writers_.begin(), writers_.end(), [](auto& w) { return w != nullptr; }));
    if (alive < write_quorum(layout_)) return fail(ErrorCode::kInsufficientWriteQuorum);
    return {};
  }

  Status spill() {
    staged_id_ = new_uuid();
    size_t n = set_.drives().size();
    writers_.resize(n);
    // A plain object's staged folder becomes its data folder, so its shard
    // takes its final name now; a part is renamed to part.N when committed.
    std::string name = upload_ ? "part" : shard_name(1);
    size_t shard_block = shard_block_size(layout_.block_size, layout_.data_blocks);
    set_.pool().for_each(n, [&](size_t j) {
      auto w = set_.drives()[j]->create_staged(staged_id_, name);
      if (w) writers_[j] = std::make_unique<FramedWriter>(std::move(*w), shard_block);
    });
    if (auto s = enough_writers(); !s) return s;
    stripe_.ensure(layout_.block_size);
    shards_.resize(layout_.data_blocks + layout_.parity_blocks);
    for (auto& shard : shards_) shard.ensure(shard_block);
    std::string pending = std::move(inline_);
    inline_.clear();
    return feed(as_bytes(pending));
  }

  Status feed(std::span<const uint8_t> data) {
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

  Status flush_stripe(const uint8_t* data, size_t len) {
    stripe_fill_ = 0;
    size_t shard_len = codec_.shard_size(len);
    std::vector<uint8_t*> ptrs(shards_.size());
    for (size_t s = 0; s < shards_.size(); ++s) ptrs[s] = shards_[s].data();
    codec_.encode({data, len}, ptrs);
    size_t n = set_.drives().size();
    set_.pool().for_each(n, [&](size_t j) {
      if (!writers_[j]) return;
      const auto& shard = shards_[layout_.distribution[j] - 1];
      if (!writers_[j]->write({shard.data(), shard_len})) writers_[j].reset();
    });
    return enough_writers();
  }

  void encode_inline(std::vector<ObjectRecord>& records) {
    size_t len = inline_.size();
    size_t shard_len = codec_.shard_size(len);
    size_t shard_block = shard_block_size(layout_.block_size, layout_.data_blocks);
    std::vector<std::vector<uint8_t>> shards(layout_.data_blocks + layout_.parity_blocks,
                                             std::vector<uint8_t>(std::max<size_t>(shard_len, 1)));
    std::vector<uint8_t*> ptrs(shards.size());
    for (size_t s = 0; s < shards.size(); ++s) ptrs[s] = shards[s].data();
    if (len > 0) codec_.encode(as_bytes(inline_), ptrs);
    for (size_t j = 0; j < records.size(); ++j) {
      const auto& shard = shards[layout_.distribution[j] - 1];
      records[j].inline_data =
          frame_inline({reinterpret_cast<const char*>(shard.data()), shard_len}, shard_block);
    }
  }

  Result<ObjectInfo> commit_part(const std::string& etag, const PutFinal& final) {
    PartRecord part;
    part.number = part_number_;
    part.size = static_cast<int64_t>(written_);
    part.etag = etag;
    part.mod_time_ns = now_ns();
    part.checksums = final.checksums;
    size_t n = set_.drives().size();
    std::vector<char> ok(n, 0);
    auto guard = set_.upload_locks().lock(bucket_, upload_->upload_id);
    set_.pool().for_each(n, [&](size_t j) {
      if (!writers_[j]) return;
      auto s = set_.drives()[j]->commit_part(*upload_, part, staged_id_, "part");
      ok[j] = s ? 1 : 0;
      if (!s && s.error().code == ErrorCode::kNoSuchUpload) ok[j] = 2;
    });
    size_t done = static_cast<size_t>(std::count(ok.begin(), ok.end(), 1));
    if (done < write_quorum(layout_)) {
      if (std::count(ok.begin(), ok.end(), 2) > 0) return fail(ErrorCode::kNoSuchUpload);
      return fail(ErrorCode::kInsufficientWriteQuorum);
    }
    committed_ = true;
    ObjectInfo info;
    info.bucket = bucket_;
    info.key = key_;
    info.size = part.size;
    info.etag = etag;
    info.mod_time_ns = part.mod_time_ns;
    info.checksums = part.checksums;
    return info;
  }

  ErasureSet& set_;
  std::string bucket_, key_;
  PutOptions options_;
  std::optional<UploadRecord> upload_;
  uint32_t part_number_;
  storage::ErasureInfo layout_;
  const erasure::Codec& codec_;
  Digest md5_;
  uint64_t written_ = 0;
  std::string inline_;
  std::string staged_id_;
  std::vector<std::unique_ptr<FramedWriter>> writers_;
  Buffer stripe_;
  size_t stripe_fill_ = 0;
  std::vector<Buffer> shards_;
  bool committed_ = false;
};

class ErasureReader final : public ObjectReader {
 public:
  ErasureReader(ErasureSet& set, std::string bucket, std::string key, ObjectRecord record,
                std::vector<std::optional<ObjectRecord>> records,
                std::vector<std::unique_ptr<storage::DataLease>> leases)
      : leases_(std::move(leases)),
        set_(set),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        info_(to_object_info(bucket_, key_, record)),
        shards_(set, std::move(record), std::move(records)) {
    end_ = static_cast<uint64_t>(info_.size);
  }

  ~ErasureReader() override {
    if (shards_.damaged() || !shards_.unhealthy_drives().empty()) set_.report_damage(bucket_, key_);
  }

  const ObjectInfo& info() const override { return info_; }

  void set_range(uint64_t offset, uint64_t length) override {
    pos_ = offset;
    end_ = offset + length;
  }

  Status prefetch() {
    if (info_.size == 0) return {};
    uint8_t byte;
    auto n = read({&byte, 1});
    pos_ = 0;
    if (!n) return std::unexpected(n.error());
    return {};
  }

  Result<size_t> read(std::span<uint8_t> out) override {
    if (pos_ >= end_ || out.empty()) return 0;
    size_t total = 0;
    while (!out.empty() && pos_ < end_) {
      uint64_t part_start = 0;
      size_t index = 0;
      const auto& parts = shards_.parts();
      while (index < parts.size() && pos_ >= part_start + static_cast<uint64_t>(parts[index].size)) {
        part_start += static_cast<uint64_t>(parts[index].size);
        ++index;
      }
      if (index >= parts.size()) return fail(ErrorCode::kInternalError, "read past object end");
      uint64_t in_part = pos_ - part_start;
      uint64_t block = shards_.record().erasure.block_size;
      uint64_t stripe = in_part / block;
      size_t in_stripe = static_cast<size_t>(in_part - stripe * block);
      if (in_stripe == 0 && (loaded_part_ != index || loaded_stripe_ != stripe)) {
        // A whole stripe wanted: decode straight into the caller's buffer.
        uint64_t stripe_len = std::min<uint64_t>(block, static_cast<uint64_t>(parts[index].size) - in_part);
        if (out.size() >= stripe_len && end_ - pos_ >= stripe_len) {
          auto dest = out.first(stripe_len);
          if (auto s = shards_.load(index, stripe, {}, false, dest); !s) return std::unexpected(s.error());
          shards_.join(dest);
          size_t n = shards_.stripe_len();
          out = out.subspan(n);
          pos_ += n;
          total += n;
          continue;
        }
      }
      if (loaded_part_ != index || loaded_stripe_ != stripe) {
        loaded_part_ = SIZE_MAX;
        if (auto s = shards_.load(index, stripe); !s) return std::unexpected(s.error());
        stripe_.ensure(shards_.stripe_len());
        shards_.join(stripe_.span(shards_.stripe_len()));
        loaded_part_ = index;
        loaded_stripe_ = stripe;
      }
      size_t n = std::min<uint64_t>({out.size(), shards_.stripe_len() - in_stripe, end_ - pos_});
      std::memcpy(out.data(), stripe_.data() + in_stripe, n);
      out = out.subspan(n);
      pos_ += n;
      total += n;
    }
    return total;
  }

 private:
  // First, so they are released last: after the shard files are closed.
  std::vector<std::unique_ptr<storage::DataLease>> leases_;
  ErasureSet& set_;
  std::string bucket_, key_;
  ObjectInfo info_;
  ShardSet shards_;
  Buffer stripe_;
  uint64_t pos_ = 0, end_ = 0;
  size_t loaded_part_ = SIZE_MAX;
  uint64_t loaded_stripe_ = 0;
};

}  // namespace

std::unique_ptr<ObjectWriter> make_erasure_writer(ErasureSet& set, std::string bucket,
                                                  std::string key, PutOptions options,
                                                  std::optional<UploadRecord> upload,
                                                  uint32_t part_number) {
  return std::make_unique<ErasureWriter>(set, std::move(bucket), std::move(key),
                                         std::move(options), std::move(upload), part_number);
}

Result<std::unique_ptr<ObjectReader>> make_erasure_reader(
    ErasureSet& set, std::string bucket, std::string key, ObjectRecord record,
    std::vector<std::optional<ObjectRecord>> records,
    std::vector<std::unique_ptr<storage::DataLease>> leases) {
  auto reader = std::make_unique<ErasureReader>(set, std::move(bucket), std::move(key),
                                                std::move(record), std::move(records),
                                                std::move(leases));
  if (auto s = reader->prefetch(); !s) return std::unexpected(s.error());
  return reader;
}

}  // namespace silo::object
