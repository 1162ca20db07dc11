#include "object/shard_stream.h"

#include <cstring>

#include "erasure/bitrot.h"

namespace silo::object {

using erasure::kBitrotHashSize;

FramedWriter::FramedWriter(std::unique_ptr<storage::ShardWriter> out, size_t block_size)
    : out_(std::move(out)), block_size_(block_size) {}

Status FramedWriter::flush_block(Deadline deadline) {
  if (fill_ == 0) return {};
  erasure::bitrot_hash({buffer_.data() + kBitrotHashSize, fill_}, buffer_.data());
  auto s = out_->write(deadline, {buffer_.data(), kBitrotHashSize + fill_});
  fill_ = 0;
  return s;
}

Status FramedWriter::write(Deadline deadline, std::span<const uint8_t> data) {
  while (!data.empty()) {
    if (fill_ == 0 && data.size() >= block_size_) {
      // A whole block straight from the caller's buffer: no copy.
      uint8_t hash[kBitrotHashSize];
      auto block = data.first(block_size_);
      erasure::bitrot_hash(block, hash);
      if (auto s = out_->write(deadline, {hash, kBitrotHashSize}); !s) return s;
      if (auto s = out_->write(deadline, block); !s) return s;
      data = data.subspan(block_size_);
      continue;
    }
    size_t n = std::min(block_size_ - fill_, data.size());
    // Allocated only when a partial block must be held: whole blocks pass
    // straight through.
    buffer_.ensure(kBitrotHashSize + block_size_);
    std::memcpy(buffer_.data() + kBitrotHashSize + fill_, data.data(), n);
    fill_ += n;
    data = data.subspan(n);
    if (fill_ == block_size_) {
      if (auto s = flush_block(deadline); !s) return s;
    }
  }
  return {};
}

Status FramedWriter::close(Deadline deadline) {
  if (auto s = flush_block(deadline); !s) return s;
  return out_->close(deadline);
}

std::string frame_inline(std::string_view data, size_t block_size) {
  std::string out;
  out.reserve(erasure::framed_size(data.size(), block_size));
  while (!data.empty()) {
    size_t n = std::min(block_size, data.size());
    uint8_t hash[kBitrotHashSize];
    erasure::bitrot_hash({reinterpret_cast<const uint8_t*>(data.data()), n}, hash);
    out.append(reinterpret_cast<const char*>(hash), kBitrotHashSize);
    out.append(data.substr(0, n));
    data.remove_prefix(n);
  }
  return out;
}

FramedReader::FramedReader(std::unique_ptr<storage::ShardReader> file, uint64_t data_size,
                           size_t block_size)
    : file_(std::move(file)), data_size_(data_size), block_size_(block_size) {}

FramedReader::FramedReader(std::string_view framed, uint64_t data_size, size_t block_size)
    : framed_(framed), data_size_(data_size), block_size_(block_size) {}

Status FramedReader::load_block(Deadline deadline, uint64_t index, bool cached) {
  uint64_t data_start = index * block_size_;
  size_t len = static_cast<size_t>(std::min<uint64_t>(block_size_, data_size_ - data_start));
  uint64_t framed_offset = index * (block_size_ + kBitrotHashSize);
  size_t want = kBitrotHashSize + len;
  const uint8_t* framed;
  if (file_) {
    block_.ensure(want);
    auto n = cached ? file_->read_at_cached(deadline, framed_offset, block_.span(want))
                    : file_->read_at(deadline, framed_offset, block_.span(want));
    if (!n) return std::unexpected(n.error());
    if (*n != want) return fail(ErrorCode::kInternalError, "shard file is truncated");
    framed = block_.data();
  } else {
    // Inline data is verified and served where it lies: no copy.
    if (framed_offset + want > framed_.size()) {
      return fail(ErrorCode::kInternalError, "inline shard is truncated");
    }
    framed = reinterpret_cast<const uint8_t*>(framed_.data()) + framed_offset;
  }
  if (!erasure::bitrot_verify({framed + kBitrotHashSize, len}, framed)) {
    loaded_ = UINT64_MAX;
    corrupt_block_ = true;
    return fail(ErrorCode::kInternalError, "bitrot detected in shard block");
  }
  loaded_ = index;
  loaded_len_ = len;
  loaded_data_ = framed + kBitrotHashSize;
  return {};
}

Result<size_t> FramedReader::read_block_into(Deadline deadline, uint64_t index,
                                             std::span<uint8_t> out, bool cached) {
  uint64_t framed_offset = index * (block_size_ + kBitrotHashSize);
  uint8_t hash[kBitrotHashSize];
  auto read = [&](uint64_t at, std::span<uint8_t> into) {
    return cached ? file_->read_at_cached(deadline, at, into) : file_->read_at(deadline, at, into);
  };
  size_t got = 0;
  if (cached) {
    auto h = read(framed_offset, {hash, kBitrotHashSize});
    if (!h) return std::unexpected(h.error());
    auto n = read(framed_offset + kBitrotHashSize, out);
    if (!n) return std::unexpected(n.error());
    got = *h + *n;
  } else {
    // One read of hash and data (one call to a remote drive, two preads here).
    auto n = file_->read_split(deadline, framed_offset, {hash, kBitrotHashSize}, out);
    if (!n) return std::unexpected(n.error());
    got = *n;
  }
  if (got != kBitrotHashSize + out.size()) {
    return fail(ErrorCode::kInternalError, "shard file is truncated");
  }
  if (!erasure::bitrot_verify(out, hash)) {
    corrupt_block_ = true;
    return fail(ErrorCode::kInternalError, "bitrot detected in shard block");
  }
  return out.size();
}

Result<size_t> FramedReader::read_at(Deadline deadline, uint64_t offset, std::span<uint8_t> out) {
  return read(deadline, offset, out, /*cached=*/false);
}

Result<size_t> FramedReader::read_at_cached(Deadline deadline, uint64_t offset,
                                            std::span<uint8_t> out) {
  return read(deadline, offset, out, /*cached=*/true);
}

Result<size_t> FramedReader::read(Deadline deadline, uint64_t offset, std::span<uint8_t> out,
                                  bool cached) {
  corrupt_block_ = false;
  if (offset >= data_size_ || out.empty()) return 0;
  uint64_t index = offset / block_size_;
  size_t in_block = static_cast<size_t>(offset - index * block_size_);
  if (file_ && index != loaded_ && in_block == 0) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(block_size_, data_size_ - offset));
    if (out.size() >= len) return read_block_into(deadline, index, out.first(len), cached);
  }
  if (index != loaded_) {
    if (auto s = load_block(deadline, index, cached); !s) return std::unexpected(s.error());
  }
  size_t n = std::min(out.size(), loaded_len_ - in_block);
  std::memcpy(out.data(), loaded_data_ + in_block, n);
  return n;
}

}  // namespace silo::object
