#include "bench/units.h"

#include <cctype>
#include <cstdio>
#include <limits>

#include "common/strings.h"

namespace silo::bench {
namespace {

// Splits "123abc" into its leading digits and the rest.
std::pair<std::string_view, std::string_view> split_number(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  return {s.substr(0, i), s.substr(i)};
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  // Units from largest to smallest; each may appear once, in this order.
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  constexpr uint64_t kMaxMs = 366ull * 24 * 3600 * 1000;
  if (auto bare = parse_u64(text)) {
    if (*bare == 0 || *bare > kMaxMs / 1000) return std::nullopt;
    return std::chrono::milliseconds(*bare * 1000);
  }
  uint64_t total = 0;
  size_t next_unit = 0;
  while (!text.empty()) {
    auto [digits, rest] = split_number(text);
    if (digits.empty()) return std::nullopt;
    auto n = parse_u64(digits);
    if (!n || *n > kMaxMs) return std::nullopt;
    size_t len = 0;
    while (len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[len]))) ++len;
    std::string unit = to_lower(rest.substr(0, len));
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].first != unit) ++u;
    if (u == std::size(kUnits)) return std::nullopt;
    total += *n * kUnits[u].second;
    if (total > kMaxMs) return std::nullopt;
    next_unit = u + 1;
    text = rest.substr(len);
  }
  if (total == 0) return std::nullopt;
  return std::chrono::milliseconds(total);
}

std::optional<MixedShares> parse_mixed(std::string_view text) {
  MixedShares shares{};
  size_t i = 0;
  uint64_t sum = 0;
  while (true) {
    auto colon = text.find(':');
    auto part = trim(text.substr(0, colon));
    auto n = parse_u64(part);
    if (i >= shares.size() || !n || *n > 1000000) return std::nullopt;
    shares[i++] = static_cast<unsigned>(*n);
    sum += *n;
    if (colon == std::string_view::npos) break;
    text = text.substr(colon + 1);
  }
  if (i != shares.size() || sum == 0) return std::nullopt;
  return shares;
}

std::string format_seconds(double seconds) {
  char buf[32];
  if (seconds < 1) {
    std::snprintf(buf, sizeof buf, "%.0f ms", seconds * 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  }
  return buf;
}

}  // namespace silo::bench
