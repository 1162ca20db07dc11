// Sealing of small secrets (the stored IAM state, session tokens) with
// AES-256-GCM (crypto/aes_gcm.h, over OpenSSL): confidential and tamper-evident, under a key
// derived from a secret the deployment already holds (the root user's).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace silo::iam {

// A 32-byte key for `purpose`, derived from `secret` (HMAC-SHA256, so that
// keys for different purposes are unrelated).
std::string derive_key(std::string_view secret, std::string_view purpose);

// `plaintext` sealed under the 32-byte `key`: a random 12-byte nonce, the
// ciphertext and the 16-byte tag, which also covers `aad`. Empty only when
// `key` is not 32 bytes (a caller's bug) or OpenSSL failed.
std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad = {});

// The plaintext of `sealed`; nullopt when the key is not the one that sealed
// it, or anything (the aad too) was changed.
std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed,
                                       std::string_view aad = {});

}  // namespace silo::iam
