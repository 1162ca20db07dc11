#include "s3/chunked.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/checksum.h"
#include "auth/authenticate.h"
#include "auth/dates.h"
#include "common/hash.h"

namespace silo::s3 {
namespace {

using namespace silo::auth;

using Trailers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kScope = "20130524/us-east-1/s3/aws4_request";

ChunkSigningContext example_context(std::string_view seed) {
  return {derive_signing_key(kSecret, "20130524", "us-east-1"), "20130524T000000Z",
          std::string(kScope), std::string(seed)};
}

// AWS "Transferring Payload in Multiple Chunks" example: 65536 + 1024 bytes of 'a'.
constexpr std::string_view kStreamSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

std::string aws_streaming_body() {
  return "10000;chunk-signature="
         "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature="
         "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature="
         "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n"
         "\r\n";
}

// AWS "Signature calculations for trailing headers" example, same payload,
// trailer x-amz-checksum-crc32c. AWS's listing ends right after the trailer
// signature, without CRLF.
constexpr std::string_view kTrailerSeed =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

std::string aws_trailer_body() {
  return "10000;chunk-signature="
         "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature="
         "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature="
         "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
         "x-amz-checksum-crc32c:sOO8/Q==\r\n"
         "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";
}

struct Decoded {
  Status status;
  std::string payload;
  Trailers trailers;
  uint64_t decoded_bytes = 0;
};

// Feeds `body` cut at `cuts` (sorted offsets), then finishes.
Decoded decode(PayloadMode mode, std::optional<ChunkSigningContext> ctx, std::string_view body,
               const std::vector<size_t>& cuts = {}) {
  AwsChunkedDecoder d(mode, std::move(ctx));
  Decoded out;
  size_t pos = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(body.size());
  for (size_t end : ends) {
    out.status = d.feed(body.substr(pos, end - pos), out.payload);
    if (!out.status) return out;
    pos = end;
  }
  out.status = d.finish();
  if (out.status) {
    EXPECT_TRUE(d.done());
  }
  out.trailers = d.trailers();
  out.decoded_bytes = d.decoded_bytes();
  return out;
}

void expect_code(const Decoded& d, ErrorCode code) {
  ASSERT_FALSE(d.status.has_value()) << "expected " << error_code_name(code);
  EXPECT_EQ(d.status.error().code, code) << d.status.error().text();
}

std::string crc32_b64(std::string_view data) {
  Checksummer c(ChecksumAlgorithm::kCrc32);
  c.update(data);
  return c.finish_base64();
}

TEST(AwsChunked, DecodesAwsStreamingExample) {
  auto d =
      decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), aws_streaming_body());
  ASSERT_TRUE(d.status) << d.status.error().text();
  EXPECT_EQ(d.payload, std::string(66560, 'a'));
  EXPECT_EQ(d.decoded_bytes, 66560u);
  EXPECT_TRUE(d.trailers.empty());
}

TEST(AwsChunked, DecodesAwsStreamingExampleWithContextFromAuthenticate) {
  SignedRequest req{
      "PUT",
      "/examplebucket/chunkObject.txt",
      "",
      {{"host", "s3.amazonaws.com"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"x-amz-content-sha256", std::string(kStreamingSignedPayload)},
       {"content-encoding", "aws-chunked"},
       {"x-amz-decoded-content-length", "66560"},
       {"content-length", "66824"},
       {"authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
        "aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-"
        "content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"}}};
  auto lookup = [](std::string_view) -> std::optional<std::string> { return std::string(kSecret); };
  auto auth = authenticate(req, lookup, "us-east-1", *parse_amz_date("20130524T000000Z"));
  ASSERT_TRUE(auth) << auth.error().text();
  auto d = decode(auth->payload_mode, auth->chunk_signing, aws_streaming_body());
  ASSERT_TRUE(d.status) << d.status.error().text();
  EXPECT_EQ(d.decoded_bytes, 66560u);
}

TEST(AwsChunked, EncoderReproducesAwsStreamingExampleBytes) {
  AwsChunkedEncoder e(PayloadMode::kStreamingSigned, example_context(kStreamSeed));
  std::string body = e.chunk(std::string(65536, 'a'));
  body += e.chunk(std::string(1024, 'a'));
  body += e.finish();
  EXPECT_EQ(body, aws_streaming_body());
  EXPECT_EQ(body.size(), 66824u);
  EXPECT_EQ(AwsChunkedEncoder::signed_encoded_length(66560, 65536), 66824u);
  EXPECT_EQ(AwsChunkedEncoder::signed_encoded_length(0, 65536), 86u);
}

TEST(AwsChunked, AwsStreamingExampleByteAtATime) {
  std::string body = aws_streaming_body();
  std::vector<size_t> cuts;
  for (size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
  auto d = decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), body, cuts);
  ASSERT_TRUE(d.status) << d.status.error().text();
  EXPECT_EQ(d.payload, std::string(66560, 'a'));
}

TEST(AwsChunked, AwsStreamingExampleRandomSplits) {
  std::string body = aws_streaming_body();
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<size_t> cuts;
    for (int i = 0; i < 1 + trial % 12; ++i) cuts.push_back(rng() % body.size());
    // Cuts near the chunk headers are the interesting ones.
    cuts.push_back(65536 + 80 + rng() % 120);
    std::sort(cuts.begin(), cuts.end());
    auto d = decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), body, cuts);
    ASSERT_TRUE(d.status) << d.status.error().text();
    ASSERT_EQ(d.payload.size(), 66560u);
  }
}

TEST(AwsChunked, DecodesAwsSignedTrailerExampleWithoutFinalCrlf) {
  auto d = decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed),
                  aws_trailer_body());
  ASSERT_TRUE(d.status) << d.status.error().text();
  EXPECT_EQ(d.payload, std::string(66560, 'a'));
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0].first, "x-amz-checksum-crc32c");
  EXPECT_EQ(d.trailers[0].second, "sOO8/Q==");
  Checksummer c(ChecksumAlgorithm::kCrc32c);
  c.update(d.payload);
  EXPECT_EQ(c.finish_base64(), "sOO8/Q==");
}

TEST(AwsChunked, DecodesAwsSignedTrailerExampleWithFinalCrlf) {
  auto d = decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed),
                  aws_trailer_body() + "\r\n\r\n");
  ASSERT_TRUE(d.status) << d.status.error().text();
  ASSERT_EQ(d.trailers.size(), 1u);
}

TEST(AwsChunked, DecodesMinioGoSignedTrailerWithBlankLineBeforeSignature) {
  // minio-go 7 writes "name:value\n", then "\r\n", then the signature line.
  std::string body = aws_trailer_body();
  body.replace(body.find("sOO8/Q==\r\n"), 10, "sOO8/Q==\n\r\n");
  auto d = decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed),
                  body + "\r\n\r\n");
  ASSERT_TRUE(d.status) << d.status.error().text();
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0].second, "sOO8/Q==");
  // Two blank lines, or a blank line and then the end, still lack the signature.
  std::string no_sig = body.substr(0, body.find("x-amz-trailer-signature"));
  expect_code(decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed),
                     no_sig + "\r\n"),
              ErrorCode::kMalformedTrailerError);
  expect_code(decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed), no_sig),
              ErrorCode::kMalformedTrailerError);
}

TEST(AwsChunked, SignedTrailerRejectsTamperingAndMissingSignature) {
  std::string body = aws_trailer_body();
  std::string changed = body;
  changed.replace(changed.find("sOO8/Q=="), 8, "AAAAAA==");
  expect_code(decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed), changed),
              ErrorCode::kSignatureDoesNotMatch);
  std::string no_sig = body.substr(0, body.find("x-amz-trailer-signature"));
  expect_code(decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed), no_sig),
              ErrorCode::kIncompleteBody);
  expect_code(
      decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed), no_sig + "\r\n"),
      ErrorCode::kMalformedTrailerError);
  expect_code(decode(PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed),
                     body + "\r\nx-amz-meta-late:1\r\n\r\n"),
              ErrorCode::kMalformedTrailerError);
}

// ---- unsigned trailer (boto3 >= 1.36, new AWS SDK defaults) ----

std::string boto3_style_body(std::string_view payload, size_t chunk, std::string_view tail) {
  std::string body;
  for (size_t pos = 0; pos < payload.size(); pos += chunk) {
    std::string_view piece = payload.substr(pos, chunk);
    char hex[20];
    std::snprintf(hex, sizeof hex, "%zx", piece.size());
    body += std::string(hex) + "\r\n" + std::string(piece) + "\r\n";
  }
  return body + "0\r\nx-amz-checksum-crc32:" + crc32_b64(payload) + std::string(tail);
}

TEST(AwsChunked, UnsignedTrailerWithCrc32) {
  std::string payload = "hello unsigned trailer world, with a few more bytes";
  for (std::string_view tail : {"\r\n\r\n", "\r\n", ""}) {  // complete, then lenient forms
    auto d = decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt,
                    boto3_style_body(payload, 16, tail));
    ASSERT_TRUE(d.status) << d.status.error().text();
    EXPECT_EQ(d.payload, payload);
    ASSERT_EQ(d.trailers.size(), 1u);
    EXPECT_EQ(d.trailers[0].first, "x-amz-checksum-crc32");
    EXPECT_EQ(d.trailers[0].second, crc32_b64(payload));
  }
}

TEST(AwsChunked, UnsignedTrailerToleratesBlankLineBeforeTrailersAndNoTrailers) {
  auto d = decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt,
                  "3\r\nabc\r\n0\r\n\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n");
  ASSERT_TRUE(d.status) << d.status.error().text();
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0].second, "NSRBwg==");
  EXPECT_EQ(crc32_b64("abc"), "NSRBwg==");

  AwsChunkedDecoder dec(PayloadMode::kStreamingUnsignedTrailer, std::nullopt);
  std::string out;
  ASSERT_TRUE(dec.feed("3\r\nabc\r\n0\r\n\r\n", out));
  EXPECT_TRUE(dec.done());
  EXPECT_TRUE(dec.finish());
  EXPECT_TRUE(dec.trailers().empty());
}

TEST(AwsChunked, UnsignedTrailerNormalizesTrailerNamesAndValues) {
  auto d = decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt,
                  "0\r\nX-Amz-Checksum-CRC32 :  AAAAAA== \r\n\r\n");
  ASSERT_TRUE(d.status) << d.status.error().text();
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0].first, "x-amz-checksum-crc32");
  EXPECT_EQ(d.trailers[0].second, "AAAAAA==");
  EXPECT_EQ(d.decoded_bytes, 0u);
}

TEST(AwsChunked, UnsignedTrailerRejectsSignatureLineAndBadTrailers) {
  expect_code(decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt,
                     "0\r\nx-amz-trailer-signature:" + std::string(64, 'a') + "\r\n\r\n"),
              ErrorCode::kMalformedTrailerError);
  expect_code(decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt, "0\r\nnocolon\r\n\r\n"),
              ErrorCode::kMalformedTrailerError);
  expect_code(decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt, "0\r\n:value\r\n\r\n"),
              ErrorCode::kMalformedTrailerError);
  std::string many = "0\r\n";
  for (int i = 0; i < 40; ++i) many += "x-amz-meta-" + std::to_string(i) + ":v\r\n";
  expect_code(decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt, many + "\r\n"),
              ErrorCode::kMalformedTrailerError);
}

// ---- every split point, every mode ----

std::string encode(PayloadMode mode, std::optional<ChunkSigningContext> ctx,
                   std::string_view payload, size_t chunk, const Trailers& trailers) {
  AwsChunkedEncoder e(mode, std::move(ctx));
  std::string body;
  for (size_t pos = 0; pos < payload.size(); pos += chunk)
    body += e.chunk(payload.substr(pos, chunk));
  return body + e.finish(trailers);
}

struct ModeCase {
  PayloadMode mode;
  std::optional<ChunkSigningContext> ctx;
  Trailers trailers;
};

std::vector<ModeCase> all_modes(std::string_view payload) {
  Trailers t = {{"x-amz-checksum-crc32", crc32_b64(payload)}};
  return {{PayloadMode::kStreamingSigned, example_context(kStreamSeed), {}},
          {PayloadMode::kStreamingSignedTrailer, example_context(kTrailerSeed), t},
          {PayloadMode::kStreamingUnsignedTrailer, std::nullopt, t}};
}

TEST(AwsChunked, EveryPairOfSplitPointsDecodesTheSame) {
  const std::string payload = "The quick brown fox jumps over the lazy dog";
  for (const auto& m : all_modes(payload)) {
    std::string body = encode(m.mode, m.ctx, payload, 10, m.trailers);
    for (size_t i = 0; i <= body.size(); ++i) {
      for (size_t j = i; j <= body.size(); j += 3) {
        auto d = decode(m.mode, m.ctx, body, {i, j});
        ASSERT_TRUE(d.status) << "cuts " << i << "," << j << ": " << d.status.error().text();
        ASSERT_EQ(d.payload, payload);
        ASSERT_EQ(d.trailers, m.trailers);
      }
    }
  }
}

TEST(AwsChunked, EncoderRoundTripsRandomPayloadsInAllModes) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    std::string payload(rng() % 5000, '\0');
    for (char& c : payload) c = static_cast<char>(rng());
    for (const auto& m : all_modes(payload)) {
      std::string body = encode(m.mode, m.ctx, payload, 1 + rng() % 1500, m.trailers);
      auto d = decode(m.mode, m.ctx, body, {rng() % body.size()});
      ASSERT_TRUE(d.status) << d.status.error().text();
      ASSERT_EQ(d.payload, payload);
      ASSERT_EQ(d.decoded_bytes, payload.size());
    }
  }
}

// ---- truncation ----

TEST(AwsChunked, EveryTruncationBeforeTheEndIsIncomplete) {
  const std::string payload = "0123456789abcdefghij";
  for (const auto& m : all_modes(payload)) {
    std::string body = encode(m.mode, m.ctx, payload, 7, m.trailers);
    // Where the final 0-chunk header line ends; after it only trailers/CRLFs follow.
    size_t final_line_end = body.find("\r\n", body.rfind("\r\n0") + 3) + 2;
    for (size_t len = 0; len < body.size(); ++len) {
      auto d = decode(m.mode, m.ctx, body.substr(0, len));
      bool lenient_ok = len >= final_line_end && m.mode == PayloadMode::kStreamingSigned;
      if (m.mode == PayloadMode::kStreamingSignedTrailer) {
        // Accepted once the trailer signature line is complete except for CRLFs.
        lenient_ok = len >= body.size() - 4;
      }
      if (m.mode == PayloadMode::kStreamingUnsignedTrailer) {
        // Accepted once the trailer line has its name and colon (the value may be cut:
        // the caller's checksum comparison catches that), or when nothing follows.
        size_t colon = body.find(':', final_line_end);
        lenient_ok = len == final_line_end || len > colon;
      }
      if (lenient_ok) {
        EXPECT_TRUE(d.status) << "len " << len;
        continue;
      }
      ASSERT_FALSE(d.status.has_value()) << "mode " << static_cast<int>(m.mode) << " len " << len;
      EXPECT_TRUE(d.status.error().code == ErrorCode::kIncompleteBody ||
                  d.status.error().code == ErrorCode::kMalformedTrailerError)
          << "len " << len << ": " << d.status.error().text();
    }
  }
}

TEST(AwsChunked, EmptyBodyIsIncomplete) {
  AwsChunkedDecoder d(PayloadMode::kStreamingSigned, example_context(kStreamSeed));
  EXPECT_FALSE(d.done());
  auto st = d.finish();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIncompleteBody);
}

// ---- tampering and malformed framing ----

TEST(AwsChunked, SignedChunksRejectTampering) {
  std::string body = aws_streaming_body();
  std::string flipped = body;
  flipped[1000] = 'b';
  expect_code(decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), flipped),
              ErrorCode::kSignatureDoesNotMatch);
  std::string bad_sig = body;
  bad_sig[30] = bad_sig[30] == '0' ? '1' : '0';
  expect_code(decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), bad_sig),
              ErrorCode::kSignatureDoesNotMatch);
  std::string bad_final = body;
  bad_final[bad_final.size() - 10] = bad_final[bad_final.size() - 10] == '0' ? '1' : '0';
  expect_code(decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), bad_final),
              ErrorCode::kSignatureDoesNotMatch);
  expect_code(decode(PayloadMode::kStreamingSigned, example_context(std::string(64, '0')), body),
              ErrorCode::kSignatureDoesNotMatch);
  // Dropping the middle chunk breaks the chain.
  size_t second = body.find("400;");
  size_t final_chunk = body.find("0;chunk-signature=b6c6");
  std::string dropped = body.substr(0, second) + body.substr(final_chunk);
  expect_code(decode(PayloadMode::kStreamingSigned, example_context(kStreamSeed), dropped),
              ErrorCode::kSignatureDoesNotMatch);
}

TEST(AwsChunked, MalformedFraming) {
  auto ctx = example_context(kStreamSeed);
  const auto kSigned = PayloadMode::kStreamingSigned;
  const auto kUnsigned = PayloadMode::kStreamingUnsignedTrailer;
  const std::string sig(64, 'a');
  expect_code(decode(kSigned, ctx, "zz;chunk-signature=" + sig + "\r\n"),
              ErrorCode::kInvalidChunkSizeError);
  expect_code(decode(kUnsigned, std::nullopt, "-1\r\n"), ErrorCode::kInvalidChunkSizeError);
  expect_code(decode(kUnsigned, std::nullopt, "\r\n"), ErrorCode::kInvalidChunkSizeError);
  expect_code(decode(kUnsigned, std::nullopt, "10000000000000000\r\n"),
              ErrorCode::kInvalidChunkSizeError);
  expect_code(decode(kUnsigned, std::nullopt, "140000001\r\n"), ErrorCode::kInvalidChunkSizeError);
  expect_code(decode(kSigned, ctx, "3\r\nabc\r\n"), ErrorCode::kIncompleteBody);
  expect_code(decode(kSigned, ctx, "3;chunk-signature=abc\r\nabc\r\n"), ErrorCode::kIncompleteBody);
  expect_code(decode(kSigned, ctx, "3;chunk-signatur=" + sig + "\r\nabc\r\n"),
              ErrorCode::kIncompleteBody);
  expect_code(decode(kUnsigned, std::nullopt, "3\r\nabcd\r\n0\r\n\r\n"),
              ErrorCode::kIncompleteBody);
  expect_code(decode(kUnsigned, std::nullopt, "3\r\nabc\n0\r\n\r\n"), ErrorCode::kIncompleteBody);
  expect_code(decode(kUnsigned, std::nullopt, "3\r\nabc\r\n0\r\n\r\nextra"),
              ErrorCode::kIncompleteBody);
  expect_code(decode(kUnsigned, std::nullopt, std::string(5000, '1')), ErrorCode::kIncompleteBody);
  expect_code(decode(kUnsigned, std::nullopt, "3;" + std::string(5000, 'x') + "\r\n"),
              ErrorCode::kIncompleteBody);
  // Signed body, then junk instead of the closing CRLF.
  std::string body = aws_streaming_body();
  expect_code(decode(kSigned, ctx, body.substr(0, body.size() - 2) + "xx\r\n"),
              ErrorCode::kIncompleteBody);
}

TEST(AwsChunked, UnsignedModeIgnoresChunkExtensions) {
  auto d = decode(PayloadMode::kStreamingUnsignedTrailer, std::nullopt,
                  "3;foo=bar\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_TRUE(d.status) << d.status.error().text();
  EXPECT_EQ(d.payload, "abc0123456789");
}

TEST(AwsChunked, ErrorsAreSticky) {
  AwsChunkedDecoder d(PayloadMode::kStreamingUnsignedTrailer, std::nullopt);
  std::string out;
  auto st = d.feed("zz\r\n", out);
  ASSERT_FALSE(st);
  auto again = d.feed("3\r\nabc\r\n0\r\n\r\n", out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidChunkSizeError);
  EXPECT_FALSE(d.finish());
  EXPECT_FALSE(d.done());
  EXPECT_TRUE(out.empty());
}

TEST(AwsChunked, PayloadStreamsBeforeChunkEnds) {
  AwsChunkedDecoder d(PayloadMode::kStreamingUnsignedTrailer, std::nullopt);
  std::string out;
  ASSERT_TRUE(d.feed("a\r\n01234", out));
  EXPECT_EQ(out, "01234");
  EXPECT_EQ(d.decoded_bytes(), 5u);
  EXPECT_FALSE(d.done());
}

}  // namespace
}  // namespace silo::s3
