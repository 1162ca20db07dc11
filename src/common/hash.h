// Hashing helpers over OpenSSL: incremental MD5/SHA-1/SHA-256, HMAC-SHA256
// (SigV4) and HMAC-SHA1 (SigV2), and the hex/base64 encodings S3 uses on the
// wire. Hashers are not thread-safe; use one per stream.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace silo {

using Bytes = std::span<const uint8_t>;
inline Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// An incremental digest (MD5, SHA-1 or SHA-256) backed by an OpenSSL EVP context.
class Digest {
 public:
  enum class Algorithm { kMd5, kSha1, kSha256 };
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(Bytes data);
  void update(std::string_view data) { update(as_bytes(data)); }
  // Returns the raw digest and resets the context for reuse.
  std::string finish();
  // The raw digest of what was fed so far, leaving the context running.
  std::string peek() const;
  Algorithm algorithm() const { return algorithm_; }

 private:
  Algorithm algorithm_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string md5_raw(std::string_view data);
std::string sha256_raw(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_raw(std::string_view key, std::string_view data);
std::string hmac_sha1_raw(std::string_view key, std::string_view data);

std::string hex_encode(std::string_view raw);
std::optional<std::string> hex_decode(std::string_view hex);
std::string base64_encode(std::string_view raw);
// Strict standard base64 (with padding); nullopt on any invalid character.
std::optional<std::string> base64_decode(std::string_view text);

// Constant-time equality, for signatures and digests.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace silo
