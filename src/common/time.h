// Wall-clock helpers and the date formats S3 puts on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silo {

// Nanoseconds since the Unix epoch.
int64_t now_ns();

// "2006-01-02T15:04:05.000Z", as S3 XML bodies carry dates.
std::string format_iso8601(int64_t ns);
// "2024-01-02T03:04:05.123Z" (S3 XML, policy dates) -> ns since the epoch;
// nullopt when malformed.
std::optional<int64_t> parse_iso8601(std::string_view text);
// "Mon, 02 Jan 2006 15:04:05 GMT", as Last-Modified and Date headers carry them.
std::string format_http_date(int64_t ns);
// Parses an HTTP date (RFC 1123, RFC 850 or asctime form); nullopt when malformed
// or outside what int64 nanoseconds hold (years 1678 to 2262).
std::optional<int64_t> parse_http_date(std::string_view s);

}  // namespace silo
