// PoolJobs: the long jobs that move objects between pools.
//
// - Decommission drains one pool: it stops taking new objects at once, and
//   every object in it is moved to the other pools (Pools::move_object),
//   bucket by bucket, set by set, in key order; then the pool is checked
//   empty (objects written meanwhile are moved by another pass) and the job
//   is complete: the pool can be removed from the command line.
//   Cancelling lets the pool take new objects again; what moved stays moved.
// - Rebalance evens out the pools after an expansion: each pool whose
//   share of used space is above the deployment's moves the excess to the
//   pools below it, weighted by their free space.
//
// A job's state is a record in the system bucket (kSystemBucket), written to
// every pool and read as the newest copy, so it survives restarts and any
// node can answer for it. One node runs a job (the "runner", which received
// the start or took it over), saving its progress (also its heartbeat) every
// few seconds together with where it is (bucket, set, last key), so a
// restarted runner resumes where it stopped, and another node takes a job
// over when its runner has been silent for `stale_after`. Every node reads
// the records every `check_interval` to know which pools take new objects.
//
// Thread-safe. Moves run on one thread per running job.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.h"
#include "object/pools.h"

namespace silo::object {

struct PoolJob {
  std::string kind;   // "decommission" or "rebalance"
  std::string pool;   // decommission: the pool's name
  std::string state;  // "running", "complete", "canceled", "stopped" or "failed"
  std::string runner;
  int64_t started_ns = 0;
  int64_t updated_ns = 0;
  int64_t finished_ns = 0;
  uint64_t objects_moved = 0;
  uint64_t bytes_moved = 0;
  uint64_t objects_failed = 0;
  uint64_t bytes_total = 0;  // what there was to move when the job started
  std::string error;
  // Where the job is: it resumes after this key of this set of this bucket.
  std::string bucket;
  size_t set = 0;
  std::string marker;
  uint32_t pass = 1;
  // When its runner last saved it (not in the record).
  std::chrono::steady_clock::time_point saved_at{};

  bool running() const { return state == "running"; }
  // With what is left (`bytes_left`), the rate and the time left.
  std::string to_json(uint64_t bytes_left) const;
  static Result<PoolJob> from_json(std::string_view json);
};

struct PoolJobsOptions {
  std::string self = "local";  // this node, as runners are named
  std::chrono::milliseconds check_interval{3'000};
  std::chrono::milliseconds stale_after{30'000};
  std::chrono::milliseconds save_interval{2'000};
};

class PoolJobs {
 public:
  PoolJobs(Pools& pools, PoolJobsOptions options);
  ~PoolJobs();
  PoolJobs(const PoolJobs&) = delete;
  PoolJobs& operator=(const PoolJobs&) = delete;

  // Reads the job records (which pools take objects), resumes this node's
  // jobs, and starts watching the records.
  void start();
  // Stops the watcher and the jobs running here (their records stay
  // "running": they resume at the next start).
  void stop();

  // `action`: start, status or cancel; `pool`: its 1-based number or its
  // name. Answers the job as JSON.
  Result<std::string> decommission(std::string_view action, std::string_view pool);
  // `action`: start, status or stop.
  Result<std::string> rebalance(std::string_view action);
  // Every pool: number, name, whether it takes new objects, used and free
  // bytes, and its decommission if any.
  std::string pools_json();

 private:
  Result<size_t> pool_index(std::string_view pool) const;
  static std::string record_key(const std::string& kind, const std::string& pool);
  // The newest copy of a job record; nullopt when there is none.
  std::optional<PoolJob> load(const std::string& kind, const std::string& pool);
  Status save(PoolJob& job);
  // Applies the records: pools' acceptance, jobs to resume or take over,
  // jobs to stop here.
  void check();
  void launch(PoolJob job);
  // A new running job of this node.
  PoolJob begin(std::string kind, std::string pool) const;
  // Ends a running job as `state` (cancelled, stopped) and stops its
  // thread here if it runs here; answers the job as JSON. `guard` (the
  // record's lock) is released before the thread is waited for.
  Result<std::string> end(PoolJob job, std::string state, LockGuard guard);
  // Stops and forgets the thread of the job with record `key`, if any.
  void stop_thread(const std::string& key);
  void run_decommission(PoolJob job, std::stop_token stop);
  void run_rebalance(PoolJob job, std::stop_token stop);
  // What a rebalance does with an object of some size: move it, skip it
  // (moving it would overshoot the even line more than it helps), or stop.
  enum class Take { kMove, kSkip, kStop };
  // Moves the objects of pool `p` from the job's position on; `take`, when
  // set, picks the objects (rebalance). False when stopped.
  bool walk_pool(PoolJob& job, size_t p, std::stop_token& stop,
                 const std::function<std::optional<size_t>()>& target,
                 const std::function<Take(uint64_t)>& take);
  // Objects left in pool `p` (0 when empty), counting up to `limit`.
  size_t objects_left(size_t p, size_t limit);
  uint64_t bytes_left(const PoolJob& job);
  void save_progress(PoolJob& job, bool force);

  Pools& pools_;
  PoolJobsOptions options_;
  std::mutex mu_;
  std::map<std::string, std::jthread> running_;  // by record key
  std::condition_variable_any wake_;
  std::jthread watcher_;
};

}  // namespace silo::object
