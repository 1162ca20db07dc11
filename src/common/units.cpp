#include "common/units.h"

#include <cctype>
#include <cstdio>
#include <limits>

#include "common/strings.h"

namespace silo {
namespace {

// Splits "123abc" into its leading digits and the rest.
std::pair<std::string_view, std::string_view> split_number(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  return {s.substr(0, i), s.substr(i)};
}

std::optional<uint64_t> size_unit(std::string_view unit) {
  std::string u = to_lower(trim(unit));
  if (u.empty() || u == "b") return 1;
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"k", 1ull << 10},     {"kib", 1ull << 10}, {"kb", 1000ull},     {"m", 1ull << 20},
      {"mib", 1ull << 20},   {"mb", 1000000ull},  {"g", 1ull << 30},   {"gib", 1ull << 30},
      {"gb", 1000000000ull}, {"t", 1ull << 40},   {"tib", 1ull << 40}, {"tb", 1000000000000ull},
  };
  for (const auto& [name, factor] : kUnits) {
    if (u == name) return factor;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
  text = trim(text);
  auto [digits, unit] = split_number(text);
  if (digits.empty()) return std::nullopt;
  auto n = parse_u64(digits);
  auto factor = size_unit(unit);
  if (!n || !factor) return std::nullopt;
  if (*n > std::numeric_limits<uint64_t>::max() / *factor) return std::nullopt;
  return *n * *factor;
}

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

std::string format_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (v == static_cast<double>(static_cast<uint64_t>(v))) {
    std::snprintf(buf, sizeof buf, "%.0f %s", v, kUnits[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  }
  return buf;
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

}  // namespace silo
