// Sizes and durations as the client and `silo bench` command lines take and
// print them (common/units.h).
#include "common/units.h"

#include <gtest/gtest.h>

namespace silo {
namespace {

using std::chrono::milliseconds;

// ---- sizes

TEST(ParseSize, BinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("4KiB"), 4096u);
  EXPECT_EQ(parse_size("1MiB"), 1u << 20);
  EXPECT_EQ(parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_size("1KB"), 1000u);
  EXPECT_EQ(parse_size("5MB"), 5000000u);
  EXPECT_EQ(parse_size("1TiB"), 1ull << 40);
}

TEST(ParseSize, BareNumberIsBytes) {
  EXPECT_EQ(parse_size("1000"), 1000u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("17B"), 17u);
}

TEST(ParseSize, UnitsAreCaseInsensitiveAndShortFormsAreBinary) {
  EXPECT_EQ(parse_size("4kib"), 4096u);
  EXPECT_EQ(parse_size("4K"), 4096u);
  EXPECT_EQ(parse_size("1m"), 1u << 20);
  EXPECT_EQ(parse_size("1 MiB"), 1u << 20);
}

TEST(ParseSize, RejectsJunkFractionsNegativesAndOverflow) {
  for (const char* bad : {"", "KiB", "4XB", "-1", "1.5MiB", "4KiBx", "0x10", "99999999999TiB",
                          "18446744073709551616"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
}

// ---- durations

TEST(ParseDuration, SingleUnits) {
  EXPECT_EQ(parse_duration("10s"), milliseconds(10000));
  EXPECT_EQ(parse_duration("1m"), milliseconds(60000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7200000));
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
}

TEST(ParseDuration, CombinedUnitsAddUp) {
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("1h1m1s"), milliseconds(3661000));
  EXPECT_EQ(parse_duration("1s500ms"), milliseconds(1500));
}

TEST(ParseDuration, BareNumberIsSeconds) { EXPECT_EQ(parse_duration("30"), milliseconds(30000)); }

TEST(ParseDuration, RejectsZeroUnknownUnitsAndDisorder) {
  for (const char* bad :
       {"", "0", "0s", "s", "10x", "10sec", "30s1m", "1s1s", "-5s", "1.5s", "100000000h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(FormatSize, PicksTheLargestWholeBinaryUnit) {
  EXPECT_EQ(format_size(1000), "1000 B");
  EXPECT_EQ(format_size(4096), "4 KiB");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(64ull << 20), "64 MiB");
}

TEST(FormatSeconds, MillisecondsBelowOneSecond) {
  EXPECT_EQ(format_seconds(0.25), "250 ms");
  EXPECT_EQ(format_seconds(12.3456), "12.3 s");
}

}  // namespace
}  // namespace silo
