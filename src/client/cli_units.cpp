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

std::string Validity::text() const { return std::to_string(count) + (years ? "y" : "d"); }

std::optional<Validity> parse_validity(std::string_view text) {
  text = trim(text);
  if (text.size() < 2) return std::nullopt;
  char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
  if (unit != 'd' && unit != 'y') return std::nullopt;
  auto n = parse_u64(text.substr(0, text.size() - 1));
  bool years = unit == 'y';
  if (!n || *n == 0 || *n > (years ? 100u : 36500u)) return std::nullopt;
  return Validity{static_cast<int64_t>(*n), years};
}

int64_t add_validity(int64_t ns, const Validity& v) {
  using namespace std::chrono;
  constexpr int64_t kDayNs = 86'400'000'000'000;
  if (!v.years) return ns + v.count * kDayNs;
  sys_days day{days{ns / kDayNs}};
  int64_t time_of_day = ns % kDayNs;
  year_month_day ymd{day};
  ymd += years{v.count};
  if (!ymd.ok()) ymd = ymd.year() / ymd.month() / last;
  return int64_t(sys_days(ymd).time_since_epoch().count()) * kDayNs + time_of_day;
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
