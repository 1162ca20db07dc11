// The additional checksums S3 lets clients attach to objects and parts
// (x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}), computed the way AWS
// computes them: CRCs are the big-endian bytes of the final CRC value, SHAs the
// raw digest, and the wire form is the base64 of those raw bytes.
//
// A Checksummer runs over every byte uploaded, so it does no per-byte dispatch:
// CRC32 and CRC32C go to ISA-L's SIMD routines, CRC64/NVME to a slicing-by-8
// table, SHA-1/SHA-256 to OpenSSL. Checksummers are not thread-safe; use one
// per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hash.h"

namespace silo {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", any case (as sent in
// x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm). nullopt otherwise.
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
// The upper-case name AWS uses in XML and headers: "CRC32", ..., "SHA256".
std::string_view checksum_name(ChecksumAlgorithm algorithm);
// The lower-case header carrying the value: "x-amz-checksum-crc32", ...
std::string_view checksum_header(ChecksumAlgorithm algorithm);
// The inverse of checksum_header, any case ("x-amz-checksum-crc32c" -> kCrc32c).
// Used to interpret x-amz-trailer and the trailers of aws-chunked bodies.
std::optional<ChecksumAlgorithm> checksum_algorithm_from_header(std::string_view header);
// Size of the raw (un-encoded) value: 4, 4, 8, 20, 32.
size_t checksum_raw_size(ChecksumAlgorithm algorithm);
// Whether `algorithm` is a CRC (and so supports FULL_OBJECT multipart checksums).
bool checksum_is_crc(ChecksumAlgorithm algorithm);
// Decodes a base64 checksum value as sent by a client; nullopt when it is not
// valid base64 or does not have checksum_raw_size(algorithm) bytes. Callers map
// nullopt to InvalidRequest "Value for x-amz-checksum-... header is invalid.".
std::optional<std::string> decode_checksum_base64(ChecksumAlgorithm algorithm,
                                                  std::string_view text);

// Raw CRC primitives, exposed for tests and for the erasure/bitrot code. Each
// takes the CRC of the data so far (0 for none: these are the finalized,
// standard values, so crc(a+b) == crc_x(crc_x(0, a), b)).
uint32_t crc32_update(uint32_t crc, Bytes data);       // CRC-32 (zlib, gzip)
uint32_t crc32c_update(uint32_t crc, Bytes data);      // CRC-32C (Castagnoli, iSCSI)
uint64_t crc64_nvme_update(uint64_t crc, Bytes data);  // CRC-64/NVME (Rocksoft)

// An incremental checksum of one algorithm.
class Checksummer {
 public:
  explicit Checksummer(ChecksumAlgorithm algorithm);
  Checksummer(Checksummer&&) noexcept = default;
  Checksummer& operator=(Checksummer&&) noexcept = default;
  Checksummer(const Checksummer&) = delete;
  Checksummer& operator=(const Checksummer&) = delete;

  void update(Bytes data);
  void update(std::string_view data) { update(as_bytes(data)); }
  // The raw value (big-endian CRC bytes, or the digest). Resets the
  // Checksummer to its initial state, so it can be reused for another stream.
  std::string finish_raw();
  // base64(finish_raw()), the form of x-amz-checksum-* headers. Also resets.
  std::string finish_base64();
  ChecksumAlgorithm algorithm() const { return algorithm_; }

 private:
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  std::optional<Digest> digest_;  // SHA algorithms only
};

// The checksum AWS reports for a multipart object with checksum type
// COMPOSITE: the checksum of the concatenated raw part checksums, base64, then
// "-<number of parts>", e.g. "Ac3/Lg==-3". `part_raw_checksums` are the raw
// values in part-number order.
std::string composite_checksum_base64(ChecksumAlgorithm algorithm,
                                      const std::vector<std::string>& part_raw_checksums);

// The checksum of the whole object for checksum type FULL_OBJECT (CRCs only;
// CRC64NVME multipart uploads are always FULL_OBJECT): combines per-part CRCs
// arithmetically, without re-reading data. `parts` are (raw part CRC, part size
// in bytes) in part-number order. Returns the raw value (base64 it for the
// wire, no "-N" suffix); nullopt for SHA algorithms or a raw value of the
// wrong size.
std::optional<std::string> full_object_crc_raw(
    ChecksumAlgorithm algorithm, const std::vector<std::pair<std::string, uint64_t>>& parts);

}  // namespace silo
