#include "object/multipart_checksum.h"

#include <gtest/gtest.h>

#include "common/checksum.h"
#include "common/hash.h"

namespace silo::object {
namespace {

using storage::KeyValues;
using storage::PartInfo;
using storage::UploadRecord;

std::string b64(ChecksumAlgorithm a, std::string_view data) {
  Checksummer c(a);
  c.update(data);
  return c.finish_base64();
}

std::string raw(ChecksumAlgorithm a, std::string_view data) {
  Checksummer c(a);
  c.update(data);
  return c.finish_raw();
}

const std::string kPart1(5 << 20, 'a');
const std::string kPart2 = "the last part";

std::vector<PartInfo> parts_with(ChecksumAlgorithm a) {
  std::string name(checksum_name(a));
  return {{1, static_cast<int64_t>(kPart1.size()), "e1", {{name, b64(a, kPart1)}}},
          {2, static_cast<int64_t>(kPart2.size()), "e2", {{name, b64(a, kPart2)}}}};
}

UploadRecord upload(std::string algorithm, std::string type) {
  UploadRecord u;
  u.checksum_algorithm = std::move(algorithm);
  u.checksum_type = std::move(type);
  return u;
}

std::string value_of(const KeyValues& kv, std::string_view name) {
  for (const auto& [k, v] : kv) {
    if (k == name) return v;
  }
  return {};
}

std::string composite(ChecksumAlgorithm a) {
  return b64(a, raw(a, kPart1) + raw(a, kPart2)) + "-2";
}

TEST(MultipartChecksum, CompositeIsChecksumOfPartChecksumsWithPartCount) {
  auto got = multipart_object_checksum("SHA256", "COMPOSITE", parts_with(ChecksumAlgorithm::kSha256));
  ASSERT_TRUE(got);
  EXPECT_EQ(value_of(*got, "SHA256"), composite(ChecksumAlgorithm::kSha256));
  EXPECT_EQ(value_of(*got, "type"), "COMPOSITE");
}

TEST(MultipartChecksum, FullObjectCrcEqualsCrcOfWholeObject) {
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme}) {
    auto got = multipart_object_checksum(checksum_name(a), "FULL_OBJECT", parts_with(a));
    ASSERT_TRUE(got);
    EXPECT_EQ(value_of(*got, std::string(checksum_name(a))), b64(a, kPart1 + kPart2));
  }
}

TEST(MultipartChecksum, Crc64NvmeWithoutTypeIsFullObject) {
  auto got = multipart_object_checksum("CRC64NVME", "", parts_with(ChecksumAlgorithm::kCrc64Nvme));
  ASSERT_TRUE(got);
  EXPECT_EQ(value_of(*got, "type"), "FULL_OBJECT");
}

TEST(MultipartChecksum, PartWithoutChecksumIsInvalidPart) {
  auto parts = parts_with(ChecksumAlgorithm::kCrc32);
  parts[1].checksums.clear();
  auto got = multipart_object_checksum("CRC32", "COMPOSITE", parts);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidPart);
}

TEST(CompleteChecksums, CompositeAssertionAcceptedWithOrWithoutPartCount) {
  auto a = ChecksumAlgorithm::kCrc32c;
  std::string value = composite(a);
  for (const std::string& sent : {value, value.substr(0, value.rfind('-'))}) {
    auto got = complete_checksums(upload("CRC32C", "COMPOSITE"), parts_with(a), {"CRC32C", sent, ""});
    ASSERT_TRUE(got) << sent << ": " << got.error().text();
    EXPECT_EQ(value_of(*got, "CRC32C"), value);
  }
}

TEST(CompleteChecksums, WrongAssertionIsBadDigest) {
  auto a = ChecksumAlgorithm::kCrc32c;
  for (const std::string& sent : {b64(a, "other"), composite(a) + "0", b64(a, kPart1 + kPart2)}) {
    auto got = complete_checksums(upload("CRC32C", "COMPOSITE"), parts_with(a), {"CRC32C", sent, ""});
    ASSERT_FALSE(got) << sent;
    EXPECT_EQ(got.error().code, ErrorCode::kBadDigest) << sent;
  }
}

TEST(CompleteChecksums, FullObjectAssertionIsTheWholeObjectsCrc) {
  auto a = ChecksumAlgorithm::kCrc32;
  auto up = upload("CRC32", "FULL_OBJECT");
  EXPECT_TRUE(complete_checksums(up, parts_with(a), {"CRC32", b64(a, kPart1 + kPart2), ""}));
  auto bad = complete_checksums(up, parts_with(a), {"CRC32", composite(a), ""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadDigest);
}

TEST(CompleteChecksums, MalformedValueIsInvalidRequest) {
  auto got = complete_checksums(upload("CRC32", "COMPOSITE"), parts_with(ChecksumAlgorithm::kCrc32),
                                {"CRC32", "not base64!", ""});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidRequest);
}

TEST(CompleteChecksums, TypeMustMatchTheUploadsMode) {
  auto a = ChecksumAlgorithm::kCrc32;
  EXPECT_TRUE(complete_checksums(upload("CRC32", "COMPOSITE"), parts_with(a), {"", "", "COMPOSITE"}));
  auto other = complete_checksums(upload("CRC32", "COMPOSITE"), parts_with(a), {"", "", "FULL_OBJECT"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidRequest);
  auto none = complete_checksums(upload("", ""), parts_with(a), {"", "", "COMPOSITE"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidRequest);
}

TEST(CompleteChecksums, AlgorithmMustMatchTheUploads) {
  auto got = complete_checksums(upload("CRC32", "COMPOSITE"), parts_with(ChecksumAlgorithm::kCrc32),
                                {"SHA1", b64(ChecksumAlgorithm::kSha1, "x"), ""});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidRequest);
}

TEST(CompleteChecksums, UploadWithoutAlgorithmVerifiesAgainstPartChecksums) {
  auto a = ChecksumAlgorithm::kCrc32c;
  auto up = upload("", "");
  auto as_composite = complete_checksums(up, parts_with(a), {"CRC32C", composite(a), ""});
  ASSERT_TRUE(as_composite);
  EXPECT_EQ(value_of(*as_composite, "type"), "COMPOSITE");
  auto as_full = complete_checksums(up, parts_with(a), {"CRC32C", b64(a, kPart1 + kPart2), ""});
  ASSERT_TRUE(as_full);
  EXPECT_EQ(value_of(*as_full, "type"), "FULL_OBJECT");
  auto wrong = complete_checksums(up, parts_with(a), {"CRC32C", b64(a, "x"), ""});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kBadDigest);
  auto unverifiable = complete_checksums(up, parts_with(ChecksumAlgorithm::kSha1),
                                         {"CRC32C", composite(a), ""});
  ASSERT_FALSE(unverifiable);
  EXPECT_EQ(unverifiable.error().code, ErrorCode::kInvalidRequest);
}

TEST(CompleteChecksums, NoAssertionKeepsTheComputedChecksum) {
  auto got = complete_checksums(upload("SHA1", "COMPOSITE"), parts_with(ChecksumAlgorithm::kSha1), {});
  ASSERT_TRUE(got);
  EXPECT_EQ(value_of(*got, "SHA1"), composite(ChecksumAlgorithm::kSha1));
  auto none = complete_checksums(upload("", ""), parts_with(ChecksumAlgorithm::kSha1), {});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace silo::object
