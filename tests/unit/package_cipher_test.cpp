#include "crypto/package_cipher.h"

#include <gtest/gtest.h>

#include <vector>

namespace silo::crypto {
namespace {

Key test_key(uint8_t fill) {
  Key k;
  k.fill(fill);
  return k;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 31 + 7);
  return v;
}

// Seals `plain` as one stream the way the writer lays it out.
std::vector<uint8_t> seal_stream(StreamCipher& c, const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> out(c.header().begin(), c.header().end());
  uint64_t packages = package_count(plain.size());
  for (uint64_t i = 0; i < packages; ++i) {
    size_t len = package_plain_size(plain.size(), i);
    std::vector<uint8_t> sealed(len + kTagSize);
    EXPECT_TRUE(c.seal(i, i + 1 == packages, {plain.data() + i * kPackageSize, len}, sealed));
    out.insert(out.end(), sealed.begin(), sealed.end());
  }
  return out;
}

TEST(PackageCipher, SizesMapBothWays) {
  for (uint64_t plain : {0ull, 1ull, 65535ull, 65536ull, 65537ull, 131072ull, 5ull << 20,
                         (5ull << 20) + 3}) {
    uint64_t sealed = sealed_size(plain);
    EXPECT_EQ(sealed, kStreamHeaderSize + plain + kTagSize * package_count(plain));
    ASSERT_TRUE(plain_size(sealed).has_value()) << plain;
    EXPECT_EQ(*plain_size(sealed), plain);
  }
  EXPECT_EQ(package_count(0), 1u);
  EXPECT_FALSE(plain_size(10).has_value());
  // Between a full package and the next one's tag no plaintext fits.
  EXPECT_FALSE(plain_size(sealed_size(65536) + 5).has_value());
}

TEST(PackageCipher, SealedRangeCoversWholePackagesTouched) {
  uint64_t plain = 3 * kPackageSize + 100;
  auto r = sealed_range(plain, kPackageSize - 1, 2);  // crosses packages 0 and 1
  EXPECT_EQ(r.first_package, 0u);
  EXPECT_EQ(r.offset, kStreamHeaderSize);
  EXPECT_EQ(r.length, 2 * kSealedPackageSize);
  r = sealed_range(plain, 3 * kPackageSize + 10, 5);  // the short last package
  EXPECT_EQ(r.first_package, 3u);
  EXPECT_EQ(r.offset, package_offset(3));
  EXPECT_EQ(r.length, 100 + kTagSize);
}

TEST(PackageCipher, RoundTripsAndEveryChangedByteFails) {
  auto plain = pattern(2 * kPackageSize + 17);
  auto enc = StreamCipher::create(test_key(1), 3);
  ASSERT_TRUE(enc);
  auto stored = seal_stream(*enc, plain);
  ASSERT_EQ(stored.size(), sealed_size(plain.size()));
  auto dec = StreamCipher::resume(test_key(1), 3, {stored.data(), kStreamHeaderSize});
  ASSERT_TRUE(dec);
  std::vector<uint8_t> out(kPackageSize);
  for (uint64_t i = 0; i < 3; ++i) {
    size_t len = package_plain_size(plain.size(), i);
    ASSERT_TRUE(dec->open(i, i == 2, {stored.data() + package_offset(i), len + kTagSize},
                          {out.data(), len}));
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + len, plain.begin() + i * kPackageSize));
  }
  // A flipped bit anywhere in a package, its tag included, fails it.
  for (size_t at : {size_t{0}, size_t{1000}, kPackageSize, kPackageSize + kTagSize - 1}) {
    auto bad = stored;
    bad[package_offset(0) + at] ^= 0x01;
    EXPECT_FALSE(dec->open(0, false, {bad.data() + package_offset(0), kSealedPackageSize},
                           {out.data(), kPackageSize}))
        << at;
  }
}

TEST(PackageCipher, PackagesAreBoundToIndexLastFlagPartAndKey) {
  auto plain = pattern(2 * kPackageSize);
  auto enc = StreamCipher::create(test_key(1), 1);
  ASSERT_TRUE(enc);
  auto stored = seal_stream(*enc, plain);
  std::span<const uint8_t> header{stored.data(), kStreamHeaderSize};
  std::span<const uint8_t> first{stored.data() + package_offset(0), kSealedPackageSize};
  std::vector<uint8_t> out(kPackageSize);
  auto same = StreamCipher::resume(test_key(1), 1, header);
  EXPECT_TRUE(same->open(0, false, first, out));
  EXPECT_FALSE(same->open(1, false, first, out));  // moved to another index
  EXPECT_FALSE(same->open(0, true, first, out));   // presented as the last package
  EXPECT_FALSE(StreamCipher::resume(test_key(1), 2, header)->open(0, false, first, out));
  EXPECT_FALSE(StreamCipher::resume(test_key(2), 1, header)->open(0, false, first, out));
}

TEST(PackageCipher, EveryStreamHasItsOwnSalt) {
  // The same part uploaded twice must not reuse (key, nonce): the salts,
  // hence the stream keys, differ, and so do the sealed bytes.
  auto plain = pattern(1000);
  auto a = StreamCipher::create(test_key(1), 1);
  auto b = StreamCipher::create(test_key(1), 1);
  EXPECT_NE(a->header(), b->header());
  EXPECT_NE(seal_stream(*a, plain), seal_stream(*b, plain));
  std::vector<uint8_t> not_header(kStreamHeaderSize, 0);
  EXPECT_FALSE(StreamCipher::resume(test_key(1), 1, not_header));
}

}  // namespace
}  // namespace silo::crypto
