#include "s3/sse_stream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/hash.h"

namespace silo::s3::sse {
namespace {

// An object layer writer and reader over a string: what the drives hold.
class MemoryWriter final : public object::ObjectWriter {
 public:
  explicit MemoryWriter(std::string* out) : out_(out) {}
  Status write(std::span<const uint8_t> data) override {
    out_->append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  Result<object::ObjectInfo> commit(const object::PutFinal& final) override {
    object::ObjectInfo info;
    info.size = static_cast<int64_t>(out_->size());
    info.etag = final.etag ? *final.etag : hex_encode(md5_raw(*out_));
    return info;
  }
  uint64_t bytes_written() const override { return out_->size(); }
  std::string md5_hex() override { return hex_encode(md5_raw(*out_)); }
  std::string* out_;
};

class MemoryReader final : public object::ObjectReader {
 public:
  MemoryReader(std::string data, object::ObjectInfo info)
      : data_(std::move(data)), info_(std::move(info)), end_(data_.size()) {}
  const object::ObjectInfo& info() const override { return info_; }
  void set_range(uint64_t offset, uint64_t length) override {
    pos_ = offset;
    end_ = offset + length;
  }
  Result<size_t> read(std::span<uint8_t> out) override {
    // Short reads on purpose: callers must loop.
    size_t n = std::min<uint64_t>({out.size(), end_ - pos_, 10000});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::string data_;
  object::ObjectInfo info_;
  uint64_t pos_ = 0, end_;
};

std::string pattern(size_t n, uint8_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 131 + seed + (i >> 16));
  return s;
}

Sealing test_sealing(Mode mode = Mode::kS3) {
  Sealing s;
  s.mode = mode;
  s.key.fill(0x42);
  return s;
}

// Encrypts `plain` as stream `part` in writes of `chunk` bytes.
std::string encrypt(const std::string& plain, uint32_t part, size_t chunk, std::string* etag) {
  std::string stored;
  auto w = encrypting_writer(std::make_unique<MemoryWriter>(&stored), test_sealing(), part);
  EXPECT_TRUE(w);
  for (size_t at = 0; at < plain.size(); at += chunk) {
    size_t n = std::min(chunk, plain.size() - at);
    EXPECT_TRUE((*w)->write({reinterpret_cast<const uint8_t*>(plain.data()) + at, n}));
  }
  auto info = (*w)->commit({});
  EXPECT_TRUE(info);
  EXPECT_EQ(info->size, static_cast<int64_t>(plain.size()));
  if (etag) *etag = info->etag;
  return stored;
}

object::ObjectInfo stored_info(const std::string& stored) {
  object::ObjectInfo info;
  info.size = static_cast<int64_t>(stored.size());
  info.meta = {{std::string(kModeMeta), "S3"}};
  return info;
}

Result<std::string> read_range(const std::string& stored, const object::ObjectInfo& info,
                               uint64_t offset, uint64_t length) {
  auto r = decrypting_reader(std::make_unique<MemoryReader>(stored, info), test_sealing());
  if (!r) return std::unexpected(r.error());
  (*r)->set_range(offset, length);
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    auto n = (*r)->read({reinterpret_cast<uint8_t*>(out.data()) + got,
                         std::min<size_t>(length - got, 70000)});
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

TEST(SseStream, WholeObjectRoundTripsWithPlaintextEtagAndSize) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{65536}, size_t{65537}, size_t{300001}}) {
    for (size_t chunk : {size_t{1000}, size_t{65536}, size_t{1} << 20}) {
      auto plain = pattern(size, 3);
      std::string etag;
      auto stored = encrypt(plain, 1, chunk, &etag);
      EXPECT_EQ(stored.size(), crypto::sealed_size(size));
      EXPECT_EQ(stored.find(plain.substr(0, std::min<size_t>(size, 64))),
                size < 64 ? stored.find(plain) : std::string::npos);
      EXPECT_EQ(etag, hex_encode(md5_raw(plain)));
      auto info = stored_info(stored);
      auto r = decrypting_reader(std::make_unique<MemoryReader>(stored, info), test_sealing());
      ASSERT_TRUE(r);
      EXPECT_EQ((*r)->info().size, static_cast<int64_t>(size));
      if (size > 0) {
        EXPECT_EQ(*read_range(stored, info, 0, size), plain) << size << " " << chunk;
      }
    }
  }
}

TEST(SseStream, RangesAcrossPackagesAndPartsDecryptExactly) {
  // Two parts (1 and 3: part numbers need not follow each other).
  auto p1 = pattern(5 * crypto::kPackageSize + 1000, 1), p3 = pattern(70000, 9);
  auto s1 = encrypt(p1, 1, 1 << 20, nullptr), s3 = encrypt(p3, 3, 4096, nullptr);
  auto info = stored_info(s1 + s3);
  info.parts = {{1, static_cast<int64_t>(s1.size()), "a", {}},
                {3, static_cast<int64_t>(s3.size()), "b", {}}};
  std::string plain = p1 + p3;
  auto view = info;
  ASSERT_TRUE(client_view(view));
  EXPECT_EQ(view.size, static_cast<int64_t>(plain.size()));
  EXPECT_EQ(view.parts[1].size, 70000);
  ASSERT_TRUE(client_view(view));  // a second view changes nothing
  EXPECT_EQ(view.size, static_cast<int64_t>(plain.size()));
  struct Case { uint64_t offset, length; };
  for (auto c : {Case{0, 1}, Case{65535, 2}, Case{65536, 65536}, Case{100, 300000},
                 Case{p1.size() - 10, 20}, Case{p1.size(), 70000}, Case{0, plain.size()},
                 Case{plain.size() - 1, 1}}) {
    auto got = read_range(s1 + s3, info, c.offset, c.length);
    ASSERT_TRUE(got) << c.offset;
    EXPECT_EQ(*got, plain.substr(c.offset, c.length)) << c.offset << "+" << c.length;
  }
  // A pool move keeps the bytes but not the parts: the recorded layout serves.
  auto recorded = info;
  ASSERT_TRUE(record_streams(recorded));
  recorded.parts.clear();
  EXPECT_EQ(*read_range(s1 + s3, recorded, p1.size() - 5, 10), plain.substr(p1.size() - 5, 10));
}

TEST(SseStream, ChangedByteFailsReadsOfItsPackageOnly) {
  auto plain = pattern(4 * crypto::kPackageSize, 5);
  auto stored = encrypt(plain, 1, 1 << 20, nullptr);
  auto info = stored_info(stored);
  stored[crypto::package_offset(2) + 77] ^= 0x10;
  EXPECT_FALSE(read_range(stored, info, 2 * crypto::kPackageSize + 5, 10));
  EXPECT_FALSE(read_range(stored, info, 0, plain.size()));
  auto fine = read_range(stored, info, crypto::kPackageSize, crypto::kPackageSize);
  ASSERT_TRUE(fine);
  EXPECT_EQ(*fine, plain.substr(crypto::kPackageSize, crypto::kPackageSize));
  // A stream cut after a whole package does not pass as complete.
  auto cut = encrypt(plain, 1, 1 << 20, nullptr);
  cut.resize(crypto::package_offset(3));
  EXPECT_FALSE(read_range(cut, stored_info(cut), 0, 3 * crypto::kPackageSize));
}

TEST(SseStream, CustomerKeyedObjectsKeepStoredEtag) {
  std::string stored;
  auto w = encrypting_writer(std::make_unique<MemoryWriter>(&stored), test_sealing(Mode::kCustomer), 1);
  auto plain = pattern(1000, 1);
  ASSERT_TRUE((*w)->write({reinterpret_cast<const uint8_t*>(plain.data()), plain.size()}));
  EXPECT_EQ((*w)->md5_hex(), hex_encode(md5_raw(plain)));  // Content-MD5 checks the plaintext
  auto info = (*w)->commit({});
  EXPECT_EQ(info->etag, hex_encode(md5_raw(stored)));
}

}  // namespace
}  // namespace silo::s3::sse
