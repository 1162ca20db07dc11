#include "common/strings.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/time.h"

namespace silo {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// ---- uri_encode / uri_decode

TEST(UriEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uri_encode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b+c=d&e", false), "a%20b%2Bc%3Dd%26e");
  EXPECT_EQ(uri_encode("*'()!", false), "%2A%27%28%29%21");
}

TEST(UriEncode, SlashIsEncodedUnlessKept) {
  EXPECT_EQ(uri_encode("a/b/c", false), "a%2Fb%2Fc");
  EXPECT_EQ(uri_encode("a/b/c", true), "a/b/c");
}

TEST(UriEncode, UsesUpperCaseHexForEveryByteOfUtf8) {
  EXPECT_EQ(uri_encode("\xC3\xA9", false), "%C3%A9");
  EXPECT_EQ(uri_encode("\xE6\x97\xA5", false), "%E6%97%A5");
  EXPECT_EQ(uri_encode(std::string("\0\xFF", 2), false), "%00%FF");
}

TEST(UriEncode, EmptyStringStaysEmpty) { EXPECT_EQ(uri_encode("", true), ""); }

TEST(UriDecode, DecodesEscapesOfEitherCase) {
  EXPECT_EQ(uri_decode("%41%2f%2F%c3%A9"), "A//\xC3\xA9");
  EXPECT_EQ(uri_decode("plain"), "plain");
  EXPECT_EQ(uri_decode(""), "");
}

TEST(UriDecode, DecodesNulEscapeToNulByte) {
  auto s = uri_decode("a%00b");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, std::string("a\0b", 3));
}

TEST(UriDecode, PlusIsSpaceOnlyInFormMode) {
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("a+b", true), "a b");
  EXPECT_EQ(uri_decode("a%2Bb", true), "a+b");
}

TEST(UriDecode, RejectsMalformedEscapes) {
  for (const char* bad : {"%", "%4", "a%", "a%4", "%zz", "%G0", "%0G", "%%41", "abc%2"}) {
    EXPECT_FALSE(uri_decode(bad)) << bad;
  }
}

TEST(UriDecode, EscapeAtTheVeryEndIsAccepted) {
  EXPECT_EQ(uri_decode("ab%41"), "abA");
  EXPECT_EQ(uri_decode("%41"), "A");
}

TEST(UriDecode, InvertsUriEncodeForArbitraryBytes) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xFF);
    for (bool keep : {false, true}) {
      auto back = uri_decode(uri_encode(s, keep));
      ASSERT_TRUE(back);
      ASSERT_EQ(*back, s);
    }
  }
}

// ---- parse_query

TEST(ParseQuery, SplitsPairsInWireOrderAndDecodes) {
  auto q = parse_query("b=2&a=1&prefix=photos%2F2020&delimiter=%2F");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"b", "2"}, {"a", "1"}, {"prefix", "photos/2020"}, {"delimiter", "/"}}));
}

TEST(ParseQuery, NameWithoutValueHasEmptyValue) {
  auto q = parse_query("uploads&versioning=&x");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"uploads", ""}, {"versioning", ""}, {"x", ""}}));
}

TEST(ParseQuery, SkipsEmptySegments) {
  auto q = parse_query("&&a=1&&");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"a", "1"}}));
}

TEST(ParseQuery, EmptyQueryHasNoPairs) {
  auto q = parse_query("");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->empty());
}

TEST(ParseQuery, ValueKeepsLaterEqualsSigns) {
  auto q = parse_query("a=b=c&=v");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"a", "b=c"}, {"", "v"}}));
}

TEST(ParseQuery, PlusDecodesToSpaceInNamesAndValues) {
  auto q = parse_query("a+b=c+d%2B");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"a b", "c d+"}}));
}

TEST(ParseQuery, PlusStaysLiteralWhenNotFormEncoded) {
  auto q = parse_query("a+b=c+d%2B%20", false);
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"a+b", "c+d+ "}}));
}

TEST(ParseQuery, KeepsRepeatedNames) {
  auto q = parse_query("a=1&a=2");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Pairs{{"a", "1"}, {"a", "2"}}));
}

TEST(ParseQuery, MalformedEscapeInNameOrValueFailsWholeQuery) {
  EXPECT_FALSE(parse_query("a=1&b=%ZZ"));
  EXPECT_FALSE(parse_query("%4=1"));
  EXPECT_FALSE(parse_query("a=%"));
}

// ---- case and whitespace helpers

TEST(Strings, ToLowerFoldsAsciiOnly) {
  EXPECT_EQ(to_lower("Content-TYPE"), "content-type");
  EXPECT_EQ(to_lower("\xC3\x89"), "\xC3\x89");  // É is left alone
}

TEST(Strings, IequalsComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(iequals("X-Amz-Date", "x-amz-date"));
  EXPECT_FALSE(iequals("abc", "abd"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_TRUE(iequals("", ""));
}

TEST(Strings, StartsWithIcase) {
  EXPECT_TRUE(starts_with_icase("X-AMZ-META-Foo", "x-amz-meta-"));
  EXPECT_FALSE(starts_with_icase("x-am", "x-amz-"));
}

TEST(Strings, TrimRemovesSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(trim(" \t a b \t "), "a b");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(""), "");
}

// ---- parse_u64 / parse_i64

TEST(ParseU64, AcceptsWholeDecimalNumbers) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("42"), 42u);
  EXPECT_EQ(parse_u64("007"), 7u);
  EXPECT_EQ(parse_u64("18446744073709551615"), std::numeric_limits<uint64_t>::max());
}

TEST(ParseU64, RejectsOverflow) {
  EXPECT_FALSE(parse_u64("18446744073709551616"));
  EXPECT_FALSE(parse_u64("99999999999999999999999"));
}

TEST(ParseU64, RejectsSignsWhitespaceAndJunk) {
  for (const char* bad :
       {"", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0", "1e3", "-", "\xD9\xA1"}) {
    EXPECT_FALSE(parse_u64(bad)) << bad;
  }
}

TEST(ParseU64, RejectsEmbeddedNul) { EXPECT_FALSE(parse_u64(std::string_view("1\0", 2))); }

TEST(ParseI64, AcceptsFullSignedRange) {
  EXPECT_EQ(parse_i64("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_i64("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_i64("-1"), -1);
}

TEST(ParseI64, RejectsOverflowAndJunk) {
  EXPECT_FALSE(parse_i64("9223372036854775808"));
  EXPECT_FALSE(parse_i64("-9223372036854775809"));
  EXPECT_FALSE(parse_i64(""));
  EXPECT_FALSE(parse_i64("-"));
  EXPECT_FALSE(parse_i64("+5"));
  EXPECT_FALSE(parse_i64("5 "));
}

// ---- valid_utf8

TEST(ValidUtf8, AcceptsWellFormedSequencesOfEveryLength) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8(std::string_view("a\0b", 3)));  // NUL is valid UTF-8
  EXPECT_TRUE(valid_utf8("\xC2\x80"));                   // U+0080, smallest 2-byte
  EXPECT_TRUE(valid_utf8("\xDF\xBF"));                   // U+07FF
  EXPECT_TRUE(valid_utf8("\xE0\xA0\x80"));               // U+0800, smallest 3-byte
  EXPECT_TRUE(valid_utf8("\xE2\x82\xAC"));               // euro sign
  EXPECT_TRUE(valid_utf8("\xED\x9F\xBF"));               // U+D7FF, just below surrogates
  EXPECT_TRUE(valid_utf8("\xEE\x80\x80"));               // U+E000, just above surrogates
  EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));               // U+FFFF
  EXPECT_TRUE(valid_utf8("\xF0\x90\x80\x80"));           // U+10000, smallest 4-byte
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));           // emoji
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF, the largest
  EXPECT_TRUE(valid_utf8("\xE6\x97\xA5\xE6\x9C\xAC/\xC3\xA9t\xC3\xA9"));
}

TEST(ValidUtf8, RejectsOverlongEncodings) {
  for (const char* bad : {"\xC0\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF",
                          "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF"}) {
    EXPECT_FALSE(valid_utf8(bad));
  }
}

TEST(ValidUtf8, RejectsSurrogates) {
  for (const char* bad : {"\xED\xA0\x80", "\xED\xAF\xBF", "\xED\xB0\x80", "\xED\xBF\xBF",
                          "\xED\xA0\xBD\xED\xB8\x80"}) {
    EXPECT_FALSE(valid_utf8(bad));
  }
}

TEST(ValidUtf8, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xF7\xBF\xBF\xBF"));
}

TEST(ValidUtf8, RejectsInvalidLeadAndStrayContinuationBytes) {
  for (const char* bad : {"\x80", "a\xBF", "\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80",
                          "\xFE", "\xFF", "\xC3\xA9\xA9"}) {
    EXPECT_FALSE(valid_utf8(bad));
  }
}

TEST(ValidUtf8, RejectsTruncatedSequences) {
  // A lead byte followed by too few continuation bytes, at the end or before ASCII.
  for (const char* bad : {"\xC3", "\xE2\x82", "\xF0\x9F\x98", "abc\xE2", "\xC3\x41", "\xE2\x82\x41",
                          "\xF0\x9F\x98\x20"}) {
    EXPECT_FALSE(valid_utf8(bad));
  }
}

// ---- prefix_successor

TEST(PrefixSuccessor, IncrementsTheLastByte) {
  EXPECT_EQ(prefix_successor("a"), "b");
  EXPECT_EQ(prefix_successor("a/"), "a0");
  EXPECT_EQ(prefix_successor("photos/2020/"), "photos/20200");
  EXPECT_EQ(prefix_successor("\xFE"), "\xFF");
  EXPECT_EQ(prefix_successor("\x7F"), "\x80");
}

TEST(PrefixSuccessor, DropsTrailingFFBytes) {
  EXPECT_EQ(prefix_successor("a\xFF"), "b");
  EXPECT_EQ(prefix_successor("ab\xFF\xFF"), "ac");
}

TEST(PrefixSuccessor, IsEmptyWhenThereIsNone) {
  EXPECT_EQ(prefix_successor(""), "");
  EXPECT_EQ(prefix_successor("\xFF"), "");
  EXPECT_EQ(prefix_successor("\xFF\xFF\xFF"), "");
}

TEST(PrefixSuccessor, IsGreaterThanEveryExtensionAndNotGreaterThanNextString) {
  std::mt19937 rng(7);
  const char alphabet[] = {'\0', 'a', 'b', '\x7F', '\x80', '\xFE', '\xFF'};
  for (int round = 0; round < 500; ++round) {
    std::string p(1 + rng() % 4, '\0');
    for (char& c : p) c = alphabet[rng() % sizeof alphabet];
    std::string succ = prefix_successor(p);
    if (succ.empty()) {
      EXPECT_EQ(p.find_first_not_of('\xFF'), std::string::npos);
      continue;
    }
    std::string ext = p;
    for (int k = 0; k < 3; ++k) ext.push_back(alphabet[rng() % sizeof alphabet]);
    // std::string compares chars as unsigned, i.e. binary key order.
    EXPECT_LT(p, succ);
    EXPECT_LT(ext, succ);
    EXPECT_FALSE(succ.starts_with(p));
  }
}

// ---- time formats

constexpr int64_t kSec = 1'000'000'000;
// Sun, 06 Nov 1994 08:49:37 GMT: the example date of RFC 9110.
constexpr int64_t kRfcExample = 784111777 * kSec;

TEST(TimeFormat, Iso8601HasMillisecondsAndZ) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(kRfcExample), "1994-11-06T08:49:37.000Z");
  EXPECT_EQ(format_iso8601(1234567890LL * kSec + 123'456'789), "2009-02-13T23:31:30.123Z");
  EXPECT_EQ(format_iso8601(951782400LL * kSec + 999'999'999), "2000-02-29T00:00:00.999Z");
}

TEST(TimeFormat, HttpDateIsRfc1123InGmt) {
  EXPECT_EQ(format_http_date(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  // Sub-second parts are dropped.
  EXPECT_EQ(format_http_date(kRfcExample + 999'999'999), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(TimeFormat, ParsesAllThreeHttpDateForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kRfcExample);
}

TEST(TimeFormat, HttpDateRoundTrips) {
  for (int64_t s : {int64_t{0}, int64_t{951782400}, int64_t{1700000000}, int64_t{4102444799}}) {
    EXPECT_EQ(parse_http_date(format_http_date(s * kSec)), s * kSec) << s;
  }
}

TEST(TimeFormat, NumericZoneOffsetIsApplied) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0000"), kRfcExample);
  // 09:49:37 at +01:00 is 08:49:37 UTC.
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 09:49:37 +0100"), kRfcExample);
}

TEST(TimeFormat, RejectsMalformedHttpDates) {
  for (const char* bad :
       {"", "yesterday", "Sun, 06 Nov 1994", "Sun, 06 Nov 1994 08:49:37 GMT junk",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "1994-11-06T08:49:37Z"}) {
    EXPECT_FALSE(parse_http_date(bad)) << bad;
  }
}

}  // namespace
}  // namespace silo
