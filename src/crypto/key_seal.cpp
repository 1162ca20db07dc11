#include "crypto/key_seal.h"

#include <cstring>

namespace silo::crypto {

namespace {
// The sealing key is derived from the key-encryption key rather than being
// it, so the same customer key or master key never feeds AES directly for
// two purposes (the data packages use keys derived for their own purpose).
constexpr std::string_view kSealPurpose = "silo/sse/v1/seal-object-key";

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
}  // namespace

Result<std::string> seal_key(const Key& kek, const Key& object_key, std::string_view context) {
  std::string out(kSealedKeySize, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  Nonce nonce;
  if (auto s = random_bytes(nonce); !s) return std::unexpected(s.error());
  std::memcpy(p, nonce.data(), kNonceSize);
  AesGcm gcm(derive_key(kek, kSealPurpose));
  if (auto s = gcm.seal(nonce, bytes(context), object_key, {p + kNonceSize, kKeySize + kTagSize});
      !s) {
    return std::unexpected(s.error());
  }
  return out;
}

Result<Key> unseal_key(const Key& kek, std::string_view sealed, std::string_view context) {
  if (sealed.size() != kSealedKeySize) {
    return fail(ErrorCode::kInternalError, "encryption: malformed sealed object key");
  }
  auto in = bytes(sealed);
  Nonce nonce;
  std::memcpy(nonce.data(), in.data(), kNonceSize);
  Key key;
  AesGcm gcm(derive_key(kek, kSealPurpose));
  if (!gcm.open(nonce, bytes(context), in.subspan(kNonceSize), key)) {
    return fail(ErrorCode::kAccessDenied);
  }
  return key;
}

}  // namespace silo::crypto
