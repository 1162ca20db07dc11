// Sealing of object keys: every encrypted object has its own random key,
// stored only sealed (AES-256-GCM) under a key-encryption key: the KMS
// master key for SSE-S3, the customer's key for SSE-C. Opening a sealed
// key with any other key-encryption key, or for another context, fails, so
// opening is also how a customer key is verified; nothing else about the
// customer's key is ever stored.
#pragma once

#include <string>
#include <string_view>

#include "crypto/aes_gcm.h"

namespace silo::crypto {

// Bytes of a sealed key: nonce, sealed key, tag.
inline constexpr size_t kSealedKeySize = kNonceSize + kKeySize + kTagSize;

// Seals `object_key` under `kek` for `context` (what the key belongs to,
// e.g. "bucket/key": a sealed key copied to another object does not open
// there). A fresh random nonce each time.
Result<std::string> seal_key(const Key& kek, const Key& object_key, std::string_view context);
// Opens what seal_key made; AccessDenied when `kek` or `context` is not the
// one it was sealed with (or the bytes were changed).
Result<Key> unseal_key(const Key& kek, std::string_view sealed, std::string_view context);

}  // namespace silo::crypto
