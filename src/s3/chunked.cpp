#include "s3/chunked.h"

#include <algorithm>
#include <cstdio>

namespace silo::s3 {
namespace {

constexpr std::string_view kChunkSignatureExt = "chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool is_signature(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<uint64_t> parse_hex_size(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::string hex_size(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(n));
  return buf;
}

// sha256 hex of the trailers as "name:value\n" each, the input of the
// trailer signature.
std::string trailer_hash(const std::vector<std::pair<std::string, std::string>>& trailers) {
  Digest d(Digest::Algorithm::kSha256);
  for (const auto& [name, value] : trailers) {
    d.update(name);
    d.update(":");
    d.update(value);
    d.update("\n");
  }
  return hex_encode(d.finish());
}

Error framing_error(std::string detail) {
  return Error(ErrorCode::kIncompleteBody, "Invalid aws-chunked encoding: " + detail);
}

Error trailer_error(std::string detail) {
  return Error(ErrorCode::kMalformedTrailerError,
               "The request contained trailing data that was not well-formed: " + detail);
}

}  // namespace

// ---- decoder ----

AwsChunkedDecoder::AwsChunkedDecoder(auth::PayloadMode mode,
                                     std::optional<auth::ChunkSigningContext> signing)
    : mode_(mode), signing_(std::move(signing)) {
  if (mode_ == auth::PayloadMode::kStreamingUnsignedTrailer) signing_.reset();
  if (signing_) previous_signature_ = signing_->seed_signature;
}

bool AwsChunkedDecoder::signed_chunks() const {
  return mode_ == auth::PayloadMode::kStreamingSigned ||
         mode_ == auth::PayloadMode::kStreamingSignedTrailer;
}

Status AwsChunkedDecoder::fail_with(Error e) {
  error_ = e;
  return std::unexpected(std::move(e));
}

Result<bool> AwsChunkedDecoder::take_line(std::string_view& raw, std::string& line) {
  size_t nl = raw.find('\n');
  size_t take = nl == std::string_view::npos ? raw.size() : nl;
  if (line_.size() + take > kMaxLineLength) {
    return std::unexpected(framing_error("line longer than 4096 bytes"));
  }
  line_.append(raw.substr(0, take));
  if (nl == std::string_view::npos) {
    raw = {};
    return false;
  }
  raw.remove_prefix(nl + 1);
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  line.swap(line_);
  line_.clear();
  return true;
}

Status AwsChunkedDecoder::feed(std::string_view raw, std::string& out) {
  if (error_) return std::unexpected(*error_);
  if (signed_chunks() && !signing_) {
    return fail_with(Error(ErrorCode::kInternalError, "aws-chunked: no signing context"));
  }
  std::string line;
  while (!raw.empty()) {
    switch (state_) {
      case State::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_left_, raw.size()));
        out.append(raw.data(), n);
        if (signed_chunks()) chunk_hash_.update(raw.substr(0, n));
        raw.remove_prefix(n);
        chunk_left_ -= n;
        decoded_bytes_ += n;
        if (chunk_left_ == 0) {
          if (auto st = on_chunk_end(); !st) return st;
        }
        break;
      }
      case State::kChunkDataCr:
      case State::kChunkDataLf: {
        char want = state_ == State::kChunkDataCr ? '\r' : '\n';
        if (raw.front() != want) return fail_with(framing_error("missing CRLF after chunk data"));
        raw.remove_prefix(1);
        state_ = state_ == State::kChunkDataCr ? State::kChunkDataLf : State::kChunkHeader;
        break;
      }
      case State::kDone:
        return fail_with(framing_error("data after the final chunk"));
      case State::kChunkHeader:
      case State::kFinalBlankLine:
      case State::kTrailers: {
        auto got = take_line(raw, line);
        if (!got) return fail_with(got.error());
        if (!*got) break;
        Status st;
        if (state_ == State::kChunkHeader) {
          st = on_chunk_header(line);
        } else if (state_ == State::kFinalBlankLine) {
          if (!line.empty()) st = fail_with(framing_error("expected CRLF after the final chunk"));
          state_ = State::kDone;
        } else if (line.empty()) {
          st = on_trailers_end();
        } else {
          st = on_trailer_line(line);
        }
        if (!st) return st;
        break;
      }
    }
  }
  return {};
}

Status AwsChunkedDecoder::on_chunk_header(std::string_view line) {
  line = trim(line);
  size_t semi = line.find(';');
  std::string_view size_text = trim(line.substr(0, semi));
  auto size = parse_hex_size(size_text);
  if (!size || *size > kMaxChunkSize) {
    return fail_with(Error(ErrorCode::kInvalidChunkSizeError,
                           "Invalid chunk size \"" + std::string(size_text.substr(0, 64)) + "\""));
  }
  if (signed_chunks()) {
    std::string_view ext =
        semi == std::string_view::npos ? std::string_view{} : trim(line.substr(semi + 1));
    if (!ext.starts_with(kChunkSignatureExt) ||
        !is_signature(ext.substr(kChunkSignatureExt.size()))) {
      return fail_with(framing_error("missing or malformed chunk-signature"));
    }
    chunk_signature_ = std::string(ext.substr(kChunkSignatureExt.size()));
  }
  chunk_left_ = *size;
  if (*size > 0) {
    state_ = State::kChunkData;
    return {};
  }
  // The final chunk: verify its (empty-data) signature now.
  if (signed_chunks()) {
    std::string expected =
        auth::chunk_signature(*signing_, previous_signature_, auth::kEmptySha256Hex);
    if (!constant_time_equal(expected, chunk_signature_)) {
      return fail_with(Error(ErrorCode::kSignatureDoesNotMatch));
    }
    previous_signature_ = std::move(expected);
  }
  state_ = mode_ == auth::PayloadMode::kStreamingSigned ? State::kFinalBlankLine : State::kTrailers;
  return {};
}

Status AwsChunkedDecoder::on_chunk_end() {
  if (signed_chunks()) {
    std::string expected =
        auth::chunk_signature(*signing_, previous_signature_, hex_encode(chunk_hash_.finish()));
    if (!constant_time_equal(expected, chunk_signature_)) {
      return fail_with(Error(ErrorCode::kSignatureDoesNotMatch));
    }
    previous_signature_ = std::move(expected);
  }
  state_ = State::kChunkDataCr;
  return {};
}

Status AwsChunkedDecoder::on_trailer_line(std::string_view line) {
  if (trailer_signature_verified_) {
    return fail_with(trailer_error("data after x-amz-trailer-signature"));
  }
  size_t colon = line.find(':');
  std::string name =
      colon == std::string_view::npos ? std::string() : to_lower(trim(line.substr(0, colon)));
  if (name.empty()) return fail_with(trailer_error("expected name:value"));
  std::string_view value = trim(line.substr(colon + 1));
  if (name == kTrailerSignatureName) {
    if (!signing_) return fail_with(trailer_error("unexpected x-amz-trailer-signature"));
    if (!is_signature(value)) return fail_with(trailer_error("malformed x-amz-trailer-signature"));
    std::string expected =
        auth::trailer_signature(*signing_, previous_signature_, trailer_hash(trailers_));
    if (!constant_time_equal(expected, value)) {
      return fail_with(Error(ErrorCode::kSignatureDoesNotMatch));
    }
    previous_signature_ = std::move(expected);
    trailer_signature_verified_ = true;
    return {};
  }
  if (trailers_.size() >= kMaxTrailers) return fail_with(trailer_error("too many trailers"));
  trailers_.emplace_back(std::move(name), std::string(value));
  return {};
}

Status AwsChunkedDecoder::on_trailers_end() {
  // Tolerate one blank line between the 0-chunk and the trailers.
  if (trailers_.empty() && !trailer_signature_verified_ && !blank_after_final_) {
    blank_after_final_ = true;
    return {};
  }
  // minio-go ends its trailer lines with a bare "\n" and then writes a blank
  // "\r\n" line before the trailer signature: tolerate one such line.
  if (signing_ && !trailer_signature_verified_ && !trailers_.empty() &&
      !blank_before_signature_) {
    blank_before_signature_ = true;
    return {};
  }
  if (signing_ && !trailer_signature_verified_) {
    return fail_with(trailer_error("missing x-amz-trailer-signature"));
  }
  state_ = State::kDone;
  return {};
}

bool AwsChunkedDecoder::done() const {
  if (error_) return false;
  if (state_ == State::kDone) return true;
  // "0\r\n\r\n" with no trailers (unsigned): complete unless trailers follow.
  return state_ == State::kTrailers && blank_after_final_ && !signing_ && trailers_.empty() &&
         line_.empty();
}

Status AwsChunkedDecoder::finish() {
  if (error_) return std::unexpected(*error_);
  switch (state_) {
    case State::kDone:
      return {};
    case State::kFinalBlankLine:
      if (line_.empty() || line_ == "\r") {
        state_ = State::kDone;
        return {};
      }
      break;
    case State::kTrailers: {
      std::string last;
      last.swap(line_);
      if (!last.empty() && last.back() == '\r') last.pop_back();
      if (!last.empty()) {
        if (auto st = on_trailer_line(last); !st) {
          // A complete but wrong signature is a mismatch; anything else means
          // the body ended inside this line.
          if (st.error().code == ErrorCode::kSignatureDoesNotMatch) return st;
          return fail_with(Error(ErrorCode::kIncompleteBody,
                                 "The aws-chunked body ended inside a trailer line"));
        }
      }
      if (signing_ && !trailer_signature_verified_) {
        // Trailers ended by a blank line, but no signature came.
        if (blank_before_signature_) {
          return fail_with(trailer_error("missing x-amz-trailer-signature"));
        }
        break;
      }
      state_ = State::kDone;
      return {};
    }
    default:
      break;
  }
  return fail_with(
      Error(ErrorCode::kIncompleteBody, "The aws-chunked body ended before its final chunk"));
}

// ---- encoder ----

AwsChunkedEncoder::AwsChunkedEncoder(auth::PayloadMode mode,
                                     std::optional<auth::ChunkSigningContext> signing)
    : mode_(mode), signing_(std::move(signing)) {
  if (mode_ == auth::PayloadMode::kStreamingUnsignedTrailer) signing_.reset();
  if (signing_) previous_signature_ = signing_->seed_signature;
}

std::string AwsChunkedEncoder::chunk(std::string_view data) {
  std::string out = hex_size(data.size());
  if (signing_) {
    previous_signature_ = auth::chunk_signature(*signing_, previous_signature_, sha256_hex(data));
    out += ";chunk-signature=" + previous_signature_;
  }
  out.reserve(out.size() + data.size() + 4);
  out += "\r\n";
  out += data;
  out += "\r\n";
  return out;
}

std::string AwsChunkedEncoder::finish(
    const std::vector<std::pair<std::string, std::string>>& trailers) {
  std::string out = "0";
  if (signing_) {
    previous_signature_ =
        auth::chunk_signature(*signing_, previous_signature_, auth::kEmptySha256Hex);
    out += ";chunk-signature=" + previous_signature_;
  }
  out += "\r\n";
  if (mode_ != auth::PayloadMode::kStreamingSigned) {
    for (const auto& [name, value] : trailers) out += name + ":" + value + "\r\n";
    if (signing_) {
      previous_signature_ =
          auth::trailer_signature(*signing_, previous_signature_, trailer_hash(trailers));
      out += std::string(kTrailerSignatureName) + ":" + previous_signature_ + "\r\n";
    }
  }
  out += "\r\n";
  return out;
}

uint64_t AwsChunkedEncoder::signed_encoded_length(uint64_t payload_size, uint64_t chunk_size) {
  constexpr uint64_t kOverhead = 17 + 64 + 2 + 2;  // ";chunk-signature=" sig CRLF CRLF
  uint64_t full = chunk_size == 0 ? 0 : payload_size / chunk_size;
  uint64_t rest = chunk_size == 0 ? payload_size : payload_size % chunk_size;
  uint64_t total = full * (hex_size(chunk_size).size() + kOverhead + chunk_size);
  if (rest > 0) total += hex_size(rest).size() + kOverhead + rest;
  return total + 1 + kOverhead;  // the final "0;chunk-signature=...\r\n\r\n"
}

}  // namespace silo::s3
