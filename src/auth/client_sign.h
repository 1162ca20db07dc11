// Client-side SigV4 signing, for the `silo` client and `silo bench`: the
// Authorization header of a request, or a presigned URL's query. Silo's
// client signs with SigV4 only. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/request.h"
#include "auth/sigv4.h"

namespace silo::auth {

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

}  // namespace silo::auth
