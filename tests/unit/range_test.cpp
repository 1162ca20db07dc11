#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "s3/object_common.h"

namespace silo::s3 {
namespace {

// The range parse_range yields, or nullopt for "serve the whole object".
// Fails the test when parse_range returns an error.
std::optional<std::pair<uint64_t, uint64_t>> range(std::string_view header, uint64_t size) {
  auto r = parse_range(header, size);
  EXPECT_TRUE(r) << header << " on " << size << ": " << (r ? "" : r.error().text());
  if (!r || !*r) return std::nullopt;
  return std::make_pair((*r)->offset, (*r)->length);
}

bool unsatisfiable(std::string_view header, uint64_t size) {
  auto r = parse_range(header, size);
  return !r && r.error().code == ErrorCode::kInvalidRange;
}

using Range = std::pair<uint64_t, uint64_t>;

TEST(ParseRange, ClosedRangeIsInclusive) {
  EXPECT_EQ(range("bytes=0-0", 10), Range(0, 1));
  EXPECT_EQ(range("bytes=0-9", 10), Range(0, 10));
  EXPECT_EQ(range("bytes=2-5", 10), Range(2, 4));
  EXPECT_EQ(range("bytes=9-9", 10), Range(9, 1));
}

TEST(ParseRange, ClosedRangeEndBeyondSizeIsClamped) {
  EXPECT_EQ(range("bytes=5-100", 10), Range(5, 5));
  EXPECT_EQ(range("bytes=0-18446744073709551615", 10), Range(0, 10));
}

TEST(ParseRange, OpenRangeRunsToTheEnd) {
  EXPECT_EQ(range("bytes=0-", 10), Range(0, 10));
  EXPECT_EQ(range("bytes=7-", 10), Range(7, 3));
  EXPECT_EQ(range("bytes=9-", 10), Range(9, 1));
}

TEST(ParseRange, SuffixRangeTakesTheLastBytes) {
  EXPECT_EQ(range("bytes=-1", 10), Range(9, 1));
  EXPECT_EQ(range("bytes=-4", 10), Range(6, 4));
  EXPECT_EQ(range("bytes=-10", 10), Range(0, 10));
}

TEST(ParseRange, SuffixLongerThanObjectServesWholeObjectAsRange) {
  EXPECT_EQ(range("bytes=-11", 10), Range(0, 10));
  EXPECT_EQ(range("bytes=-18446744073709551615", 10), Range(0, 10));
}

TEST(ParseRange, StartAtOrBeyondSizeIsUnsatisfiable) {
  EXPECT_TRUE(unsatisfiable("bytes=10-", 10));
  EXPECT_TRUE(unsatisfiable("bytes=10-20", 10));
  EXPECT_TRUE(unsatisfiable("bytes=11-11", 10));
  EXPECT_TRUE(unsatisfiable("bytes=18446744073709551615-", 10));
}

TEST(ParseRange, ZeroLengthSuffixIsUnsatisfiable) { EXPECT_TRUE(unsatisfiable("bytes=-0", 10)); }

TEST(ParseRange, EveryRangeOnEmptyObjectIsUnsatisfiable) {
  EXPECT_TRUE(unsatisfiable("bytes=0-", 0));
  EXPECT_TRUE(unsatisfiable("bytes=0-0", 0));
  EXPECT_TRUE(unsatisfiable("bytes=0-10", 0));
  EXPECT_TRUE(unsatisfiable("bytes=-1", 0));
  EXPECT_TRUE(unsatisfiable("bytes=-0", 0));
}

TEST(ParseRange, OuterWhitespaceIsIgnored) {
  EXPECT_EQ(range("  bytes=1-2  ", 10), Range(1, 2));
  EXPECT_EQ(range("bytes= 1-2", 10), Range(1, 2));
  EXPECT_EQ(range("\tbytes=-3\t", 10), Range(7, 3));
}

TEST(ParseRange, MalformedHeaderServesWholeObject) {
  for (const char* bad : {"",
                          "bytes",
                          "bytes=",
                          "bytes=-",
                          "bytes=abc",
                          "bytes=1",
                          "bytes=a-5",
                          "bytes=1-b",
                          "bytes=--5",
                          "bytes=1--5",
                          "bytes=+1-5",
                          "bytes=1-+5",
                          "bytes=-+5",
                          "bytes=0x1-5",
                          "bytes=1 -5",
                          "bytes=1- 5",
                          "items=0-5",
                          "bits=0-5",
                          "0-5",
                          "bytes:0-5",
                          "bytes=18446744073709551616-",
                          "bytes=-18446744073709551616",
                          "bytes=1-99999999999999999999"}) {
    EXPECT_EQ(range(bad, 10), std::nullopt) << bad;
  }
}

TEST(ParseRange, EndBeforeStartServesWholeObject) {
  EXPECT_EQ(range("bytes=5-4", 10), std::nullopt);
  EXPECT_EQ(range("bytes=9-0", 10), std::nullopt);
  // Even when the start is beyond the size: the range is invalid, not unsatisfiable.
  EXPECT_EQ(range("bytes=50-40", 10), std::nullopt);
}

TEST(ParseRange, MultipleRangesServeWholeObject) {
  EXPECT_EQ(range("bytes=0-1,3-4", 10), std::nullopt);
  EXPECT_EQ(range("bytes=0-1, -2", 10), std::nullopt);
  EXPECT_EQ(range("bytes=0-1,", 10), std::nullopt);
  EXPECT_EQ(range("bytes=50-60,70-80", 10), std::nullopt);
}

TEST(ParseRange, MalformedHeaderOnEmptyObjectServesWholeObject) {
  EXPECT_EQ(range("", 0), std::nullopt);
  EXPECT_EQ(range("bytes=x-", 0), std::nullopt);
  EXPECT_EQ(range("bytes=0-1,2-3", 0), std::nullopt);
}

TEST(ParseRange, LargeObjectOffsetsAreExact) {
  const uint64_t size = 5ULL << 40;  // 5 TiB
  EXPECT_EQ(range("bytes=5497558138879-", size), Range(5497558138879ULL, 1));
  EXPECT_EQ(range("bytes=-1099511627776", size), Range(4ULL << 40, 1ULL << 40));
  EXPECT_EQ(range("bytes=1099511627776-2199023255551", size), Range(1ULL << 40, 1ULL << 40));
}

TEST(ParseRange, EverySatisfiableRangeLiesWithinTheObject) {
  for (uint64_t size = 1; size <= 6; ++size) {
    for (uint64_t a = 0; a <= 7; ++a) {
      for (uint64_t b = a; b <= 8; ++b) {
        std::string h = "bytes=" + std::to_string(a) + "-" + std::to_string(b);
        auto r = parse_range(h, size);
        if (a >= size) {
          EXPECT_FALSE(r) << h << " size " << size;
          continue;
        }
        ASSERT_TRUE(r && *r) << h;
        EXPECT_EQ((*r)->offset, a);
        EXPECT_EQ((*r)->length, std::min(b, size - 1) - a + 1) << h << " size " << size;
        EXPECT_LE((*r)->offset + (*r)->length, size);
      }
    }
  }
}

}  // namespace
}  // namespace silo::s3
