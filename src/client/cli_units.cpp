#include "client/cli_units.h"

#include <fnmatch.h>

#include <cctype>
#include <ctime>

#include "common/strings.h"
#include "common/time.h"
#include "common/units.h"

namespace silo::client {

std::optional<std::chrono::seconds> parse_age(std::string_view text) {
  text = trim(text);
  int64_t seconds = 0;
  // Peel "<n>w" then "<n>d"; the rest is an ordinary duration.
  for (auto [unit, factor] : {std::pair{'w', 7 * 86400}, std::pair{'d', 86400}}) {
    size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == 0 || i >= text.size() || std::tolower(static_cast<unsigned char>(text[i])) != unit) {
      continue;
    }
    auto n = parse_u64(text.substr(0, i));
    if (!n || *n > 100000) return std::nullopt;
    seconds += static_cast<int64_t>(*n) * factor;
    text.remove_prefix(i + 1);
  }
  if (!text.empty()) {
    auto rest = parse_duration(text);
    if (!rest) return std::nullopt;
    seconds += std::chrono::duration_cast<std::chrono::seconds>(*rest).count();
  }
  if (seconds <= 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::optional<int64_t> parse_iso8601(std::string_view text) {
  std::tm tm{};
  int frac_ms = 0;
  std::string s(text);
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(s).substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    int scale = 100;
    for (; i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])); ++i) {
      frac_ms += (rest[i] - '0') * scale;
      scale /= 10;
    }
    rest.remove_prefix(i);
  }
  if (rest != "Z" && rest != "+00:00" && !rest.empty()) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  return static_cast<int64_t>(t) * 1'000'000'000 + static_cast<int64_t>(frac_ms) * 1'000'000;
}

std::optional<int64_t> parse_s3_time(std::string_view text) {
  if (auto t = parse_iso8601(text)) return t;
  return parse_http_date(text);
}

std::string format_time(int64_t ns) {
  time_t t = static_cast<time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  return ::fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

}  // namespace silo::client
