// Parsing and printing of the quantities the command lines of the client and
// of `silo bench` take and print: sizes ("4KiB", "1MiB", "1000") and durations
// ("10s", "1m30s", "500ms"). Here, below both, so that the client does not
// depend on the bench. Pure functions, no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silo {

// "4KiB" -> 4096, "1MB" -> 1000000, "1000" -> 1000 ("B" optional). Units are
// case-insensitive: B, KB/KiB, MB/MiB, GB/GiB, TB/TiB ("K", "M", "G", "T" are
// the binary ones). An integer count only; nullopt on anything else or on
// overflow.
std::optional<uint64_t> parse_size(std::string_view text);

// "10s", "1m", "1m30s", "2h", "250ms"; a bare number is seconds. Components
// must be in decreasing order of unit and appear once each. nullopt on
// anything else, on zero, or on more than a year.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// 4096 -> "4 KiB", 1536 -> "1.5 KiB", 1000 -> "1000 B".
std::string format_size(uint64_t bytes);
// 12.3456 -> "12.3 s", 0.25 -> "250 ms".
std::string format_seconds(double seconds);

}  // namespace silo
