#include "crypto/package_cipher.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace silo::crypto {

namespace {
constexpr std::string_view kMagic = "SILOSSE1";
constexpr std::string_view kStreamPurpose = "silo/sse/v1/stream";

Nonce nonce_for(uint64_t index, bool last) {
  Nonce n{};
  for (int b = 0; b < 8; ++b) n[b] = static_cast<uint8_t>(index >> (56 - 8 * b));
  n[11] = last ? 1 : 0;
  return n;
}
}  // namespace

uint64_t package_count(uint64_t plain) {
  return plain == 0 ? 1 : (plain + kPackageSize - 1) / kPackageSize;
}

uint64_t sealed_size(uint64_t plain) {
  return kStreamHeaderSize + plain + kTagSize * package_count(plain);
}

std::optional<uint64_t> plain_size(uint64_t sealed) {
  if (sealed < kStreamHeaderSize + kTagSize) return std::nullopt;
  uint64_t body = sealed - kStreamHeaderSize;
  uint64_t packages = (body + kSealedPackageSize - 1) / kSealedPackageSize;
  uint64_t plain = body - packages * kTagSize;
  if (sealed_size(plain) != sealed) return std::nullopt;
  return plain;
}

size_t package_plain_size(uint64_t plain, uint64_t index) {
  uint64_t start = index * kPackageSize;
  if (start >= plain) return 0;
  return static_cast<size_t>(std::min<uint64_t>(kPackageSize, plain - start));
}

SealedRange sealed_range(uint64_t plain, uint64_t offset, uint64_t length) {
  uint64_t first = offset / kPackageSize;
  uint64_t last = (offset + length - 1) / kPackageSize;
  uint64_t end = package_offset(last) + package_plain_size(plain, last) + kTagSize;
  return {first, package_offset(first), end - package_offset(first)};
}

StreamCipher::StreamCipher(const Key& object_key, uint32_t part_number,
                           const StreamHeader& header)
    : header_(header) {
  std::string context(kStreamPurpose);
  for (int b = 0; b < 4; ++b) context.push_back(static_cast<char>(part_number >> (24 - 8 * b)));
  context.append(reinterpret_cast<const char*>(header.data()) + kMagic.size(), kSaltSize);
  Key stream_key = derive_key(object_key, context);
  gcm_ = std::make_unique<AesGcm>(stream_key);
  std::fill(stream_key.begin(), stream_key.end(), 0);
}

Result<StreamCipher> StreamCipher::create(const Key& object_key, uint32_t part_number) {
  StreamHeader h;
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  if (auto s = random_bytes(std::span(h).subspan(kMagic.size())); !s) {
    return std::unexpected(s.error());
  }
  return StreamCipher(object_key, part_number, h);
}

Result<StreamCipher> StreamCipher::resume(const Key& object_key, uint32_t part_number,
                                          std::span<const uint8_t> header) {
  if (header.size() != kStreamHeaderSize ||
      std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) {
    return fail(ErrorCode::kInternalError, "encrypted data is corrupt: bad stream header");
  }
  StreamHeader h;
  std::memcpy(h.data(), header.data(), kStreamHeaderSize);
  return StreamCipher(object_key, part_number, h);
}

Status StreamCipher::seal(uint64_t index, bool last, std::span<const uint8_t> plain,
                          std::span<uint8_t> out) {
  return gcm_->seal(nonce_for(index, last), {}, plain, out);
}

Status StreamCipher::open(uint64_t index, bool last, std::span<const uint8_t> sealed,
                          std::span<uint8_t> out) {
  if (!gcm_->open(nonce_for(index, last), {}, sealed, out)) {
    return fail(ErrorCode::kInternalError,
                "encrypted data is corrupt: package " + std::to_string(index) +
                    " failed authentication");
  }
  return {};
}

}  // namespace silo::crypto
