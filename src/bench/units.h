// Parsing and printing of the quantities `silo bench` takes on its command
// line and prints: sizes ("4KiB", "1MiB", "1000"), durations ("10s", "1m30s",
// "500ms") and the mixed-workload distribution ("45:30:15:10"). Pure
// functions, no state.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/units.h"

namespace silo::bench {

// Sizes are common/units.h's, shared with the server and the client.
using silo::format_size;
using silo::parse_size;

// "10s", "1m", "1m30s", "2h", "250ms"; a bare number is seconds. Components
// must be in decreasing order of unit and appear once each. nullopt on
// anything else, on zero, or on more than a year.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Shares of GET:STAT:PUT:DELETE in the mixed workload ("45:30:15:10", in
// warp's order). Any non-negative integers with a positive sum.
using MixedShares = std::array<unsigned, 4>;
std::optional<MixedShares> parse_mixed(std::string_view text);

// 12.3456 -> "12.3 s", 0.25 -> "250 ms".
std::string format_seconds(double seconds);

}  // namespace silo::bench
