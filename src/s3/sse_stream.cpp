#include "s3/sse_stream.h"

#include <algorithm>
#include <cstring>

#include "common/buffer.h"
#include "common/hash.h"

namespace silo::s3::sse {

namespace {

using crypto::kPackageSize;
using crypto::kSealedPackageSize;
using crypto::kTagSize;

// Sealed packages gathered before one write to the object layer: about
// 1 MiB, the size of an erasure stripe.
constexpr size_t kBatchPackages = 16;

class EncryptingWriter final : public object::ObjectWriter {
 public:
  EncryptingWriter(std::unique_ptr<object::ObjectWriter> inner, crypto::StreamCipher cipher,
                   bool plaintext_etag)
      : inner_(std::move(inner)),
        cipher_(std::move(cipher)),
        plaintext_etag_(plaintext_etag),
        md5_(Digest::Algorithm::kMd5) {
    pending_.ensure(kPackageSize);
    batch_.ensure(crypto::kStreamHeaderSize + kBatchPackages * kSealedPackageSize);
    std::memcpy(batch_.data(), cipher_.header().data(), crypto::kStreamHeaderSize);
    batch_len_ = crypto::kStreamHeaderSize;
  }

  Status write(std::span<const uint8_t> data) override {
    md5_.update(data);
    written_ += data.size();
    // A full package is sealed only once more bytes follow it: until then
    // it may be the last one, which is sealed as such.
    while (!data.empty()) {
      if (pending_len_ == kPackageSize) {
        if (auto s = seal({pending_.data(), pending_len_}, false); !s) return s;
        pending_len_ = 0;
      }
      if (pending_len_ == 0 && data.size() > kPackageSize) {
        if (auto s = seal(data.first(kPackageSize), false); !s) return s;
        data = data.subspan(kPackageSize);
        continue;
      }
      size_t n = std::min(kPackageSize - pending_len_, data.size());
      std::memcpy(pending_.data() + pending_len_, data.data(), n);
      pending_len_ += n;
      data = data.subspan(n);
    }
    return {};
  }

  Result<object::ObjectInfo> commit(const object::PutFinal& final) override {
    if (auto s = seal({pending_.data(), pending_len_}, true); !s) return std::unexpected(s.error());
    if (auto s = flush(); !s) return std::unexpected(s.error());
    object::PutFinal mine = final;
    if (plaintext_etag_) mine.etag = md5_hex();
    auto info = inner_->commit(mine);
    if (info) info->size = static_cast<int64_t>(written_);
    return info;
  }

  uint64_t bytes_written() const override { return written_; }
  std::string md5_hex() override { return hex_encode(md5_.peek()); }
  Status expect(uint64_t size) override { return inner_->expect(crypto::sealed_size(size)); }

 private:
  Status seal(std::span<const uint8_t> plain, bool last) {
    if (batch_len_ + plain.size() + kTagSize > batch_.capacity()) {
      if (auto s = flush(); !s) return s;
    }
    auto out = std::span<uint8_t>(batch_.data() + batch_len_, plain.size() + kTagSize);
    if (auto s = cipher_.seal(index_++, last, plain, out); !s) return s;
    batch_len_ += out.size();
    return {};
  }

  Status flush() {
    if (batch_len_ == 0) return {};
    auto s = inner_->write({batch_.data(), batch_len_});
    batch_len_ = 0;
    return s;
  }

  std::unique_ptr<object::ObjectWriter> inner_;
  crypto::StreamCipher cipher_;
  bool plaintext_etag_;
  Digest md5_;
  uint64_t written_ = 0;
  uint64_t index_ = 0;
  Buffer pending_;  // plaintext of the package being filled
  size_t pending_len_ = 0;
  Buffer batch_;  // sealed packages not yet written
  size_t batch_len_ = 0;
};

class DecryptingReader final : public object::ObjectReader {
 public:
  DecryptingReader(std::unique_ptr<object::ObjectReader> inner, const crypto::Key& key,
                   std::vector<Stream> streams, object::ObjectInfo view)
      : inner_(std::move(inner)), key_(key), streams_(std::move(streams)), info_(std::move(view)) {
    end_ = static_cast<uint64_t>(info_.size);
  }

  const object::ObjectInfo& info() const override { return info_; }

  void set_range(uint64_t offset, uint64_t length) override {
    pos_ = offset;
    end_ = offset + length;
    // The next read positions the inner reader for the new range.
    positioned_ = false;
  }

  Result<size_t> read(std::span<uint8_t> out) override {
    size_t total = 0;
    while (!out.empty() && pos_ < end_) {
      if (!positioned_) {
        if (auto s = position(); !s) return std::unexpected(s.error());
      }
      const Stream& st = streams_[stream_];
      uint64_t in_stream = pos_ - plain_start_;
      uint64_t index = in_stream / kPackageSize;
      size_t in_package = static_cast<size_t>(in_stream - index * kPackageSize);
      size_t package_len = crypto::package_plain_size(st.plain, index);
      size_t want = static_cast<size_t>(
          std::min<uint64_t>({package_len - in_package, end_ - pos_, out.size()}));
      if (loaded_ != index) {
        // A whole package wanted from its start is opened straight into
        // the caller's buffer; anything else into ours, then copied.
        bool direct = in_package == 0 && want == package_len;
        auto got = load(index, package_len, direct ? out.first(package_len) : std::span<uint8_t>());
        if (!got) return std::unexpected(got.error());
        if (direct) {
          advance(package_len, out, total);
          continue;
        }
      }
      std::memcpy(out.data(), plain_.data() + in_package, want);
      advance(want, out, total);
    }
    return total;
  }

 private:
  void advance(size_t n, std::span<uint8_t>& out, size_t& total) {
    pos_ += n;
    total += n;
    out = out.subspan(n);
    if (pos_ - plain_start_ == streams_[stream_].plain && pos_ < end_) positioned_ = false;
  }

  // Finds the stream holding pos_, reads its header and points the inner
  // reader at the packages the range needs from it.
  Status position() {
    stream_ = 0;
    plain_start_ = 0;
    while (pos_ >= plain_start_ + streams_[stream_].plain) {
      plain_start_ += streams_[stream_].plain;
      ++stream_;
    }
    const Stream& st = streams_[stream_];
    uint8_t header[crypto::kStreamHeaderSize];
    inner_->set_range(st.sealed_start, crypto::kStreamHeaderSize);
    if (auto s = read_full({header, sizeof header}); !s) return s;
    auto cipher = crypto::StreamCipher::resume(key_, st.part_number, {header, sizeof header});
    if (!cipher) return std::unexpected(cipher.error());
    cipher_.emplace(std::move(*cipher));
    uint64_t in_stream = pos_ - plain_start_;
    uint64_t upto = std::min<uint64_t>(end_ - plain_start_, st.plain);
    auto r = crypto::sealed_range(st.plain, in_stream, upto - in_stream);
    inner_->set_range(st.sealed_start + r.offset, r.length);
    loaded_ = UINT64_MAX;
    positioned_ = true;
    return {};
  }

  // Reads and opens package `index` into `direct`, or into plain_ when
  // `direct` is empty.
  Status load(uint64_t index, size_t package_len, std::span<uint8_t> direct) {
    size_t sealed_len = package_len + kTagSize;
    sealed_.ensure(kSealedPackageSize);
    if (auto s = read_full({sealed_.data(), sealed_len}); !s) return s;
    bool last = index + 1 == crypto::package_count(streams_[stream_].plain);
    if (direct.empty()) {
      plain_.ensure(kPackageSize);
      if (auto s = cipher_->open(index, last, sealed_.span(sealed_len), plain_.span(package_len));
          !s) {
        return s;
      }
      loaded_ = index;
      return {};
    }
    loaded_ = UINT64_MAX;
    return cipher_->open(index, last, sealed_.span(sealed_len), direct);
  }

  Status read_full(std::span<uint8_t> out) {
    while (!out.empty()) {
      auto n = inner_->read(out);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) return fail(ErrorCode::kInternalError, "encrypted object ended early");
      out = out.subspan(*n);
    }
    return {};
  }

  std::unique_ptr<object::ObjectReader> inner_;
  crypto::Key key_;
  std::vector<Stream> streams_;
  object::ObjectInfo info_;
  uint64_t pos_ = 0, end_ = 0;
  bool positioned_ = false;
  size_t stream_ = 0;
  uint64_t plain_start_ = 0;  // plaintext offset of stream_
  std::optional<crypto::StreamCipher> cipher_;
  uint64_t loaded_ = UINT64_MAX;  // the package in plain_
  Buffer sealed_, plain_;
};

}  // namespace

Result<std::unique_ptr<object::ObjectWriter>> encrypting_writer(
    std::unique_ptr<object::ObjectWriter> inner, const Sealing& sealing, uint32_t part_number) {
  auto cipher = crypto::StreamCipher::create(sealing.key, part_number);
  if (!cipher) return std::unexpected(cipher.error());
  return std::make_unique<EncryptingWriter>(std::move(inner), std::move(*cipher),
                                            sealing.mode == Mode::kS3);
}

Result<std::unique_ptr<object::ObjectReader>> decrypting_reader(
    std::unique_ptr<object::ObjectReader> inner, const Sealing& sealing) {
  object::ObjectInfo view = inner->info();
  auto streams = streams_of(view);
  if (!streams) return std::unexpected(streams.error());
  if (auto s = client_view(view); !s) return std::unexpected(s.error());
  return std::make_unique<DecryptingReader>(std::move(inner), sealing.key, std::move(*streams),
                                            std::move(view));
}

Result<std::unique_ptr<object::ObjectWriter>> begin_put(const Context& ctx,
                                                        WriteRequest& request,
                                                        std::string_view bucket,
                                                        std::string_view key,
                                                        object::PutOptions options) {
  if (auto s = resolve_default(ctx, request); !s) return std::unexpected(s.error());
  auto sealing = seal_new_key(ctx, request, bucket, key, options.meta);
  if (!sealing) return std::unexpected(sealing.error());
  if (*sealing && options.size) options.size = crypto::sealed_size(*options.size);
  auto writer = ctx.services.objects.begin_put(bucket, key, std::move(options));
  if (!writer || !*sealing) return writer;
  return encrypting_writer(std::move(*writer), **sealing, 1);
}

Result<object::UploadInfo> create_upload(const Context& ctx, WriteRequest& request,
                                         object::PutOptions options, std::string algorithm,
                                         std::string type) {
  if (auto s = resolve_default(ctx, request); !s) return std::unexpected(s.error());
  auto sealing = seal_new_key(ctx, request, ctx.bucket, ctx.key, options.meta);
  if (!sealing) return std::unexpected(sealing.error());
  return ctx.services.objects.create_upload(ctx.bucket, ctx.key, std::move(options),
                                            std::move(algorithm), std::move(type));
}

Result<std::unique_ptr<object::ObjectWriter>> begin_part(const Context& ctx,
                                                         const object::UploadInfo& upload,
                                                         const std::optional<CustomerKey>& given,
                                                         uint32_t part_number) {
  auto sealing = open_key(ctx, upload.meta, ctx.bucket, ctx.key, given);
  if (!sealing && sealing.error().code == ErrorCode::kAccessDenied) {
    // Not the key the upload was created with: AWS's answer for a part.
    return fail(ErrorCode::kInvalidRequest,
                "The provided encryption parameters did not match the ones used originally.");
  }
  if (!sealing) return std::unexpected(sealing.error());
  auto writer = ctx.services.objects.begin_part(ctx.bucket, ctx.key, upload.upload_id, part_number);
  if (!writer || !*sealing) return writer;
  return encrypting_writer(std::move(*writer), **sealing, part_number);
}

Result<std::unique_ptr<object::ObjectReader>> reader_for(
    const Context& ctx, Result<std::unique_ptr<object::ObjectReader>> opened,
    std::string_view bucket, std::string_view key, const std::optional<CustomerKey>& given) {
  if (!opened) return opened;
  auto sealing = open_key(ctx, (*opened)->info().meta, bucket, key, given);
  if (!sealing) return std::unexpected(sealing.error());
  if (!*sealing) return opened;
  return decrypting_reader(std::move(*opened), **sealing);
}

Result<std::unique_ptr<object::ObjectReader>> open_copy_source(
    const Context& ctx, const CopySource& source, const std::optional<CustomerKey>& given) {
  auto& objects = ctx.services.objects;
  return reader_for(ctx,
                    source.version_id
                        ? objects.open_version(source.bucket, source.key, *source.version_id)
                        : objects.open_object(source.bucket, source.key),
                    source.bucket, source.key, given);
}

}  // namespace silo::s3::sse
