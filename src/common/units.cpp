#include "common/units.h"

#include <cctype>
#include <cstdio>
#include <iterator>
#include <limits>
#include <utility>

#include "common/strings.h"

namespace silo {
namespace {

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
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return std::nullopt;
  auto n = parse_u64(text.substr(0, i));
  auto factor = size_unit(text.substr(i));
  if (!n || !factor) return std::nullopt;
  if (*n > std::numeric_limits<uint64_t>::max() / *factor) return std::nullopt;
  return *n * *factor;
}

std::string format_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
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

}  // namespace silo
