// Free space on a drive and the reserve Silo keeps there.
//
// A full disk must not take a drive down. So every drive keeps a reserve of
// free space that Silo's own writes never enter: large enough for the
// metadata store (RocksDB) to flush its memtables, run a compaction, grow its
// log and record deletes, whatever the object writes did before. Writes that
// would cross the reserve are refused (kStorageFull) before their bytes are
// stored; deletes and other metadata changes never are. On top of the
// reserve, a small ballast file (`.silo/ballast`) holds emergency space for
// when something outside Silo fills the filesystem: it is released when the
// metadata store finds no room (at open, or on a failed write) and taken
// again once the filesystem has room for it beyond the reserve.
//
// Thread-safe: SpaceGuard is called from every request thread; checks cost
// an atomic read and a clock read, and the filesystem is asked (statvfs) at
// most every second, or every 50 ms while the drive is near its reserve.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/error.h"

namespace silo::storage {

// --min-free: a size ("10GiB") or a share of the drive ("5%"). The reserve
// is the larger of it and what the metadata store needs (MetadataSizing).
struct MinFree {
  uint64_t bytes = 0;
  double percent = 1.0;  // the default: 1 % of the drive
};
// "10GiB", "512MiB", "5%", "0.5%"; InvalidArgument otherwise (percent < 100).
Result<MinFree> parse_min_free(std::string_view text);

// How a drive's RocksDB is sized for a filesystem of `total` bytes, and the
// free space it must always find. Small drives get small memtables and
// files, so that a flush and a compaction fit in a small reserve; drives of
// 4 GiB and more get 16 MiB memtables (64 GiB and more: RocksDB's default
// 256 MiB first level).
struct MetadataSizing {
  uint64_t write_buffer = 0;       // one memtable; two may wait to be flushed
  uint64_t level1_bytes = 0;       // max_bytes_for_level_base
  uint64_t target_file_bytes = 0;  // target_file_size_base
  uint64_t max_compaction_bytes = 0;
  // Room for: flushing both memtables, the largest compaction (L0 into L1,
  // or one file into the eleven it overlaps in the next level), the log
  // growing by two memtables (deletes at the full mark copy records), and
  // the small files (MANIFEST, OPTIONS, LOG).
  uint64_t needs = 0;
  // The ballast: enough to open the store (a new log and MANIFEST) and
  // flush what its log replays.
  uint64_t ballast = 0;
};
MetadataSizing metadata_sizing(uint64_t total);

// The reserve of a drive of `total` bytes under `policy`.
uint64_t reserve_bytes(uint64_t total, const MinFree& policy);

struct DiskInfo {
  uint64_t total = 0;    // size of the filesystem (as df shows it)
  uint64_t free = 0;     // available to Silo (df's "Avail")
  uint64_t reserve = 0;  // free space writes never enter
  uint64_t ballast = 0;  // emergency space held in .silo/ballast (0: released)
  uint64_t used() const { return total > free ? total - free : 0; }
  // At the reserve (within 1 MiB of it, so that a drive refusing writes
  // says so) or past it: writes are refused, reads and deletes go on.
  bool full() const { return free < reserve + std::min<uint64_t>(1 << 20, reserve / 4); }
  // Room for a write of `bytes` without entering the reserve.
  bool room_for(uint64_t bytes) const { return free >= reserve && free - reserve >= bytes; }
};

// Statistics of the filesystem holding `path`; kInternalError when it cannot be read.
Result<DiskInfo> stat_filesystem(const std::string& path);

class SpaceGuard {
 public:
  // `root`: the drive folder (its filesystem is the one measured).
  SpaceGuard(std::string root, MinFree policy);
  SpaceGuard(const SpaceGuard&) = delete;
  SpaceGuard& operator=(const SpaceGuard&) = delete;

  // Measures the filesystem now: logs a warning the first time the drive
  // passes 80, 90 and 95 % of its size (again only after it dropped 5 points
  // below), and takes the ballast again when there is room for it.
  DiskInfo refresh();
  // The last measure, less what take() handed out since.
  DiskInfo info();
  // Claims room for `bytes` about to be written. kStorageFull (naming the
  // drive, its free space and reserve) when that would enter the reserve;
  // with `bytes` 0, when the drive is already at it.
  Status take(uint64_t bytes);
  // Space was freed (a delete): the next check measures again.
  void freed();

  // Deletes the ballast (when held); true when that freed anything.
  bool release_ballast();
  // Creates the ballast when it is missing and the filesystem has room for
  // it beyond the reserve.
  void keep_ballast();
  const MetadataSizing& sizing() const { return sizing_; }

 private:
  std::chrono::steady_clock::duration since_refresh() const;
  DiskInfo cached() const;
  Error full_error(uint64_t bytes, const DiskInfo& d) const;

  std::string root_;
  std::string ballast_path_;
  MinFree policy_;
  MetadataSizing sizing_;
  std::mutex mu_;  // serializes refresh() and the ballast
  std::atomic<uint64_t> total_{0};
  std::atomic<int64_t> free_{0};  // signed: take() may run it below zero
  std::atomic<uint64_t> reserve_{0};
  std::atomic<uint64_t> ballast_{0};
  std::atomic<int64_t> refreshed_ns_{0};  // steady clock
  int warned_percent_ = 0;  // highest threshold warned about
};

}  // namespace silo::storage
