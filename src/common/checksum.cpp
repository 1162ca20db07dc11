#include "common/checksum.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstring>

namespace silo {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the slicing-by-8 CRC64 assumes a little-endian host");

constexpr uint64_t reverse_bits64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) {
    r = (r << 1) | (v & 1);
    v >>= 1;
  }
  return r;
}

// CRC-64/NVME: poly 0xAD93D23594C93659, reflected in and out, init and xorout ~0.
constexpr uint64_t kCrc64NvmePolyReflected = reverse_bits64(0xAD93D23594C93659ULL);
// Reflected polynomials of CRC-32 and CRC-32C, for combining.
constexpr uint64_t kCrc32PolyReflected = 0xEDB88320u;
constexpr uint64_t kCrc32cPolyReflected = 0x82F63B78u;

using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Crc64Tables make_crc64_tables() {
  Crc64Tables t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCrc64NvmePolyReflected : c >> 1;
    t[0][i] = c;
  }
  for (size_t s = 1; s < 8; ++s) {
    for (size_t i = 0; i < 256; ++i) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}

constexpr Crc64Tables kCrc64Tables = make_crc64_tables();

std::string be_bytes(uint64_t value, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[size - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

uint64_t from_be_bytes(std::string_view raw) {
  uint64_t v = 0;
  for (unsigned char c : raw) v = (v << 8) | c;
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

constexpr std::array<ChecksumAlgorithm, 5> kAllAlgorithms = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// --- CRC combination (zlib's crc32_combine, generalized to any reflected CRC
// of width <= 64 whose init equals its xorout, which holds for all three). ---

struct Gf2Matrix {
  std::array<uint64_t, 64> rows{};
  int width = 0;
};

uint64_t gf2_times(const Gf2Matrix& m, uint64_t vec) {
  uint64_t sum = 0;
  for (int i = 0; vec; ++i, vec >>= 1) {
    if (vec & 1) sum ^= m.rows[static_cast<size_t>(i)];
  }
  return sum;
}

Gf2Matrix gf2_square(const Gf2Matrix& m) {
  Gf2Matrix sq;
  sq.width = m.width;
  for (int n = 0; n < m.width; ++n)
    sq.rows[static_cast<size_t>(n)] = gf2_times(m, m.rows[static_cast<size_t>(n)]);
  return sq;
}

// CRC of (A || B) from crc(A), crc(B) and len(B).
uint64_t crc_combine(uint64_t crc1, uint64_t crc2, uint64_t len2, uint64_t poly, int width) {
  if (len2 == 0) return crc1;
  Gf2Matrix odd;  // operator for one zero bit
  odd.width = width;
  odd.rows[0] = poly;
  for (int n = 1; n < width; ++n) odd.rows[static_cast<size_t>(n)] = uint64_t{1} << (n - 1);
  Gf2Matrix even = gf2_square(odd);  // two zero bits
  odd = gf2_square(even);            // four zero bits
  do {
    even = gf2_square(odd);  // first pass: one zero byte
    if (len2 & 1) crc1 = gf2_times(even, crc1);
    len2 >>= 1;
    if (len2 == 0) break;
    odd = gf2_square(even);
    if (len2 & 1) crc1 = gf2_times(odd, crc1);
    len2 >>= 1;
  } while (len2 != 0);
  return crc1 ^ crc2;
}

}  // namespace

std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name) {
  for (auto a : kAllAlgorithms) {
    if (iequals(name, checksum_name(a))) return a;
  }
  return std::nullopt;
}

std::string_view checksum_name(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "CRC32";
}

std::string_view checksum_header(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
  }
  return "x-amz-checksum-crc32";
}

std::optional<ChecksumAlgorithm> checksum_algorithm_from_header(std::string_view header) {
  for (auto a : kAllAlgorithms) {
    if (iequals(header, checksum_header(a))) return a;
  }
  return std::nullopt;
}

size_t checksum_raw_size(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return 4;
    case ChecksumAlgorithm::kCrc64Nvme:
      return 8;
    case ChecksumAlgorithm::kSha1:
      return 20;
    case ChecksumAlgorithm::kSha256:
      return 32;
  }
  return 0;
}

bool checksum_is_crc(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::kCrc32 || algorithm == ChecksumAlgorithm::kCrc32c ||
         algorithm == ChecksumAlgorithm::kCrc64Nvme;
}

std::optional<std::string> decode_checksum_base64(ChecksumAlgorithm algorithm,
                                                  std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw || raw->size() != checksum_raw_size(algorithm)) return std::nullopt;
  return raw;
}

uint32_t crc32_update(uint32_t crc, Bytes data) {
  if (data.empty()) return crc;
  return crc32_gzip_refl(crc, data.data(), data.size());
}

uint32_t crc32c_update(uint32_t crc, Bytes data) {
  // crc32_iscsi works on the raw register (no pre/post inversion) and takes an
  // int length, so feed it in slices below INT_MAX.
  uint32_t reg = ~crc;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    size_t n = std::min<size_t>(left, size_t{1} << 30);
    reg = crc32_iscsi(const_cast<uint8_t*>(p), static_cast<int>(n), reg);
    p += n;
    left -= n;
  }
  return ~reg;
}

uint64_t crc64_nvme_update(uint64_t crc, Bytes data) {
  const auto& t = kCrc64Tables;
  uint64_t c = ~crc;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= c;
    c = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
        t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    left -= 8;
  }
  while (left > 0) {
    c = t[0][(c ^ *p) & 0xff] ^ (c >> 8);
    ++p;
    --left;
  }
  return ~c;
}

Checksummer::Checksummer(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm_ == ChecksumAlgorithm::kSha1) digest_.emplace(Digest::Algorithm::kSha1);
  if (algorithm_ == ChecksumAlgorithm::kSha256) digest_.emplace(Digest::Algorithm::kSha256);
}

void Checksummer::update(Bytes data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      crc_ = crc32_update(static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = crc32c_update(static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = crc64_nvme_update(crc_, data);
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      digest_->update(data);
      break;
  }
}

std::string Checksummer::finish_raw() {
  if (digest_) return digest_->finish();
  std::string out = be_bytes(crc_, checksum_raw_size(algorithm_));
  crc_ = 0;
  return out;
}

std::string Checksummer::finish_base64() { return base64_encode(finish_raw()); }

std::string composite_checksum_base64(ChecksumAlgorithm algorithm,
                                      const std::vector<std::string>& part_raw_checksums) {
  Checksummer c(algorithm);
  for (const auto& part : part_raw_checksums) c.update(part);
  return c.finish_base64() + "-" + std::to_string(part_raw_checksums.size());
}

std::optional<std::string> full_object_crc_raw(
    ChecksumAlgorithm algorithm, const std::vector<std::pair<std::string, uint64_t>>& parts) {
  uint64_t poly = 0;
  int width = 0;
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      poly = kCrc32PolyReflected;
      width = 32;
      break;
    case ChecksumAlgorithm::kCrc32c:
      poly = kCrc32cPolyReflected;
      width = 32;
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      poly = kCrc64NvmePolyReflected;
      width = 64;
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      return std::nullopt;
  }
  const size_t size = checksum_raw_size(algorithm);
  uint64_t crc = 0;
  for (const auto& [raw, length] : parts) {
    if (raw.size() != size) return std::nullopt;
    crc = crc_combine(crc, from_be_bytes(raw), length, poly, width);
  }
  return be_bytes(crc, size);
}

}  // namespace silo
