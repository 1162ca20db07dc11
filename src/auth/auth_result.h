// What verification needs from the caller (the secret of an access key) and
// what it tells the caller about an authenticated request.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4.h"

namespace silo::auth {

// Returns the secret key of `access_key`, nullopt if the key is unknown.
// Must be thread-safe: verification runs on every event loop.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

enum class Scheme {
  kAnonymous,  // no signature at all: the caller evaluates bucket policy
  kSigV4,
  kSigV2,
};

struct AuthResult {
  Scheme scheme = Scheme::kAnonymous;
  bool presigned = false;  // signed in the query string rather than the Authorization header
  std::string access_key;
  PayloadMode payload_mode = PayloadMode::kUnsigned;
  std::string payload_sha256_hex;                    // kSigned only, lower-case hex
  std::optional<ChunkSigningContext> chunk_signing;  // kStreamingSigned* (SigV4 only)
  // The region of the SigV4 credential scope; empty for SigV2.
  std::string region;

  bool anonymous() const { return scheme == Scheme::kAnonymous; }
};

}  // namespace silo::auth
