#include "iam/sealing.h"

#include <cstring>

#include "common/hash.h"
#include "crypto/aes_gcm.h"

namespace silo::iam {

namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::optional<crypto::Key> key_of(std::string_view key) {
  if (key.size() != crypto::kKeySize) return std::nullopt;
  crypto::Key k;
  std::memcpy(k.data(), key.data(), k.size());
  return k;
}

}  // namespace

std::string derive_key(std::string_view secret, std::string_view purpose) {
  return hmac_sha256_raw(secret, purpose);
}

std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  auto k = key_of(key);
  if (!k) return {};
  crypto::Nonce nonce;
  if (!crypto::random_bytes(nonce)) return {};
  std::string out(crypto::kNonceSize + plaintext.size() + crypto::kTagSize, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  std::memcpy(o, nonce.data(), nonce.size());
  crypto::AesGcm gcm(*k);
  if (!gcm.seal(nonce, bytes(aad), bytes(plaintext),
                {o + crypto::kNonceSize, plaintext.size() + crypto::kTagSize})) {
    return {};
  }
  return out;
}

std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed,
                                       std::string_view aad) {
  auto k = key_of(key);
  if (!k || sealed.size() < crypto::kNonceSize + crypto::kTagSize) return std::nullopt;
  crypto::Nonce nonce;
  std::memcpy(nonce.data(), sealed.data(), nonce.size());
  auto body = sealed.substr(crypto::kNonceSize);
  std::string out(body.size() - crypto::kTagSize, '\0');
  crypto::AesGcm gcm(*k);
  if (!gcm.open(nonce, bytes(aad), bytes(body),
                {reinterpret_cast<uint8_t*>(out.data()), out.size()})) {
    return std::nullopt;
  }
  return out;
}

}  // namespace silo::iam
