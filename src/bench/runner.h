// The `silo bench` workload runner: prepares a bucket and objects, runs the
// chosen operation from `concurrency` threads (each with its own S3Client and
// keep-alive connection) for `duration`, shows live progress on stderr, and
// removes what it wrote unless told to keep it.
//
// Everything a run writes lives under one prefix, "silo-bench-<run id>/", in
// the bucket, so runs sharing a bucket never touch each other's keys, and
// cleanup deletes exactly that prefix (and the bucket, when the run made it).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/mixed.h"
#include "bench/report.h"
#include "client/s3_client.h"
#include "common/error.h"

namespace silo::bench {

enum class Workload { kPut, kGet, kStat, kDelete, kList, kMixed, kMultipart };

struct Config {
  Workload workload = Workload::kPut;
  std::string name;  // "put", "get", ... as typed
  client::ClientConfig client;
  std::string bucket;  // empty: a new bucket named after the run, removed afterwards
  uint64_t size = 4096;
  int concurrency = 32;
  std::chrono::milliseconds duration{30000};
  uint64_t objects = 1000;             // prepared objects (get, stat, delete, list, mixed)
  MixedShares shares{45, 30, 15, 10};  // GET:STAT:PUT:DELETE
  uint64_t part_size = 5ull << 20;
  std::string delimiter;  // list: sent with every listing
  // Headers of every object write (PUT, CreateMultipartUpload): --sse s3
  // asks for server-side encryption.
  client::HeaderList write_headers;
  bool keep = false;
};

struct RunOutcome {
  Report report;
  // Setup and cleanup failures (the run's own errors are in the report).
  std::vector<std::string> problems;
  // Things worth saying that are not failures.
  std::vector<std::string> notes;
};

// Runs the whole benchmark. Fails (without measuring) when the bucket cannot
// be made or the objects cannot be prepared; what was prepared is removed.
Result<RunOutcome> run_workload(const Config& config);

}  // namespace silo::bench
