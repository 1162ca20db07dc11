#include "auth/dates.h"

#include <cstdio>

#include "common/strings.h"
#include "common/time.h"

namespace silo::auth {
namespace {

using Clock = std::chrono::system_clock;

std::optional<Clock::time_point> make_time(uint64_t y, uint64_t mo, uint64_t d, uint64_t h,
                                           uint64_t mi, uint64_t s) {
  using namespace std::chrono;
  year_month_day ymd{year{static_cast<int>(y)}, month{static_cast<unsigned>(mo)},
                     day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  sys_seconds t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(s);
  // Clock counts nanoseconds in 64 bits (years 1678 to 2262): a date outside
  // that is malformed here, not an overflow.
  if (t > floor<seconds>(Clock::time_point::max()) || t < ceil<seconds>(Clock::time_point::min())) {
    return std::nullopt;
  }
  return Clock::time_point(t);
}

}  // namespace

std::string format_amz_date(Clock::time_point t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd(days);
  hh_mm_ss hms(secs - days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto y = parse_u64(s.substr(0, 4)), mo = parse_u64(s.substr(4, 2)), d = parse_u64(s.substr(6, 2));
  auto h = parse_u64(s.substr(9, 2)), mi = parse_u64(s.substr(11, 2)),
       sec = parse_u64(s.substr(13, 2));
  if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
  return make_time(*y, *mo, *d, *h, *mi, *sec);
}

std::optional<Clock::time_point> parse_http_date(std::string_view s) {
  auto ns = silo::parse_http_date(s);
  if (!ns) return std::nullopt;
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(*ns)));
}

}  // namespace silo::auth
