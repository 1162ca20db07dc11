// Small string helpers used across layers: URI encoding as S3 does it,
// case folding, trimming and strict integer parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silo {

// Percent-decodes `s`. With `plus_as_space`, '+' decodes to ' ' (form encoding).
// Returns nullopt on a malformed escape.
std::optional<std::string> uri_decode(std::string_view s, bool plus_as_space = false);
// Percent-encodes every byte outside RFC 3986's unreserved set; '/' is kept when
// `keep_slash`. This is AWS's UriEncode and also S3's encoding-type=url.
std::string uri_encode(std::string_view s, bool keep_slash);

// Splits a raw query string into decoded (name, value) pairs in wire order.
// With `plus_as_space`, '+' decodes to a space, as form encoding has it.
// Returns nullopt when an escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(
    std::string_view raw, bool plus_as_space = true);

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
// The pieces of `s` between `sep`s, empty ones included ("" gives one).
std::vector<std::string_view> split(std::string_view s, char sep);
bool starts_with_icase(std::string_view s, std::string_view prefix);

// Parses a whole string as a non-negative decimal integer; nullopt on any junk or overflow.
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<int64_t> parse_i64(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);

// The smallest string greater than every string that starts with `prefix`;
// empty when there is none (prefix made only of 0xFF bytes).
std::string prefix_successor(std::string_view prefix);

}  // namespace silo
