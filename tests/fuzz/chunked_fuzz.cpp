// Fuzzes aws-chunked decoding (s3/chunked.*).
//
// Input: byte 0 picks the PayloadMode (byte % 3: STREAMING-AWS4-HMAC-SHA256-
// PAYLOAD, ...-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER) and, with
// bit 0x80 clear, a signing context (AWS's documented example key, date and
// scope, with the seed signature of AWS's example for that mode, so AWS's
// example bodies verify); with 0x80 set, no context. Byte 1 seeds the split
// points; the rest is the body.
//
// The body is decoded twice: in one feed() and cut at pseudo-random points
// (empty pieces and single bytes included). The decoder promises that cuts
// may fall anywhere, so both must end alike: same status, and on success the
// same payload, trailers and counts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "s3/chunked.h"

namespace {

using namespace silo::auth;
using namespace silo::s3;

struct Outcome {
  bool ok = false;
  silo::ErrorCode code{};
  std::string payload;
  std::vector<std::pair<std::string, std::string>> trailers;
  uint64_t decoded = 0;
  bool done = false;
};

std::optional<ChunkSigningContext> context(PayloadMode mode, bool with_signing) {
  if (!with_signing) return std::nullopt;
  // tests/unit/chunked_test.cpp: AWS's examples for streaming uploads.
  static const std::string key =
      derive_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1");
  std::string seed = mode == PayloadMode::kStreamingSigned
                         ? "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
                         : "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
  return ChunkSigningContext{key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                             std::move(seed)};
}

template <typename NextPiece>
Outcome decode(PayloadMode mode, bool with_signing, std::string_view body, NextPiece next) {
  AwsChunkedDecoder d(mode, context(mode, with_signing));
  Outcome o;
  size_t pos = 0;
  silo::Status st;
  while (pos < body.size()) {
    size_t n = std::min(next(), body.size() - pos);
    st = d.feed(body.substr(pos, n), o.payload);
    if (!st) break;
    pos += n;
  }
  if (st) st = d.finish();
  o.ok = st.has_value();
  if (!o.ok) {
    o.code = st.error().code;
    o.payload.clear();
    return o;
  }
  o.trailers = d.trailers();
  o.decoded = d.decoded_bytes();
  o.done = d.done();
  return o;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken invariant: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr PayloadMode kModes[] = {PayloadMode::kStreamingSigned,
                                           PayloadMode::kStreamingSignedTrailer,
                                           PayloadMode::kStreamingUnsignedTrailer};
  PayloadMode mode = kModes[(data[0] & 0x7F) % 3];
  bool with_signing = !(data[0] & 0x80);
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

  Outcome whole = decode(mode, with_signing, body, [&] { return body.size(); });

  std::minstd_rand rng(data[1] + 1u);
  // Mostly small pieces (to cut inside every line), sometimes large ones.
  size_t limit = (data[1] & 3) == 0 ? 4 : (data[1] & 3) == 1 ? 80 : 5000;
  Outcome cut = decode(mode, with_signing, body, [&] { return size_t(rng() % (limit + 1)); });

  // SILO_FUZZ_VERBOSE=1 ./chunked_fuzz FILE... shows what each seed reaches.
  static const bool verbose = std::getenv("SILO_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s: %zu payload bytes, %zu trailers\n",
                 whole.ok ? "decoded" : std::string(silo::error_code_name(whole.code)).c_str(),
                 whole.payload.size(), whole.trailers.size());
  }
  check(whole.ok == cut.ok, "same status whether cut or not");
  if (!whole.ok) {
    check(whole.code == cut.code, "same error whether cut or not");
    return 0;
  }
  check(whole.payload == cut.payload, "same payload");
  check(whole.trailers == cut.trailers, "same trailers");
  check(whole.decoded == whole.payload.size(), "decoded_bytes() counts the payload");
  check(whole.decoded == cut.decoded, "same count");
  check(whole.done && cut.done, "done() after a successful finish()");
  return 0;
}
