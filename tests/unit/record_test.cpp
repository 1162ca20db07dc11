#include "storage/record.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace silo::storage {
namespace {

const std::string kUnicode =
    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80";
const std::string kWithNuls("in\0line\0\0data\xFF\x00", 15);

ErasureInfo full_erasure() {
  ErasureInfo e;
  e.data_blocks = 12;
  e.parity_blocks = 4;
  e.block_size = 10 << 20;
  e.index = 16;
  for (uint8_t i = 16; i >= 1; --i) e.distribution.push_back(i);
  e.distribution.push_back(0);
  e.distribution.push_back(255);
  return e;
}

ObjectRecord full_object() {
  ObjectRecord r;
  r.version_id = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo";
  r.data_uuid = "6f1c1b9e-2c0a-4b7e-9a53-0d1e2f3a4b5c";
  r.delete_marker = true;
  r.inlined = true;
  r.mod_time_ns = 1'700'000'000'123'456'789;
  r.size = (int64_t{5} << 40) + 17;
  r.etag = "9b2cf535f27731c974343645a3985328-10000";
  r.storage_class = "REDUCED_REDUNDANCY";
  r.meta = {{"content-type", "text/plain; charset=utf-8"},
            {"x-amz-meta-" + kUnicode, kUnicode},
            {"x-amz-meta-empty", ""},
            {"", "empty name"},
            {"x-amz-meta-nul", std::string("a\0b", 3)}};
  r.checksums = {{"CRC32", "AAAAAA=="}, {"type", "COMPOSITE"}};
  for (uint32_t n = 1; n <= 300; ++n) {
    PartInfo p;
    p.number = n * 33;
    p.size = (int64_t{5} << 20) + n;
    p.etag = std::string(32, static_cast<char>('a' + n % 6));
    if (n % 3 == 0) p.checksums = {{"SHA256", "c2hhMjU2" + std::to_string(n)}};
    r.parts.push_back(std::move(p));
  }
  r.parts.back().number = std::numeric_limits<uint32_t>::max();
  r.erasure = full_erasure();
  r.inline_data = kWithNuls + std::string(70000, '\0') + kWithNuls;
  return r;
}

BucketRecord full_bucket() {
  return {"my.bucket-1", -42, "eu-west-1", 10ull << 40, {{"tagging", "a=b"}, {"policy", "{}"}}};
}

UploadRecord full_upload() {
  UploadRecord r;
  r.bucket = "bkt";
  r.key = "photos/" + kUnicode + "/" + std::string(1000, 'k');
  r.upload_id = "2~iCw_lDY8VoBaGxPfwX9zVxCaGMGm8kHxU";
  r.data_uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  r.initiated_ns = std::numeric_limits<int64_t>::max();
  r.storage_class = "STANDARD_IA";
  r.meta = {{"cache-control", "no-cache"}, {"x-amz-meta-u", kUnicode}};
  r.checksum_algorithm = "CRC64NVME";
  r.checksum_type = "FULL_OBJECT";
  r.erasure = full_erasure();
  return r;
}

PartRecord full_part() {
  PartRecord r;
  r.number = 10000;
  r.size = std::numeric_limits<int64_t>::max();
  r.etag = "d41d8cd98f00b204e9800998ecf8427e";
  r.mod_time_ns = std::numeric_limits<int64_t>::min();
  r.checksums = {{"CRC32C", "yZRlqg=="}, {"SHA1", kWithNuls}};
  return r;
}

// ---- round trips

TEST(RecordCodec, ObjectRoundTripsEveryField) {
  ObjectRecord r = full_object();
  auto back = decode_object(encode(r));
  ASSERT_TRUE(back) << back.error().text();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(back->parts.size(), 300u);
  EXPECT_EQ(back->inline_data.size(), r.inline_data.size());
  EXPECT_EQ(back->meta_value("x-amz-meta-" + kUnicode), kUnicode);
}

TEST(RecordCodec, DefaultObjectRoundTrips) {
  ObjectRecord r;
  auto back = decode_object(encode(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(RecordCodec, ObjectRoundTripsExtremeIntegers) {
  for (int64_t v : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0}, int64_t{127},
                    int64_t{128}, std::numeric_limits<int64_t>::max()}) {
    ObjectRecord r;
    r.mod_time_ns = v;
    r.size = v;
    r.parts.push_back({std::numeric_limits<uint32_t>::max(), v, "", {}});
    r.erasure.block_size = std::numeric_limits<uint32_t>::max();
    auto back = decode_object(encode(r));
    ASSERT_TRUE(back) << v;
    EXPECT_EQ(*back, r) << v;
  }
}

TEST(RecordCodec, ObjectRoundTripsTenThousandParts) {
  ObjectRecord r;
  for (uint32_t n = 1; n <= 10000; ++n) r.parts.push_back({n, n, "e", {}});
  auto back = decode_object(encode(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(RecordCodec, BucketRoundTrips) {
  auto back = decode_bucket(encode(full_bucket()));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, full_bucket());
}

TEST(RecordCodec, BucketRecordsWrittenBeforeLocationsStillDecode) {
  // Version 1 layout: magic, version, name, created_ns (zigzag-free varint).
  std::string v1 = std::string("\x52\x01", 2) + "\x03" + "abc" + "\x07";
  auto back = decode_bucket(v1);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, "abc");
  EXPECT_EQ(back->created_ns, 7);
  EXPECT_EQ(back->location, "");
}

TEST(RecordCodec, BucketRecordsWrittenBeforeQuotasStillDecode) {
  // Version 2 layout: magic, version, name, created_ns, location.
  std::string v2 = std::string("\x52\x02", 2) + "\x03" + "abc" + "\x07" + "\x02" + "eu";
  auto back = decode_bucket(v2);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->location, "eu");
  EXPECT_EQ(back->quota_bytes, 0u);
}

TEST(RecordCodec, BucketRecordsWrittenBeforeConfigurationsStillDecode) {
  // Version 3 layout: magic, version, name, created_ns, location, quota.
  std::string v3 = std::string("\x52\x03", 2) + "\x03" + "abc" + "\x07" + "\x02" + "eu" + "\x05";
  auto back = decode_bucket(v3);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->quota_bytes, 5u);
  EXPECT_TRUE(back->configs.empty());
}

TEST(RecordCodec, UploadRoundTripsEveryField) {
  auto back = decode_upload(encode(full_upload()));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, full_upload());
}

TEST(RecordCodec, PartRoundTripsEveryField) {
  auto back = decode_part(encode(full_part()));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, full_part());
}

TEST(RecordCodec, MetaValueFindsExactNameOnly) {
  ObjectRecord r = full_object();
  EXPECT_EQ(r.meta_value("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.meta_value("Content-Type"), "");
  EXPECT_EQ(r.meta_value("missing"), "");
}

// ---- rejecting bad bytes

template <typename Decode>
void expect_every_truncation_fails(const std::string& bytes, Decode decode) {
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " of " << bytes.size() << " bytes decoded";
    EXPECT_EQ(r.error().code, ErrorCode::kInternalError);
  }
}

TEST(RecordCodec, EveryTruncationIsAnError) {
  ObjectRecord small = full_object();
  small.parts.resize(3);
  small.inline_data = kWithNuls;
  expect_every_truncation_fails(encode(small), decode_object);
  expect_every_truncation_fails(encode(full_bucket()), decode_bucket);
  expect_every_truncation_fails(encode(full_upload()), decode_upload);
  expect_every_truncation_fails(encode(full_part()), decode_part);
}

TEST(RecordCodec, LargeRecordTruncatedAnywhereIsAnError) {
  std::string bytes = encode(full_object());
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, bytes.size() / 3, bytes.size() / 2,
                   bytes.size() - 70000, bytes.size() - 1}) {
    EXPECT_FALSE(decode_object(std::string_view(bytes).substr(0, n))) << n;
  }
}

TEST(RecordCodec, TrailingBytesAreAnError) {
  for (std::string extra : {std::string(1, '\0'), std::string("x"), std::string(100, '\x80')}) {
    EXPECT_FALSE(decode_object(encode(full_object()) + extra));
    EXPECT_FALSE(decode_object(encode(ObjectRecord{}) + extra));
    EXPECT_FALSE(decode_bucket(encode(full_bucket()) + extra));
    EXPECT_FALSE(decode_upload(encode(full_upload()) + extra));
    EXPECT_FALSE(decode_part(encode(full_part()) + extra));
  }
}

TEST(RecordCodec, WrongMagicIsAnError) {
  // Each record kind refuses the bytes of every other kind.
  std::string object = encode(full_object()), bucket = encode(full_bucket()),
              upload = encode(full_upload()), part = encode(full_part());
  EXPECT_FALSE(decode_object(bucket));
  EXPECT_FALSE(decode_object(upload));
  EXPECT_FALSE(decode_object(part));
  EXPECT_FALSE(decode_bucket(object));
  EXPECT_FALSE(decode_bucket(upload));
  EXPECT_FALSE(decode_upload(part));
  EXPECT_FALSE(decode_part(bucket));
  for (int magic = 0; magic < 256; ++magic) {
    std::string b = bucket;
    b[0] = static_cast<char>(magic);
    EXPECT_EQ(decode_bucket(b).has_value(), b == bucket) << magic;
  }
}

TEST(RecordCodec, UnknownCodecVersionIsAnError) {
  for (int version : {0, 2, 0x7F, 0xFF}) {
    std::string b = encode(full_object());
    b[1] = static_cast<char>(version);
    EXPECT_FALSE(decode_object(b)) << version;
    std::string p = encode(full_part());
    p[1] = static_cast<char>(version);
    EXPECT_FALSE(decode_part(p)) << version;
  }
}

TEST(RecordCodec, EmptyAndTinyInputsAreErrors) {
  EXPECT_FALSE(decode_object(""));
  EXPECT_FALSE(decode_bucket(""));
  EXPECT_FALSE(decode_upload(""));
  EXPECT_FALSE(decode_part(""));
  EXPECT_FALSE(decode_object(std::string(1, encode(ObjectRecord{})[0])));
  EXPECT_FALSE(decode_bucket(encode(BucketRecord{}).substr(0, 2)));
}

// Hand-built bytes for checks that need field values encode() never makes.
std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}

TEST(RecordCodec, HandBuiltPartBytesDecode) {
  // Guards the hand-built layout the next tests rely on.
  std::string b =
      std::string("\x54\x01", 2) + varint(7) + varint(9) + varint(1) + "e" + varint(11) + varint(0);
  auto r = decode_part(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->number, 7u);
  EXPECT_EQ(r->size, 9);
  EXPECT_EQ(r->etag, "e");
  EXPECT_EQ(r->mod_time_ns, 11);
  EXPECT_EQ(b, encode(*r));
}

TEST(RecordCodec, PartNumberAbove32BitsIsAnError) {
  std::string b = std::string("\x54\x01", 2) + varint(uint64_t{1} << 32) + varint(9) + varint(1) +
                  "e" + varint(11) + varint(0);
  EXPECT_FALSE(decode_part(b));
}

TEST(RecordCodec, VarintLongerThanTenBytesIsAnError) {
  std::string b = std::string("\x54\x01", 2) + std::string(11, '\x80') + varint(0) + varint(9) +
                  varint(0) + varint(11) + varint(0);
  EXPECT_FALSE(decode_part(b));
}

TEST(RecordCodec, StringLengthBeyondInputIsAnError) {
  std::string b = std::string("\x54\x01", 2) + varint(7) + varint(9) +
                  varint(std::numeric_limits<uint64_t>::max()) + "e" + varint(11) + varint(0);
  EXPECT_FALSE(decode_part(b));
  b = std::string("\x52\x01", 2) + varint(4) + "abc";
  EXPECT_FALSE(decode_bucket(b));
}

TEST(RecordCodec, HugeKeyValueCountIsAnErrorWithoutHugeAllocation) {
  std::string b = std::string("\x54\x01", 2) + varint(7) + varint(9) + varint(1) + "e" +
                  varint(11) + varint(uint64_t{1} << 60);
  EXPECT_FALSE(decode_part(b));
}

TEST(RecordCodec, MoreThanTenThousandPartsIsAnError) {
  ObjectRecord r;
  for (uint32_t n = 1; n <= 10001; ++n) r.parts.push_back({n, 0, "", {}});
  EXPECT_FALSE(decode_object(encode(r)));
}

// Mutated records must decode to an error or to a record that encodes and
// decodes consistently; never crash, hang or read out of bounds (ASan checks).
template <typename Decode>
void fuzz(const std::string& original, Decode decode, uint32_t seed, int rounds) {
  std::mt19937 rng(seed);
  int decoded = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string b = original;
    switch (rng() % 5) {
      case 0:  // flip one byte
        b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 1:  // scramble a few bytes
        for (int k = 0, n = 1 + static_cast<int>(rng() % 8); k < n; ++k) {
          b[rng() % b.size()] = static_cast<char>(rng());
        }
        break;
      case 2:  // cut somewhere and flip
        b.resize(rng() % b.size());
        if (!b.empty()) b[rng() % b.size()] ^= static_cast<char>(0x80);
        break;
      case 3:  // insert random bytes
        b.insert(rng() % b.size(), std::string(1 + rng() % 4, static_cast<char>(rng())));
        break;
      default:  // erase a few bytes
        b.erase(rng() % b.size(), 1 + rng() % 4);
        break;
    }
    if (b.size() >= 2 && rng() % 4 == 0) b[0] = original[0], b[1] = original[1];
    auto r = decode(b);
    if (!r) {
      ASSERT_EQ(r.error().code, ErrorCode::kInternalError);
      continue;
    }
    ++decoded;
    auto again = decode(encode(*r));
    ASSERT_TRUE(again) << "round " << round;
    ASSERT_TRUE(*again == *r) << "round " << round;
  }
  // Most single-byte flips inside string bodies still decode.
  EXPECT_GT(decoded, 0);
}

TEST(RecordCodec, RandomCorruptionOfObjectNeverCrashes) {
  ObjectRecord r = full_object();
  r.parts.resize(20);
  r.inline_data = kWithNuls + std::string(200, 'x');
  fuzz(encode(r), decode_object, 1, 2000);
}

TEST(RecordCodec, RandomCorruptionOfUploadNeverCrashes) {
  fuzz(encode(full_upload()), decode_upload, 2, 2000);
}

TEST(RecordCodec, RandomCorruptionOfPartNeverCrashes) {
  fuzz(encode(full_part()), decode_part, 3, 2000);
}

TEST(RecordCodec, RandomCorruptionOfBucketNeverCrashes) {
  fuzz(encode(full_bucket()), decode_bucket, 4, 2000);
}

// Found while fuzzing (tests/fuzz/record_fuzz was slowed by it): a corrupt
// part count up to 10,000 reserved room for that many parts before failing.
// A count larger than the bytes left can hold (4 per part at least) fails
// at once; exactly that many minimal parts still decode.
TEST(RecordCodec, PartCountBeyondTheBytesLeftIsCorrupt) {
  ObjectRecord r;
  r.parts.resize(3);
  std::string bytes = encode(r);
  ASSERT_TRUE(decode_object(bytes));
  // The same record with a part count of 9999 and nothing else after it.
  std::string e = encode(ObjectRecord{});
  // magic, version, 2 strings, 2 booleans, 2 integers, 2 strings, 2 lists:
  // one byte each when empty; then the part count.
  const size_t at = 12;
  ASSERT_EQ(e[at], 0);
  e[at] = static_cast<char>(0x8F);  // 9999 = 0x270F as a varint: 8F 4E
  e.insert(at + 1, 1, static_cast<char>(0x4E));
  auto d = decode_object(e);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kInternalError);
}

TEST(RecordCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(5);
  const uint8_t magics[] = {0x51, 0x52, 0x53, 0x54};
  for (int round = 0; round < 600; ++round) {
    std::string b(2 + rng() % 64, '\0');
    for (char& c : b) c = static_cast<char>(rng());
    b[0] = static_cast<char>(magics[round % 4]);
    b[1] = 1;
    // Only outcome checked: no crash, and errors carry InternalError.
    auto o = decode_object(b);
    auto u = decode_upload(b);
    auto p = decode_part(b);
    auto k = decode_bucket(b);
    if (!o) {
      ASSERT_EQ(o.error().code, ErrorCode::kInternalError);
    }
    if (!u) {
      ASSERT_EQ(u.error().code, ErrorCode::kInternalError);
    }
    if (!p) {
      ASSERT_EQ(p.error().code, ErrorCode::kInternalError);
    }
    if (!k) {
      ASSERT_EQ(k.error().code, ErrorCode::kInternalError);
    }
  }
}

}  // namespace
}  // namespace silo::storage
