// AWS Signature Version 4 for S3: server-side verification of header-signed and
// presigned (query-signed) requests, and client-side signing for the `silo`
// client. Decoupled from any HTTP library: requests are described by a
// SignedRequest holding the method, the path and query exactly as they were on
// the wire, and the headers.
//
// What authenticate() checks, in order, mirroring AWS S3 (codes are ErrorCode):
//   - neither Authorization nor X-Amz-Algorithm/X-Amz-Credential in the query:
//     anonymous (the caller evaluates bucket policy);
//   - both present: InvalidArgument; a SigV2 ("AWS ak:sig") header: InvalidRequest;
//     any other scheme: InvalidArgument "Unsupported Authorization Type";
//   - header auth: AuthorizationHeaderMalformed for a bad header or credential
//     scope (service "s3", terminal "aws4_request", region == server_region,
//     scope date == request date); presigned: AuthorizationQueryParametersError
//     for missing/bad X-Amz-* parameters or X-Amz-Expires outside 1..604800;
//   - x-amz-content-sha256: required for header auth (InvalidRequest); must be a
//     64-hex digest, UNSIGNED-PAYLOAD or one of the STREAMING-* values
//     (InvalidArgument);
//   - a date: x-amz-date, else Date (RFC 1123), else AccessDenied;
//   - access key: InvalidAccessKeyId when the lookup returns nullopt;
//   - time: header auth more than 15 minutes off `now` -> RequestTimeTooSkewed;
//     presigned: past X-Amz-Date + X-Amz-Expires -> AccessDenied "Request has
//     expired", more than 15 minutes in the future -> AccessDenied "Request is
//     not valid yet";
//   - "host" and every x-amz-* header present must be signed, else AccessDenied
//     "There were headers present in the request which were not signed";
//   - signature, compared in constant time: SignatureDoesNotMatch.
// X-Amz-Security-Token / x-amz-security-token are not validated here (Silo has
// no temporary credentials yet); a caller adding STS must check them.
// All functions are pure and thread-safe (the SecretLookup must be, too).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silo::s3 {

// The request as the verifier sees it. REQUIRES: raw_path and raw_query are the
// request-target exactly as received (still percent-encoded; raw_query without
// the '?'); header names are lower-case, values as received (repeated headers
// appear as repeated entries, in order).
struct SignedRequest {
  std::string_view method;
  std::string_view raw_path;
  std::string_view raw_query;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Returns the secret key of `access_key`, nullopt if the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

// How the request body is protected, from x-amz-content-sha256.
enum class PayloadMode {
  kSigned,                    // a hex SHA-256 of the body; the caller must verify it
  kUnsigned,                  // UNSIGNED-PAYLOAD
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD (aws-chunked)
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// True for the three aws-chunked modes (the body must go through
// AwsChunkedDecoder).
bool is_streaming(PayloadMode mode);

// Everything needed to verify (or produce) aws-chunked chunk signatures.
struct ChunkSigningContext {
  std::string signing_key;     // raw derived key (derive_signing_key)
  std::string amz_date;        // yyyymmddThhmmssZ of the request
  std::string scope;           // yyyymmdd/region/s3/aws4_request
  std::string seed_signature;  // hex signature of the request itself
};

struct AuthResult {
  bool anonymous = false;
  bool presigned = false;
  std::string access_key;
  PayloadMode payload_mode = PayloadMode::kUnsigned;
  std::string payload_sha256_hex;                    // kSigned only, lower-case hex
  std::optional<ChunkSigningContext> chunk_signing;  // kStreamingSigned*
  std::string region;                                // region of the credential scope
};

// Verifies the request's signature. `server_region` is the region this server
// answers for; an empty server_region accepts any region in the scope (the
// result's `region` says which). `now` is the server's clock. See the top of
// this file for the checks and the error of each.
Result<AuthResult> authenticate(const SignedRequest& request, const SecretLookup& lookup,
                                std::string_view server_region,
                                std::chrono::system_clock::time_point now);

// ---- Building blocks (exposed for the client, the chunk decoder and tests) ----

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
// Allowed clock difference for header-signed requests.
inline constexpr std::chrono::minutes kMaxClockSkew{15};

// kSigning = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
std::string derive_signing_key(std::string_view secret, std::string_view yyyymmdd,
                               std::string_view region, std::string_view service = "s3");

// The canonical forms, per the SigV4 specification for S3: the path is
// percent-decoded then encoded once with silo::uri_encode (keeping '/'), so "$" and
// "%24" both canonicalize to "%24". When that fails to match and the raw path
// contains "%2F", authenticate() also tries the form that keeps "%2F" escaped
// (what Go's EscapedPath signs); both name the same key. Exposed for tests.
Result<std::string> canonical_uri(std::string_view raw_path);
// `exclude_signature` drops X-Amz-Signature (presigned requests).
Result<std::string> canonical_query(std::string_view raw_query, bool exclude_signature);
std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// yyyymmddThhmmssZ (UTC), and its parser; nullopt on anything else, including
// dates system_clock cannot hold (after 2262 or before 1678).
std::string format_amz_date(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s);
// An HTTP date (see silo::parse_http_date) as a time_point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s);

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

// ---- Client side ----

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // optional; sent as x-amz-security-token
};

struct ClientSignature {
  std::string authorization;  // value of the Authorization header
  // For aws-chunked uploads: seed_signature is this request's signature.
  ChunkSigningContext chunk_signing;
};

// Signs `request` for header authentication. Adds to request.headers, when
// absent: x-amz-date (from `now`), x-amz-content-sha256 (= payload_hash) and
// x-amz-security-token (when credentials carry one). `host` must already be
// present. Signs every header except authorization, user-agent, expect,
// x-amzn-trace-id, connection and transfer-encoding, so send exactly those
// headers. `payload_hash` is the hex SHA-256 of the body, UNSIGNED-PAYLOAD or a
// STREAMING-* value. request.raw_path/raw_query must be the encoded forms that
// will be sent (see silo::uri_encode in common/strings.h).
ClientSignature sign_request(SignedRequest& request, std::string_view payload_hash,
                             const Credentials& credentials, std::string_view region,
                             std::chrono::system_clock::time_point now);

// Presigns a request signed on the `host` header only (GET/PUT/HEAD/DELETE
// links). Returns the complete query string (no '?') to send: the parameters of
// `raw_query` followed by X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders (and X-Amz-Security-Token), and last
// X-Amz-Signature. REQUIRES: 1 <= expires <= 7 days.
std::string presign_query(std::string_view method, std::string_view raw_path,
                          std::string_view raw_query, std::string_view host,
                          const Credentials& credentials, std::string_view region,
                          std::chrono::system_clock::time_point now, std::chrono::seconds expires);

}  // namespace silo::s3
