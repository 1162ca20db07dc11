// The quantities client commands take and print: ages ("7d", "2w3d", "12h"),
// sizes (common/units.h's parse_size: "1MiB", "500KB"), S3 timestamps, and
// shell-style name patterns. Pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"

namespace silo::client {

// "7d", "2w", "1d12h", "90m", "30s"; weeks and days first, then what
// parse_duration accepts. nullopt on anything else or zero.
std::optional<std::chrono::seconds> parse_age(std::string_view text);

// An S3 time as listing XML or a Last-Modified header carries it -> ns.
std::optional<int64_t> parse_s3_time(std::string_view text);
// ns -> "2024-01-02 03:04:05 UTC".
std::string format_time(int64_t ns);

// A retention period as `silo retention` takes it: "30d" (days) or "1y"
// (years), as mc does.
struct Validity {
  int64_t count = 0;
  bool years = false;
  // "30d" / "1y".
  std::string text() const;
};
// nullopt on anything else, zero, or more than 100 years' worth.
std::optional<Validity> parse_validity(std::string_view text);
// `ns` plus the period: days of 24 hours, years as calendar years (Feb 29
// becomes Feb 28).
int64_t add_validity(int64_t ns, const Validity& v);

// fnmatch(3) glob ('*', '?', '[...]'); '*' also matches '/'.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace silo::client
