#include "crypto/aes_gcm.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>

namespace silo::crypto {

struct AesGcm::Ctx {
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  ~Ctx() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }
};

namespace {
Status crypto_error(const char* what) {
  return fail(ErrorCode::kInternalError, std::string("encryption: ") + what + " failed");
}
}  // namespace

AesGcm::AesGcm(const Key& key) : ctx_(std::make_unique<Ctx>()), key_(key) {}

AesGcm::~AesGcm() { OPENSSL_cleanse(key_.data(), key_.size()); }

Status AesGcm::seal(const Nonce& nonce, std::span<const uint8_t> aad,
                    std::span<const uint8_t> plain, std::span<uint8_t> out) {
  if (out.size() != plain.size() + kTagSize || plain.size() > INT_MAX) {
    return crypto_error("seal (sizes)");
  }
  // The key schedule is set up on first use; later packages change only
  // the nonce.
  if (!ctx_->enc) {
    ctx_->enc = EVP_CIPHER_CTX_new();
    if (!ctx_->enc || EVP_EncryptInit_ex(ctx_->enc, EVP_aes_256_gcm(), nullptr, key_.data(),
                                         nullptr) != 1) {
      return crypto_error("cipher setup");
    }
  }
  EVP_CIPHER_CTX* c = ctx_->enc;
  int len = 0;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return crypto_error("seal (nonce)");
  }
  if (!aad.empty() && EVP_EncryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return crypto_error("seal (aad)");
  }
  if (!plain.empty() && EVP_EncryptUpdate(c, out.data(), &len, plain.data(),
                                          static_cast<int>(plain.size())) != 1) {
    return crypto_error("seal");
  }
  if (EVP_EncryptFinal_ex(c, out.data() + plain.size(), &len) != 1) return crypto_error("seal");
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          out.data() + plain.size()) != 1) {
    return crypto_error("seal (tag)");
  }
  return {};
}

Status AesGcm::open(const Nonce& nonce, std::span<const uint8_t> aad,
                    std::span<const uint8_t> sealed, std::span<uint8_t> out) {
  if (sealed.size() < kTagSize || out.size() != sealed.size() - kTagSize ||
      sealed.size() > INT_MAX) {
    return fail(ErrorCode::kInternalError, "encryption: sealed data too short");
  }
  if (!ctx_->dec) {
    ctx_->dec = EVP_CIPHER_CTX_new();
    if (!ctx_->dec || EVP_DecryptInit_ex(ctx_->dec, EVP_aes_256_gcm(), nullptr, key_.data(),
                                         nullptr) != 1) {
      return crypto_error("cipher setup");
    }
  }
  EVP_CIPHER_CTX* c = ctx_->dec;
  size_t n = sealed.size() - kTagSize;
  // The tag is copied first: with in-place decryption the plaintext does
  // not reach it, but OpenSSL reads it only at the end.
  uint8_t tag[kTagSize];
  std::memcpy(tag, sealed.data() + n, kTagSize);
  int len = 0;
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return crypto_error("open (nonce)");
  }
  if (!aad.empty() && EVP_DecryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return crypto_error("open (aad)");
  }
  if (n > 0 && EVP_DecryptUpdate(c, out.data(), &len, sealed.data(), static_cast<int>(n)) != 1) {
    return crypto_error("open");
  }
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag) != 1) {
    return crypto_error("open (tag)");
  }
  if (EVP_DecryptFinal_ex(c, out.data() + n, &len) != 1) {
    return fail(ErrorCode::kInternalError, "encryption: authentication failed");
  }
  return {};
}

Status random_bytes(std::span<uint8_t> out) {
  if (out.size() > INT_MAX || RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return fail(ErrorCode::kInternalError, "encryption: no random bytes");
  }
  return {};
}

Result<Key> random_key() {
  Key k;
  if (auto s = random_bytes(k); !s) return std::unexpected(s.error());
  return k;
}

Key derive_key(const Key& key, std::string_view data) {
  Key out;
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

}  // namespace silo::crypto
