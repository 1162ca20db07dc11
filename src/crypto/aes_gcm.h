// AES-256-GCM over OpenSSL's EVP interface: the one authenticated cipher
// every sealing and every data package of server-side encryption uses.
//
// An AesGcm holds one key and one reusable cipher context, so sealing many
// packages with the same key sets the key schedule up once. Not
// thread-safe; use one per stream. Nonces are the caller's business: a
// (key, nonce) pair must never seal two different messages.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silo::crypto {

inline constexpr size_t kKeySize = 32;    // AES-256
inline constexpr size_t kNonceSize = 12;  // GCM's 96-bit nonce
inline constexpr size_t kTagSize = 16;    // GCM's full tag

using Key = std::array<uint8_t, kKeySize>;
using Nonce = std::array<uint8_t, kNonceSize>;

class AesGcm {
 public:
  explicit AesGcm(const Key& key);
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;

  // Encrypts `plain` into `out` (plain.size() + kTagSize bytes: the
  // ciphertext, then the tag), authenticating `aad` too. `out` may start at
  // plain.data() (in place).
  Status seal(const Nonce& nonce, std::span<const uint8_t> aad, std::span<const uint8_t> plain,
              std::span<uint8_t> out);
  // Decrypts `sealed` (ciphertext then tag) into `out` (sealed.size() -
  // kTagSize bytes), or fails when the tag does not verify: a wrong key,
  // nonce or aad, or any changed byte. Nothing in `out` may be used then.
  // `out` may start at sealed.data() (in place).
  Status open(const Nonce& nonce, std::span<const uint8_t> aad, std::span<const uint8_t> sealed,
              std::span<uint8_t> out);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  Key key_;
};

// Fills `out` from OpenSSL's CSPRNG (RAND_bytes).
Status random_bytes(std::span<uint8_t> out);
// A fresh random key.
Result<Key> random_key();
// HMAC-SHA256(key, data) as a key: derives one key from another, for a
// purpose and context `data` names.
Key derive_key(const Key& key, std::string_view data);

}  // namespace silo::crypto
