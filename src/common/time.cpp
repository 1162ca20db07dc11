#include "common/time.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cctype>
#include <ctime>
#include <string>

namespace silo {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
std::tm to_tm(int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string format_iso8601(int64_t ns) {
  std::tm tm = to_tm(ns);
  char buf[96];
  int ms = static_cast<int>((ns / 1'000'000) % 1000);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
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

std::string format_http_date(int64_t ns) {
  std::tm tm = to_tm(ns);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  std::string str(s);
  static const char* kFormats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                   "%a %b %d %H:%M:%S %Y", "%a, %d %b %Y %H:%M:%S %z"};
  for (const char* fmt : kFormats) {
    std::tm tm{};
    const char* end = strptime(str.c_str(), fmt, &tm);
    if (end && *end == '\0') {
      // timegm ignores (and clears) the numeric zone %z parsed into tm_gmtoff.
      int64_t offset = tm.tm_gmtoff;
      int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset;
      // %Y takes any year; beyond 1677-2262 the nanoseconds would overflow.
      constexpr int64_t kLimit = INT64_MAX / 1'000'000'000;
      if (secs > kLimit || secs < -kLimit) return std::nullopt;
      return secs * 1'000'000'000;
    }
  }
  return std::nullopt;
}

}  // namespace silo
