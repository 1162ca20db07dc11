// The dates signatures carry, and how far they may be from the server's
// clock. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace silo::auth {

// Allowed difference between a header-signed request's date and the server's
// clock (SigV4 and SigV2 alike).
inline constexpr std::chrono::minutes kMaxClockSkew{15};

// yyyymmddThhmmssZ (UTC), and its parser; nullopt on anything else, including
// dates system_clock cannot hold (after 2262 or before 1678).
std::string format_amz_date(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s);
// An HTTP date (see silo::parse_http_date) as a time_point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s);

}  // namespace silo::auth
