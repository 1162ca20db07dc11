#include "common/checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace silo {
namespace {

constexpr ChecksumAlgorithm kAll[] = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                      ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                                      ChecksumAlgorithm::kSha256};

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Bit-at-a-time CRC-64/NVME straight from the definition, as an oracle.
uint64_t crc64_nvme_bitwise(std::string_view data) {
  constexpr uint64_t kPolyReflected = 0x9A6C9329AC4BC9B5ULL;
  uint64_t c = ~uint64_t{0};
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
  }
  return ~c;
}

std::string checksum_b64(ChecksumAlgorithm a, std::string_view data) {
  Checksummer c(a);
  c.update(data);
  return c.finish_base64();
}

TEST(Crc, CheckValuesMatchTheCrcCatalogue) {
  auto data = as_bytes("123456789");
  EXPECT_EQ(crc32_update(0, data), 0xCBF43926u);
  EXPECT_EQ(crc32c_update(0, data), 0xE3069283u);
  EXPECT_EQ(crc64_nvme_update(0, data), 0xAE8B14860A799888ULL);
}

TEST(Crc, Crc64NvmeMatchesNvmeSpecificationVectors) {
  EXPECT_EQ(crc64_nvme_update(0, as_bytes(std::string(32, '\0'))), 0xCF3473434D4ECF3BULL);
  EXPECT_EQ(crc64_nvme_update(0, as_bytes(std::string(32, '\xff'))), 0xA0A06974C34D63C4ULL);
}

TEST(Crc, Crc64NvmeSlicingMatchesBitwiseAtEveryLengthAndAlignment) {
  std::string data = random_bytes(300, 7);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; offset + len <= 140; ++len) {
      std::string_view piece(data.data() + offset, len);
      ASSERT_EQ(crc64_nvme_update(0, as_bytes(piece)), crc64_nvme_bitwise(piece))
          << "offset " << offset << " len " << len;
    }
  }
}

TEST(Crc, EmptyInputLeavesCrcUnchanged) {
  EXPECT_EQ(crc32_update(0x1234, {}), 0x1234u);
  EXPECT_EQ(crc32c_update(0x1234, {}), 0x1234u);
  EXPECT_EQ(crc64_nvme_update(0x1234, {}), 0x1234u);
}

TEST(Checksummer, KnownValuesForHelloWorld) {
  // CRC32/CRC32C/SHA values as AWS SDKs send them; CRC64NVME cross-checked
  // against an independent bitwise implementation.
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kCrc32, "hello world"), "DUoRhQ==");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kCrc32c, "hello world"), "yZRlqg==");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kCrc64Nvme, "hello world"), "jSnVw/bqjr4=");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kSha1, "hello world"), "Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kSha256, "hello world"),
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
}

TEST(Checksummer, EmptyInputGivesAwsEmptyValues) {
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kCrc32, ""), "AAAAAA==");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kCrc32c, ""), "AAAAAA==");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kCrc64Nvme, ""), "AAAAAAAAAAA=");
  EXPECT_EQ(checksum_b64(ChecksumAlgorithm::kSha256, ""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(Checksummer, RawCrcIsBigEndian) {
  Checksummer c(ChecksumAlgorithm::kCrc32);
  c.update("123456789");
  EXPECT_EQ(c.finish_raw(), std::string("\xCB\xF4\x39\x26", 4));
  Checksummer c64(ChecksumAlgorithm::kCrc64Nvme);
  c64.update("123456789");
  EXPECT_EQ(c64.finish_raw(), std::string("\xAE\x8B\x14\x86\x0A\x79\x98\x88", 8));
}

TEST(Checksummer, IncrementalUpdatesEqualOneShotForEveryAlgorithm) {
  std::string data = random_bytes(10000, 42);
  std::mt19937 rng(1);
  for (auto a : kAll) {
    std::string whole = checksum_b64(a, data);
    for (int trial = 0; trial < 20; ++trial) {
      Checksummer c(a);
      size_t pos = 0;
      while (pos < data.size()) {
        size_t n = std::min<size_t>(data.size() - pos, rng() % 700);
        c.update(std::string_view(data).substr(pos, n));
        pos += n;
      }
      ASSERT_EQ(c.finish_base64(), whole) << checksum_name(a);
    }
  }
}

TEST(Checksummer, FinishResetsForReuse) {
  for (auto a : kAll) {
    Checksummer c(a);
    c.update("first stream");
    (void)c.finish_raw();
    c.update("hello world");
    EXPECT_EQ(c.finish_base64(), checksum_b64(a, "hello world")) << checksum_name(a);
    EXPECT_EQ(c.algorithm(), a);
  }
}

TEST(Checksummer, RawSizeMatchesAlgorithm) {
  for (auto a : kAll) {
    Checksummer c(a);
    c.update("x");
    EXPECT_EQ(c.finish_raw().size(), checksum_raw_size(a)) << checksum_name(a);
  }
}

TEST(ChecksumNames, ParseIsCaseInsensitiveAndRoundTrips) {
  for (auto a : kAll) {
    EXPECT_EQ(parse_checksum_algorithm(checksum_name(a)), a);
    EXPECT_EQ(checksum_algorithm_from_header(checksum_header(a)), a);
  }
  EXPECT_EQ(parse_checksum_algorithm("crc32c"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(parse_checksum_algorithm("Crc64Nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_EQ(parse_checksum_algorithm("sha256"), ChecksumAlgorithm::kSha256);
  EXPECT_EQ(parse_checksum_algorithm("MD5"), std::nullopt);
  EXPECT_EQ(parse_checksum_algorithm(""), std::nullopt);
  EXPECT_EQ(parse_checksum_algorithm("CRC32 "), std::nullopt);
  EXPECT_EQ(checksum_header(ChecksumAlgorithm::kCrc64Nvme), "x-amz-checksum-crc64nvme");
  EXPECT_EQ(checksum_name(ChecksumAlgorithm::kSha1), "SHA1");
  EXPECT_EQ(checksum_algorithm_from_header("X-Amz-Checksum-CRC32"), ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(checksum_algorithm_from_header("x-amz-checksum-md5"), std::nullopt);
}

TEST(ChecksumNames, DecodeRejectsWrongSizeAndBadBase64) {
  EXPECT_TRUE(decode_checksum_base64(ChecksumAlgorithm::kCrc32, "DUoRhQ=="));
  EXPECT_FALSE(decode_checksum_base64(ChecksumAlgorithm::kCrc64Nvme, "DUoRhQ=="));
  EXPECT_FALSE(decode_checksum_base64(ChecksumAlgorithm::kCrc32, "DUoRhQ"));
  EXPECT_FALSE(decode_checksum_base64(ChecksumAlgorithm::kCrc32, "DUo*hQ=="));
  EXPECT_TRUE(checksum_is_crc(ChecksumAlgorithm::kCrc64Nvme));
  EXPECT_FALSE(checksum_is_crc(ChecksumAlgorithm::kSha1));
}

TEST(CompositeChecksum, IsChecksumOfConcatenatedRawPartChecksumsWithPartCount) {
  std::vector<std::string> parts = {"part one", "part two!", "3"};
  for (auto a : kAll) {
    std::vector<std::string> raws;
    std::string concat;
    for (const auto& p : parts) {
      Checksummer c(a);
      c.update(p);
      raws.push_back(c.finish_raw());
      concat += raws.back();
    }
    EXPECT_EQ(composite_checksum_base64(a, raws), checksum_b64(a, concat) + "-3")
        << checksum_name(a);
  }
}

TEST(CompositeChecksum, SinglePartIsChecksumOfItsRawCrcWithSuffixOne) {
  // One part holding "hello world": CRC32 over the 4 raw bytes 0d 4a 11 85.
  Checksummer part(ChecksumAlgorithm::kCrc32);
  part.update("hello world");
  std::string raw = part.finish_raw();
  EXPECT_EQ(composite_checksum_base64(ChecksumAlgorithm::kCrc32, {raw}),
            checksum_b64(ChecksumAlgorithm::kCrc32, std::string("\x0d\x4a\x11\x85", 4)) + "-1");
}

TEST(FullObjectCrc, CombiningPartCrcsEqualsCrcOfWholeObject) {
  std::string data = random_bytes(50000, 9);
  std::mt19937 rng(3);
  for (auto a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme}) {
    Checksummer whole(a);
    whole.update(data);
    std::string expected = whole.finish_raw();
    for (int trial = 0; trial < 10; ++trial) {
      std::vector<std::pair<std::string, uint64_t>> parts;
      size_t pos = 0;
      while (pos < data.size()) {
        size_t n = std::min<size_t>(data.size() - pos, rng() % 9000);  // includes empty parts
        Checksummer c(a);
        c.update(std::string_view(data).substr(pos, n));
        parts.emplace_back(c.finish_raw(), n);
        pos += n;
      }
      auto combined = full_object_crc_raw(a, parts);
      ASSERT_TRUE(combined);
      EXPECT_EQ(*combined, expected) << checksum_name(a);
    }
  }
}

TEST(FullObjectCrc, RejectsShaAndWrongSizedParts) {
  EXPECT_FALSE(full_object_crc_raw(ChecksumAlgorithm::kSha256, {{std::string(32, 'x'), 1}}));
  EXPECT_FALSE(full_object_crc_raw(ChecksumAlgorithm::kCrc32, {{std::string(8, 'x'), 1}}));
  EXPECT_EQ(full_object_crc_raw(ChecksumAlgorithm::kCrc64Nvme, {}), std::string(8, '\0'));
}

}  // namespace
}  // namespace silo
