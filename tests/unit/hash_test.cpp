// The OpenSSL-backed hashing helpers of common/hash.h against published test
// vectors (RFC 2202 for HMAC-SHA1, RFC 4231 for HMAC-SHA256).
#include "common/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace silo {
namespace {

TEST(HmacSha1, MatchesRfc2202Vectors) {
  EXPECT_EQ(hex_encode(hmac_sha1_raw(std::string(20, '\x0b'), "Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(hex_encode(hmac_sha1_raw("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(hex_encode(hmac_sha1_raw(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
}

TEST(HmacSha1, KeyLongerThanABlockIsHashedFirst) {
  EXPECT_EQ(hex_encode(hmac_sha1_raw(std::string(80, '\xaa'),
                                     "Test Using Larger Than Block-Size Key - Hash Key First")),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(HmacSha1, DigestIsTwentyRawBytes) {
  EXPECT_EQ(hmac_sha1_raw("key", "").size(), 20u);
  EXPECT_EQ(base64_encode(hmac_sha1_raw("key", "")).size(), 28u);
}

TEST(HmacSha256, MatchesRfc4231Vectors) {
  EXPECT_EQ(hex_encode(hmac_sha256_raw(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex_encode(hmac_sha256_raw("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace silo
