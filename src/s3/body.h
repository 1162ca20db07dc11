// Streams a request body to an operation, undoing aws-chunked framing and
// checking everything the client promised about it: chunk signatures, the
// signed payload hash, x-amz-checksum-* values (in headers or trailers) and
// the declared length. read() returns 0 only after every check passed, so an
// operation that commits after the last read never commits a bad body.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/checksum.h"
#include "common/hash.h"
#include "s3/chunked.h"
#include "s3/context.h"

namespace silo::s3 {

// Whether the request's x-amz-checksum-* headers describe its body. On
// CompleteMultipartUpload they describe the object being completed instead.
enum class ChecksumHeaders { kOfBody, kNotOfBody };

class BodyReader {
 public:
  // Checks the body headers before any byte is read.
  static Result<std::unique_ptr<BodyReader>> open(
      Context& ctx, ChecksumHeaders checksum_headers = ChecksumHeaders::kOfBody);

  // Makes sure the body's checksum is computed with `algorithm` (a part of a
  // multipart upload created with that algorithm), even when the client sent
  // none. InvalidRequest when the client sent a checksum of another
  // algorithm. REQUIRES: before the first read().
  Status require_checksum(ChecksumAlgorithm algorithm);

  boost::asio::awaitable<Result<size_t>> read(std::span<uint8_t> out);
  // Decoded body length when the client declared it.
  std::optional<uint64_t> declared_size() const { return declared_size_; }
  // The checksum computed over the body ({"CRC32", base64}), verified against
  // the client's value when it sent one. Valid after read() returned 0.
  const storage::KeyValues& checksums() const { return checksums_; }
  // The Content-MD5 header decoded to raw bytes, when present.
  const std::optional<std::string>& content_md5() const { return content_md5_; }
  uint64_t bytes_read() const { return decoded_; }

 private:
  explicit BodyReader(Context& ctx) : ctx_(ctx) {}
  Status finish();

  Context& ctx_;
  std::optional<uint64_t> declared_size_;
  std::unique_ptr<AwsChunkedDecoder> chunked_;
  std::string raw_;      // undecoded bytes (aws-chunked only)
  std::string pending_;  // decoded bytes not yet handed out
  size_t pending_pos_ = 0;
  std::optional<Digest> sha256_;
  std::string expected_sha256_;
  std::optional<Checksummer> checksum_;
  std::string expected_checksum_;  // base64; empty: take it from the trailer or none
  std::string checksum_trailer_;   // trailer name carrying the checksum
  storage::KeyValues checksums_;
  std::optional<std::string> content_md5_;
  uint64_t decoded_ = 0;
  bool finished_ = false;
};

// Reads a whole small body (XML documents), at most `limit` bytes.
boost::asio::awaitable<Result<std::string>> read_small_body(
    Context& ctx, size_t limit, ChecksumHeaders checksum_headers = ChecksumHeaders::kOfBody);

// Verifies the Content-MD5 header (if any) against a raw MD5.
Status check_content_md5(const BodyReader& body, std::string_view md5_raw);

}  // namespace silo::s3
