// The measured loop of one bench worker thread and the operations it times.
// Internal to the runner. A Worker is owned by one thread for the whole
// measured phase; Shared is read by all of them (its atomics are the only
// state they write together).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "bench/payload.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "client/s3_client.h"

namespace silo::bench {

// Counters the progress line reads while workers run (relaxed: they are only
// shown, never used to decide anything).
struct alignas(64) LiveCounters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> errors{0};
};

struct Shared {
  const Config* config = nullptr;
  const Payload* payload = nullptr;
  std::string bucket;
  std::string prefix;  // "silo-bench-<id>/"
  std::chrono::steady_clock::time_point deadline;
  std::atomic<uint64_t> next_delete{0};  // delete: next prepared object to remove
  std::atomic<bool> stop{false};         // every prepared object deleted, or interrupted

  // Key of prepared object i; listing "<prefix>obj/" returns exactly these.
  std::string object_key(uint64_t i) const;
};

struct Worker {
  int index = 0;
  client::S3Client* client = nullptr;
  OpStatsSet stats;
  LiveCounters live;
  std::mt19937_64 rng;
  BodyVerifier verifier;
  client::BodySink sink;  // feeds `verifier`; made once so GETs do not allocate it

  Worker(int index, client::S3Client* client);
};

// Runs operations until the deadline or shared.stop.
void run_worker(Worker& worker, Shared& shared);

}  // namespace silo::bench
