// The `aws-chunked` content encoding S3 clients use for streaming uploads
// (x-amz-content-sha256: STREAMING-*), decoded push-style as the body arrives,
// and encoded for the `silo` client.
//
// Wire format (signed modes):
//   <hex size>;chunk-signature=<64 hex>\r\n <data> \r\n   ... repeated ...
//   0;chunk-signature=<64 hex>\r\n
//   then kStreamingSigned:        \r\n
//        kStreamingSignedTrailer: <name>:<value>\r\n ... x-amz-trailer-signature:<64 hex>\r\n \r\n
// STREAMING-UNSIGNED-PAYLOAD-TRAILER is the same without chunk signatures
// ("<hex size>\r\n") and without x-amz-trailer-signature.
//
// Chunk i's signature is HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n" date
// scope sig(i-1) sha256("") sha256(data_i)), chained from the request's seed
// signature; the trailer signature chains from the final chunk's. See
// chunk_signature() / trailer_signature() in auth/sigv4.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "common/error.h"
#include "common/hash.h"

namespace silo::s3 {

// Decodes one aws-chunked body. Feed the raw body in pieces of any size (splits
// may fall anywhere, including inside a chunk header or trailer line); decoded
// payload bytes are appended to `out` as they arrive, before the enclosing
// chunk's signature is verified, so the caller must not commit the object
// until finish() has succeeded. Memory is bounded: at most one header/trailer
// line (kMaxLineLength) is buffered; chunk data streams through.
//
// The decoder only frames and authenticates. The caller still:
//   - compares decoded_bytes() with x-amz-decoded-content-length;
//   - checks that the trailer announced in x-amz-trailer is among trailers()
//     and that its value matches the checksum it computed over the payload.
//
// AWS's rule that every chunk but the last is >= 8 KiB is not enforced.
//
// Errors (sticky: after one, every call returns it again; discard `out`):
//   SignatureDoesNotMatch  a chunk or trailer signature is wrong;
//   InvalidChunkSizeError  a chunk size that is not 1-16 hex digits or exceeds
//                          kMaxChunkSize;
//   IncompleteBody         bad framing (missing CRLF after data, missing or
//                          malformed chunk-signature, overlong line, data after
//                          the end) or, from finish(), a truncated body;
//   MalformedTrailerError  a trailer line that is not "name:value", too many
//                          trailers, or a missing/misplaced trailer signature.
// Not thread-safe.
class AwsChunkedDecoder {
 public:
  static constexpr size_t kMaxLineLength = 4096;
  static constexpr size_t kMaxTrailers = 32;
  static constexpr uint64_t kMaxChunkSize = uint64_t{5} << 30;  // 5 GiB

  // REQUIRES: is_streaming(mode); `signing` is set for the two signed modes
  // (AuthResult::chunk_signing) and ignored for kStreamingUnsignedTrailer.
  AwsChunkedDecoder(auth::PayloadMode mode, std::optional<auth::ChunkSigningContext> signing);

  // Consumes all of `raw`, appending decoded payload bytes to `out`.
  Status feed(std::string_view raw, std::string& out);
  // Call at the end of the HTTP body. Succeeds when the final 0-size chunk (and,
  // in trailer modes, the trailer section) was seen. Lenient as real clients
  // require: the blank line ending the body may be missing, and so may the
  // CRLF of the last trailer line (AWS's own trailer example ends that way).
  // Consequently, in kStreamingUnsignedTrailer a body that stops right after
  // "0\r\n" succeeds with no trailers, and a trailer value cut short is
  // returned as is: the caller's trailer-presence and checksum checks (above)
  // are what reject those. kStreamingSignedTrailer always requires a valid
  // x-amz-trailer-signature.
  Status finish();
  // The body is complete (finish() would succeed without leniency).
  bool done() const;
  // Trailers in arrival order, names lower-case, values trimmed; excludes
  // x-amz-trailer-signature. Complete only after finish() succeeded.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  uint64_t decoded_bytes() const { return decoded_bytes_; }

 private:
  enum class State {
    kChunkHeader,     // reading "<hex>[;ext]\r\n"
    kChunkData,       // streaming chunk_left_ bytes
    kChunkDataCr,     // expecting '\r' after data
    kChunkDataLf,     // expecting '\n' after data
    kFinalBlankLine,  // kStreamingSigned: expecting the closing "\r\n"
    kTrailers,        // reading trailer lines
    kDone,
  };

  Status fail_with(Error e);
  // Accumulates up to one line; returns true and sets `line` (without CR/LF)
  // when a full line is available.
  Result<bool> take_line(std::string_view& raw, std::string& line);
  Status on_chunk_header(std::string_view line);
  Status on_chunk_end();
  Status on_trailer_line(std::string_view line);
  Status on_trailers_end();
  bool signed_chunks() const;

  auth::PayloadMode mode_;
  std::optional<auth::ChunkSigningContext> signing_;
  std::string previous_signature_;
  State state_ = State::kChunkHeader;
  std::string line_;
  uint64_t chunk_left_ = 0;
  std::string chunk_signature_;  // expected signature of the current chunk
  Digest chunk_hash_{Digest::Algorithm::kSha256};
  uint64_t decoded_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> trailers_;
  bool trailer_signature_verified_ = false;
  bool blank_after_final_ = false;  // a blank line came right after the 0-chunk
  bool blank_before_signature_ = false;  // a blank line came between trailers and their signature
  std::optional<Error> error_;
};

// Encodes a payload as aws-chunked for the `silo` client, producing the exact
// bytes AwsChunkedDecoder accepts. Chunks are emitted as given (AWS requires
// every chunk but the last to be at least 8 KiB; the client uses 64 KiB).
class AwsChunkedEncoder {
 public:
  // REQUIRES: is_streaming(mode); `signing` set for the signed modes (from
  // sign_request's ClientSignature::chunk_signing).
  AwsChunkedEncoder(auth::PayloadMode mode, std::optional<auth::ChunkSigningContext> signing);
  // One framed chunk. REQUIRES: !data.empty().
  std::string chunk(std::string_view data);
  // The 0-size chunk and, in trailer modes, `trailers` (lower-case names) with
  // the trailer signature when signed, and the closing blank line.
  std::string finish(const std::vector<std::pair<std::string, std::string>>& trailers = {});
  // Length on the wire of a body of `payload_size` bytes cut into chunks of
  // `chunk_size`, for Content-Length (signed mode without trailers only).
  static uint64_t signed_encoded_length(uint64_t payload_size, uint64_t chunk_size);

 private:
  auth::PayloadMode mode_;
  std::optional<auth::ChunkSigningContext> signing_;
  std::string previous_signature_;
};

}  // namespace silo::s3
