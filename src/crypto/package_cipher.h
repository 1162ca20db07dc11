// The format of encrypted object data: a stream (a whole object written in
// one piece, or one part of a multipart upload) is a 32-byte header and
// then packages of up to 64 KiB of plaintext, each sealed with AES-256-GCM
// and followed by its 16-byte tag:
//
//   header: "SILOSSE1" | 24-byte random salt
//   package i: AES-256-GCM(stream key, nonce(i, last), plaintext[i*64Ki, ...)) | tag
//
// stream key = HMAC-SHA256(object key, "silo/sse/v1/stream" | part number | salt)
// nonce(i, last) = big-endian 64-bit i | 32-bit 1 for the last package, else 0
//
// The salt is fresh for every stream, so a part uploaded twice (or an
// object rewritten) never seals two plaintexts under one (key, nonce); the
// package index in the nonce means packages cannot be reordered, and the
// last-package flag means a stream cut at a package boundary does not
// verify. An empty stream has one empty package, so every stream ends in a
// verifiable last package.
//
// Reads decrypt only the packages a range touches; any changed byte fails
// its package's tag and the read fails, never returning wrong bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "crypto/aes_gcm.h"

namespace silo::crypto {

inline constexpr size_t kPackageSize = 64 * 1024;
inline constexpr size_t kSealedPackageSize = kPackageSize + kTagSize;
inline constexpr size_t kStreamHeaderSize = 32;
inline constexpr size_t kSaltSize = 24;

using StreamHeader = std::array<uint8_t, kStreamHeaderSize>;

// Packages of a stream of `plain` bytes (at least one).
uint64_t package_count(uint64_t plain);
// Stored bytes of a stream of `plain` bytes.
uint64_t sealed_size(uint64_t plain);
// Plaintext bytes of a stored stream of `sealed` bytes; nullopt when no
// plaintext size seals to exactly that many bytes.
std::optional<uint64_t> plain_size(uint64_t sealed);
// Offset in the stream of package `index`.
inline uint64_t package_offset(uint64_t index) {
  return kStreamHeaderSize + index * kSealedPackageSize;
}
// Plaintext bytes in package `index` of a stream of `plain` bytes.
size_t package_plain_size(uint64_t plain, uint64_t index);

// The stored bytes to read for plaintext [offset, offset + length) of a
// stream of `plain` bytes: whole packages, first_package onwards.
struct SealedRange {
  uint64_t first_package = 0;
  uint64_t offset = 0;  // in the stream (after the header)
  uint64_t length = 0;
};
// REQUIRES: length > 0, offset + length <= plain.
SealedRange sealed_range(uint64_t plain, uint64_t offset, uint64_t length);

// Seals or opens the packages of one stream. Not thread-safe.
class StreamCipher {
 public:
  // A new stream of object `object_key`, part `part_number` (1 for an
  // object written in one piece), with a fresh random salt.
  static Result<StreamCipher> create(const Key& object_key, uint32_t part_number);
  // The stream whose header is `header`; InternalError when it is not one.
  static Result<StreamCipher> resume(const Key& object_key, uint32_t part_number,
                                     std::span<const uint8_t> header);

  const StreamHeader& header() const { return header_; }
  // Seals package `index` (plain.size() <= kPackageSize) into `out`
  // (plain.size() + kTagSize bytes).
  Status seal(uint64_t index, bool last, std::span<const uint8_t> plain, std::span<uint8_t> out);
  // Opens package `index` into `out` (sealed.size() - kTagSize bytes); fails
  // when anything about it was changed.
  Status open(uint64_t index, bool last, std::span<const uint8_t> sealed, std::span<uint8_t> out);

 private:
  StreamCipher(const Key& object_key, uint32_t part_number, const StreamHeader& header);
  StreamHeader header_;
  std::unique_ptr<AesGcm> gcm_;
};

}  // namespace silo::crypto
