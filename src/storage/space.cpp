#include "storage/space.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/log.h"
#include "common/strings.h"
#include "common/units.h"
#include "storage/fs_util.h"

namespace silo::storage {

namespace {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;
// At 100 % the drive is at its reserve: writes are refused.
constexpr int kWarnPercents[] = {80, 90, 95, 100};
// How long a measure is trusted: a second in general, 50 ms near the
// reserve, so that space freed by deletes lets writes in again at once.
constexpr auto kRefreshEvery = std::chrono::seconds(1);
constexpr auto kRefreshNearFull = std::chrono::milliseconds(50);

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Percent of the space writes may use (the filesystem less the reserve);
// 100 exactly when the drive is full.
int used_percent(const DiskInfo& d) {
  if (d.full()) return 100;
  uint64_t writable = d.total > d.reserve ? d.total - d.reserve : 0;
  if (writable == 0) return 100;
  return static_cast<int>(std::min<uint64_t>(d.used() * 100 / writable, 99));
}

}  // namespace

Result<MinFree> parse_min_free(std::string_view text) {
  text = trim(text);
  MinFree out;
  if (text.ends_with('%')) {
    std::string number(trim(text.substr(0, text.size() - 1)));
    char* end = nullptr;
    double p = number.empty() ? -1 : std::strtod(number.c_str(), &end);
    if (end && *end == '\0' && p >= 0 && p < 100 && std::isfinite(p)) {
      out.percent = p;
      return out;
    }
  } else if (auto bytes = parse_size(text)) {
    out.bytes = *bytes;
    out.percent = 0;
    return out;
  }
  return fail(ErrorCode::kInvalidArgument,
              "--min-free must be a size (10GiB, 512MiB) or a percentage below 100 (5%), not '" +
                  std::string(text) + "'");
}

MetadataSizing metadata_sizing(uint64_t total) {
  MetadataSizing s;
  uint64_t w = std::bit_floor(std::max<uint64_t>(total / 256, 1));
  s.write_buffer = std::clamp<uint64_t>(w, 256 * kKiB, 16 * kMiB);
  s.level1_bytes = total >= 64 * kGiB ? 256 * kMiB : 4 * s.write_buffer;
  s.target_file_bytes = s.write_buffer;
  // Level 0 holds up to four memtables' worth of files before they are
  // compacted into level 1 as a whole; deeper, one file meets the ten files
  // of the next level its key range covers.
  s.max_compaction_bytes =
      std::max(4 * s.write_buffer + s.level1_bytes, 11 * s.target_file_bytes);
  s.needs = 4 * s.write_buffer + s.max_compaction_bytes + kMiB;
  s.ballast = 2 * s.write_buffer + kMiB;
  return s;
}

uint64_t reserve_bytes(uint64_t total, const MinFree& policy) {
  auto share = static_cast<uint64_t>(static_cast<double>(total) * policy.percent / 100.0);
  return std::max({policy.bytes, share, metadata_sizing(total).needs});
}

Result<DiskInfo> stat_filesystem(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return fail(errno_error("statvfs " + path, errno));
  DiskInfo d;
  d.total = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  d.free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  return d;
}

SpaceGuard::SpaceGuard(std::string root, MinFree policy)
    : root_(std::move(root)), ballast_path_(root_ + "/.silo/ballast"), policy_(policy) {
  auto d = stat_filesystem(root_);
  sizing_ = metadata_sizing(d ? d->total : 0);
  struct stat st;
  if (::stat(ballast_path_.c_str(), &st) == 0) ballast_ = static_cast<uint64_t>(st.st_blocks) * 512;
  refresh();
}

std::chrono::steady_clock::duration SpaceGuard::since_refresh() const {
  return std::chrono::nanoseconds(steady_ns() - refreshed_ns_.load(std::memory_order_relaxed));
}

DiskInfo SpaceGuard::refresh() {
  std::lock_guard lock(mu_);
  auto d = stat_filesystem(root_);
  if (!d) return cached();  // keep the last measure; the drive's own checks report the error
  d->reserve = reserve_bytes(d->total, policy_);
  d->ballast = ballast_.load();
  total_ = d->total;
  reserve_ = d->reserve;
  free_ = static_cast<int64_t>(d->free);
  refreshed_ns_ = steady_ns();
  int percent = used_percent(*d);
  int crossed = 0;
  for (int t : kWarnPercents) {
    if (percent >= t) crossed = t;
  }
  if (crossed > warned_percent_ && crossed == 100) {
    spdlog::warn("drive {} is full: {} free of {}, {} its reserve of {}. Writes to it are "
                 "refused until space is freed; reads and deletes go on",
                 root_, format_size(d->free), format_size(d->total),
                 d->free < d->reserve ? "below" : "at", format_size(d->reserve));
    warned_percent_ = crossed;
  } else if (crossed > warned_percent_) {
    spdlog::warn("drive {} is {}% full: {} used of the {} writes may use ({} less the "
                 "reserve of {}); writes are refused at 100%",
                 root_, percent, format_size(d->used()), format_size(d->total - d->reserve),
                 format_size(d->total), format_size(d->reserve));
    warned_percent_ = crossed;
  } else if (warned_percent_ > 0 && percent + 5 < warned_percent_) {
    // Well below the threshold again: warn anew when it is passed next time.
    warned_percent_ = 0;
    for (int t : kWarnPercents) {
      if (percent >= t) warned_percent_ = t;
    }
  }
  return *d;
}

DiskInfo SpaceGuard::info() {
  if (since_refresh() > kRefreshEvery) return refresh();
  return cached();
}

DiskInfo SpaceGuard::cached() const {
  DiskInfo d;
  d.total = total_.load();
  d.free = static_cast<uint64_t>(std::max<int64_t>(free_.load(), 0));
  d.reserve = reserve_.load();
  d.ballast = ballast_.load();
  return d;
}

Error SpaceGuard::full_error(uint64_t bytes, const DiskInfo& d) const {
  std::string text = "drive " + root_ + " is full: " + format_size(d.free) + " free of " +
                     format_size(d.total) + (d.free < d.reserve ? ", below" : ", at") +
                     " its reserve of " + format_size(d.reserve);
  if (bytes > 0 && !d.full()) {
    text = "drive " + root_ + " has no room for " + format_size(bytes) + ": " +
           format_size(d.free) + " free of " + format_size(d.total) + ", with a reserve of " +
           format_size(d.reserve);
  }
  return Error(ErrorCode::kStorageFull, std::move(text));
}

Status SpaceGuard::take(uint64_t bytes) {
  // Room for nothing at all means room for nothing worth starting.
  auto refused = [bytes](const DiskInfo& d) {
    return !d.room_for(bytes) || (bytes == 0 && d.full());
  };
  auto d = info();
  if (refused(d)) {
    if (since_refresh() > kRefreshNearFull) d = refresh();
    if (refused(d)) return fail(full_error(bytes, d));
  }
  free_.fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed);
  return {};
}

void SpaceGuard::freed() { refreshed_ns_.store(0, std::memory_order_relaxed); }

bool SpaceGuard::release_ballast() {
  std::lock_guard lock(mu_);
  if (ballast_.load() == 0) return false;
  bool removed = ::unlink(ballast_path_.c_str()) == 0 || errno == ENOENT;
  if (!removed) return false;
  (void)fsync_path(parent_dir(ballast_path_));
  spdlog::warn("drive {}: released {} of emergency space (.silo/ballast) for the metadata "
               "store; it is taken again once the filesystem has room",
               root_, format_size(ballast_.load()));
  ballast_ = 0;
  refreshed_ns_ = 0;
  return true;
}

void SpaceGuard::keep_ballast() {
  {
    std::lock_guard lock(mu_);
    if (ballast_.load() != 0) return;
  }
  auto d = info();
  if (d.free < d.reserve + 2 * sizing_.ballast) return;
  std::lock_guard lock(mu_);
  std::string tmp = ballast_path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = ::posix_fallocate(fd, 0, static_cast<off_t>(sizing_.ballast)) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), ballast_path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return;
  }
  (void)fsync_path(parent_dir(ballast_path_));
  ballast_ = sizing_.ballast;
  refreshed_ns_ = 0;
}

}  // namespace silo::storage
