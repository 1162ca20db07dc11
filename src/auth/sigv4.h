// The pieces of AWS Signature Version 4 for S3 that signer and verifier
// share: the canonical request and its parts, the string to sign, the
// derived signing key, the body protection named by x-amz-content-sha256,
// and the signatures of aws-chunked chunks and trailers. The server's
// checks are in sigv4_verify.h, the client's signing in client_sign.h.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/request.h"
#include "common/error.h"

namespace silo::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Largest X-Amz-Expires AWS accepts (7 days).
inline constexpr int64_t kMaxPresignExpires = 604800;

// How the request body is protected, from x-amz-content-sha256.
enum class PayloadMode {
  kSigned,                    // a hex SHA-256 of the body; the caller must verify it
  kUnsigned,                  // UNSIGNED-PAYLOAD (and every SigV2 request without the header)
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD (aws-chunked)
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// True for the three aws-chunked modes (the body must go through
// AwsChunkedDecoder).
bool is_streaming(PayloadMode mode);

struct Payload {
  PayloadMode mode = PayloadMode::kUnsigned;
  std::string sha256_hex;  // kSigned only, lower-case
};

// Reads an x-amz-content-sha256 value. NotImplemented for SigV4A (ECDSA)
// streaming, InvalidArgument for anything else that is not a 64-hex digest
// or one of the values above.
Result<Payload> parse_payload(std::string_view value);

// Everything needed to verify (or produce) aws-chunked chunk signatures.
struct ChunkSigningContext {
  std::string signing_key;     // raw derived key (derive_signing_key)
  std::string amz_date;        // yyyymmddThhmmssZ of the request
  std::string scope;           // yyyymmdd/region/s3/aws4_request
  std::string seed_signature;  // hex signature of the request itself
};

// kSigning = HMAC chain "AWS4"+secret -> date -> region -> service ->
// "aws4_request". Cached per thread: the key changes once a day per
// credential, and deriving it costs more than checking a signature.
std::string derive_signing_key(std::string_view secret, std::string_view yyyymmdd,
                               std::string_view region, std::string_view service = "s3");

// "yyyymmdd/region/s3/aws4_request".
std::string credential_scope(std::string_view yyyymmdd, std::string_view region,
                             std::string_view service = "s3");

// The canonical forms, per the SigV4 specification for S3: the path is
// percent-decoded then encoded once with silo::uri_encode (keeping '/'), so "$" and
// "%24" both canonicalize to "%24". The verifier also accepts the form that keeps
// "%2F" escaped (what Go's EscapedPath signs); see sigv4_verify.h.
Result<std::string> canonical_uri(std::string_view raw_path);
// `exclude_signature` drops X-Amz-Signature (presigned requests).
Result<std::string> canonical_query(std::string_view raw_query, bool exclude_signature);
std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, const Headers& headers,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// Hex HMAC-SHA256 of `string_to_sign` under a derived key.
std::string signature_hex(std::string_view signing_key, std::string_view string_to_sign);

// Hex signature of one aws-chunked chunk whose data hashes to
// `chunk_sha256_hex` (string to sign "AWS4-HMAC-SHA256-PAYLOAD\n" + date +
// scope + previous signature + sha256("") + chunk hash).
std::string chunk_signature(const ChunkSigningContext& ctx, std::string_view previous_signature,
                            std::string_view chunk_sha256_hex);
// Hex signature of the trailer block ("AWS4-HMAC-SHA256-TRAILER\n" + date +
// scope + previous signature + `trailer_sha256_hex`), where the hash is over
// the trailer lines as "name:value\n" each.
std::string trailer_signature(const ChunkSigningContext& ctx, std::string_view previous_signature,
                              std::string_view trailer_sha256_hex);

}  // namespace silo::auth
