// Healer: background healing for a Pools.
//
// - Heal on read: readers report damaged objects (and writers objects that
//   missed drives); they are queued (bounded, de-duplicated) and healed by a
//   worker thread. What could not be healed because drives of the set were
//   offline is kept and queued again when they are all back.
// - Full heal: walks every object of every set (or one bucket/prefix) and
//   heals each, at a bounded rate unless asked to run flat out. Used at start
//   for replaced drives, by the periodic scanner, and by `silo admin heal`.
// Progress (objects and bytes scanned and healed, rate, ETA) is observable
// while it runs: a walk first counts what its scope holds (from listings,
// metadata only), so the ETA is the remaining bytes at the current rate.
// The scanner and on-demand heals keep separate progress records.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "object/pools.h"

namespace silo::object {

struct HealProgress {
  uint64_t id = 0;    // of the walk, increasing; 0: none yet
  std::string kind;   // "scanner" (background) or "heal" (on demand)
  bool running = false;
  std::string scope;  // what is being healed, e.g. "all" or "bucket/prefix"
  uint64_t objects_total = 0;  // in the scope when the walk started
  uint64_t bytes_total = 0;
  uint64_t objects_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t objects_healed = 0;
  uint64_t drives_healed = 0;  // shard copies rebuilt
  uint64_t bytes_healed = 0;
  uint64_t errors = 0;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  uint64_t queued = 0;  // heal-on-read requests waiting

  std::string to_json() const;
};

struct HealerOptions {
  // Objects per second the background scanner may heal-check (0: no limit).
  double scan_rate = 200;
  // Seconds between two background scans (0: never scan periodically).
  int64_t scan_interval_s = 24 * 3600;
  size_t max_queue = 10000;
};

class Healer {
 public:
  Healer(Pools& pools, HealerOptions options);
  ~Healer();
  Healer(const Healer&) = delete;
  Healer& operator=(const Healer&) = delete;

  // Queues bucket/key of set `set` for healing (drops it when the queue is full).
  void enqueue(size_t set, std::string bucket, std::string key);
  // Heals every object under bucket/prefix (every bucket when empty) now, on
  // the calling thread, without rate limit. Returns the final progress.
  HealProgress heal_now(const std::string& bucket, const std::string& prefix);
  // The same on a background thread; returns its progress at the start
  // (watch it with progress("heal")). While one runs, returns that one's.
  HealProgress start_heal(const std::string& bucket, const std::string& prefix);
  // Starts a full background heal (rate-limited), e.g. for a replaced drive.
  void start_background_heal(std::string reason);
  // The walk started last (scanner or on-demand heal), or the last of `kind`.
  HealProgress progress() const;
  HealProgress progress(const std::string& kind) const;

 private:
  void worker();
  void scanner();
  // Heals (or, not `deep`, checks) every object in scope at `rate` objects
  // per second (0: flat out), publishing progress under `kind`; `id` 0 takes
  // the next walk id.
  HealProgress walk(const std::string& bucket, const std::string& prefix, double rate,
                    const std::string& scope, bool deep, const std::string& kind = "scanner",
                    uint64_t id = 0);
  // Objects and bytes under bucket/prefix in every set (for the ETA).
  std::pair<uint64_t, uint64_t> count(const std::vector<std::string>& buckets,
                                      const std::string& prefix);
  void heal_one(size_t set, const std::string& bucket, const std::string& key);
  // Moves the partial heals of sets whose drives are all online back to the
  // queue. REQUIRES: mu_ held.
  void requeue_partial();

  Pools& pools_;
  HealerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::tuple<size_t, std::string, std::string>> queue_;
  std::set<std::tuple<size_t, std::string, std::string>> queued_;
  // Objects healed while drives of their set were offline (writes that
  // missed a node, damage found meanwhile): queued again once every drive
  // of the set is back, so a returning node gets its shards without waiting
  // for the scanner. Bounded by max_queue.
  std::set<std::tuple<size_t, std::string, std::string>> partial_;
  bool stop_ = false;
  bool scan_requested_ = false;
  std::string scan_reason_;
  uint64_t next_id_ = 1;
  HealProgress scanner_progress_, heal_progress_;
  bool heal_running_ = false;
  std::thread worker_;
  std::thread scanner_;
  std::thread heal_thread_;  // the last on-demand background heal
};

}  // namespace silo::object
