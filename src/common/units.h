// Byte sizes as people type and read them: "4KiB", "1MB", "10GiB" in, and
// "4 KiB", "1.5 MiB" out. Used by the server's options (--min-free), the
// client's commands and `silo bench`. Pure functions.
#pragma once

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

// 4096 -> "4 KiB", 1536 -> "1.5 KiB", 1000 -> "1000 B".
std::string format_size(uint64_t bytes);

}  // namespace silo
