#include "s3/body.h"

#include "common/strings.h"

namespace silo::s3 {

namespace {
constexpr size_t kRawChunk = 256 * 1024;
}

Result<std::unique_ptr<BodyReader>> BodyReader::open(Context& ctx,
                                                     ChecksumHeaders checksum_headers) {
  std::unique_ptr<BodyReader> r(new BodyReader(ctx));
  const auto& mode = ctx.auth.payload_mode;
  auto content_length = ctx.exchange.content_length();
  if (auth::is_streaming(mode)) {
    auto decoded = parse_u64(ctx.header("x-amz-decoded-content-length"));
    if (decoded) {
      r->declared_size_ = *decoded;
    } else if (ctx.has_header("x-amz-decoded-content-length")) {
      return fail(ErrorCode::kInvalidArgument, "x-amz-decoded-content-length is not a number");
    } else if (mode == auth::PayloadMode::kStreamingSigned) {
      return fail(ErrorCode::kMissingContentLength);
    }
    r->chunked_ = std::make_unique<AwsChunkedDecoder>(mode, ctx.auth.chunk_signing);
  } else {
    if (content_length) r->declared_size_ = *content_length;
    if (mode == auth::PayloadMode::kSigned && !ctx.auth.anonymous()) {
      r->sha256_.emplace(Digest::Algorithm::kSha256);
      r->expected_sha256_ = ctx.auth.payload_sha256_hex;
    }
  }
  if (r->declared_size_ && static_cast<int64_t>(*r->declared_size_) >
                               ctx.services.config.max_object_size) {
    return fail(ErrorCode::kEntityTooLarge);
  }
  if (ctx.has_header("content-md5")) {
    auto md5 = base64_decode(trim(ctx.header("content-md5")));
    if (!md5 || md5->size() != 16) return fail(ErrorCode::kInvalidDigest);
    r->content_md5_ = std::move(*md5);
  }
  // Checksums: a value in a header, or the name of a trailer that will carry it.
  std::optional<ChecksumAlgorithm> algo;
  bool of_body = checksum_headers == ChecksumHeaders::kOfBody;
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                 ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256}) {
    if (of_body && ctx.has_header(checksum_header(a))) {
      if (algo) return fail(ErrorCode::kInvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
      algo = a;
      r->expected_checksum_ = std::string(trim(ctx.header(checksum_header(a))));
      if (!decode_checksum_base64(a, r->expected_checksum_)) {
        return fail(ErrorCode::kInvalidRequest, "Value for " + std::string(checksum_header(a)) +
                                                    " header is invalid.");
      }
    }
  }
  if (ctx.has_header("x-amz-trailer")) {
    std::string trailer = to_lower(trim(ctx.header("x-amz-trailer")));
    if (!r->chunked_) {
      return fail(ErrorCode::kInvalidRequest, "x-amz-trailer requires an aws-chunked body");
    }
    bool known = false;
    for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                   ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                   ChecksumAlgorithm::kSha256}) {
      if (trailer == checksum_header(a)) {
        if (algo && *algo != a) return fail(ErrorCode::kInvalidRequest, "conflicting checksum algorithms");
        algo = a;
        known = true;
      }
    }
    if (!known) return fail(ErrorCode::kInvalidRequest, "The value specified in the x-amz-trailer header is not supported");
    r->checksum_trailer_ = trailer;
  }
  if (of_body && !algo && ctx.has_header("x-amz-sdk-checksum-algorithm")) {
    algo = parse_checksum_algorithm(trim(ctx.header("x-amz-sdk-checksum-algorithm")));
    if (!algo) return fail(ErrorCode::kInvalidRequest, "Value for x-amz-sdk-checksum-algorithm header is invalid.");
  }
  if (algo) r->checksum_.emplace(*algo);
  r->raw_.reserve(r->chunked_ ? kRawChunk : 0);
  return r;
}

Status BodyReader::require_checksum(ChecksumAlgorithm algorithm) {
  if (!checksum_) {
    checksum_.emplace(algorithm);
    return {};
  }
  if (checksum_->algorithm() == algorithm) return {};
  return fail(ErrorCode::kInvalidRequest,
              "Checksum Type mismatch occurred, expected checksum Type: " +
                  to_lower(checksum_name(algorithm)) + ", actual checksum Type: " +
                  to_lower(checksum_name(checksum_->algorithm())));
}

boost::asio::awaitable<Result<size_t>> BodyReader::read(std::span<uint8_t> out) {
  if (out.empty()) co_return 0;
  while (true) {
    if (pending_pos_ < pending_.size()) {
      size_t n = std::min(out.size(), pending_.size() - pending_pos_);
      std::memcpy(out.data(), pending_.data() + pending_pos_, n);
      pending_pos_ += n;
      if (checksum_) checksum_->update(out.first(n));
      decoded_ += n;
      co_return n;
    }
    if (finished_) co_return 0;
    if (!chunked_) {
      auto n = co_await ctx_.exchange.read_body(out);
      if (!n) co_return std::unexpected(n.error());
      if (*n == 0) {
        if (auto s = finish(); !s) co_return std::unexpected(s.error());
        co_return 0;
      }
      auto got = out.first(*n);
      if (sha256_) sha256_->update(got);
      if (checksum_) checksum_->update(got);
      decoded_ += *n;
      co_return *n;
    }
    // aws-chunked: read raw framing, decode into pending_.
    pending_.clear();
    pending_pos_ = 0;
    raw_.resize(kRawChunk);
    auto n = co_await ctx_.exchange.read_body(
        {reinterpret_cast<uint8_t*>(raw_.data()), raw_.size()});
    if (!n) co_return std::unexpected(n.error());
    if (*n == 0) {
      if (auto s = finish(); !s) co_return std::unexpected(s.error());
      continue;
    }
    if (auto s = chunked_->feed({raw_.data(), *n}, pending_); !s) {
      co_return std::unexpected(s.error());
    }
  }
}

Status BodyReader::finish() {
  finished_ = true;
  if (chunked_) {
    if (auto s = chunked_->finish(); !s) return s;
    if (!checksum_trailer_.empty()) {
      for (const auto& [name, value] : chunked_->trailers()) {
        if (name == checksum_trailer_) expected_checksum_ = value;
      }
      if (expected_checksum_.empty()) {
        return fail(ErrorCode::kMalformedTrailerError);
      }
    }
  }
  if (declared_size_ && *declared_size_ != decoded_) {
    return fail(ErrorCode::kIncompleteBody);
  }
  if (sha256_) {
    if (!constant_time_equal(hex_encode(sha256_->finish()), to_lower(expected_sha256_))) {
      return fail(ErrorCode::kXAmzContentSHA256Mismatch);
    }
  }
  if (checksum_) {
    std::string got = checksum_->finish_base64();
    if (!expected_checksum_.empty() && got != expected_checksum_) {
      return fail(ErrorCode::kBadDigest,
                  "The " + std::string(checksum_name(checksum_->algorithm())) +
                      " you specified did not match the calculated checksum.");
    }
    checksums_ = {{std::string(checksum_name(checksum_->algorithm())), got}, {"type", "FULL_OBJECT"}};
  }
  return {};
}

boost::asio::awaitable<Result<std::string>> read_small_body(Context& ctx, size_t limit,
                                                            ChecksumHeaders checksum_headers) {
  auto body = BodyReader::open(ctx, checksum_headers);
  if (!body) co_return std::unexpected(body.error());
  if ((*body)->declared_size() && *(*body)->declared_size() > limit) {
    co_return fail(ErrorCode::kMaxMessageLengthExceeded);
  }
  std::string out;
  std::array<uint8_t, 16384> buf;
  while (true) {
    auto n = co_await (*body)->read(buf);
    if (!n) co_return std::unexpected(n.error());
    if (*n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
    if (out.size() > limit) co_return fail(ErrorCode::kMaxMessageLengthExceeded);
  }
  if ((*body)->content_md5()) {
    if (auto s = check_content_md5(**body, md5_raw(out)); !s) co_return std::unexpected(s.error());
  }
  co_return out;
}

Status check_content_md5(const BodyReader& body, std::string_view md5_raw) {
  if (body.content_md5() && *body.content_md5() != md5_raw) return fail(ErrorCode::kBadDigest);
  return {};
}

}  // namespace silo::s3
