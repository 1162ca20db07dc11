// What a `silo bench` run measured, and the three ways it is shown: a table
// for people, a JSON document for machines, and a side-by-side comparison of
// two JSON documents (`--compare A.json B.json`).
//
// JSON schema (one document per run):
//   {"op": "put", "size": 4096, "concurrency": 32, "duration_s": 10.0,
//    "objects": 1000, "endpoint": "http://...",
//    "ops": 12345, "ops_per_s": 1234.5, "mib_per_s": 4.82,
//    "latency_ms": {"p50": .., "p90": .., "p99": .., "max": ..},
//    "errors": {"NoSuchKey": 2, "network": 1},
//    "keys": .., "keys_per_s": ..          (list only: entries listed)
//    "breakdown": {"get": {<same fields from "ops" on>}, ...}   (mixed, multipart)}
// "ops" counts successful operations; failed ones are only in "errors".
// Latencies are of successful operations, to within 1% (LatencyHistogram).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/histogram.h"
#include "common/error.h"

namespace silo::bench {

enum class Op { kPut, kGet, kStat, kDelete, kList, kPart, kMultipart };
inline constexpr size_t kOpCount = 7;
std::string_view op_name(Op op);

// What one worker measured for one kind of operation. Not thread-safe.
struct OpStats {
  uint64_t ops = 0;                        // successful operations
  uint64_t bytes = 0;                      // payload bytes moved by them
  uint64_t keys = 0;                       // list: entries returned
  std::map<std::string, uint64_t> errors;  // S3 code (or "network") -> count
  LatencyHistogram latency;

  void merge(const OpStats& other);
  uint64_t error_count() const;
};
using OpStatsSet = std::array<OpStats, kOpCount>;

struct OpSummary {
  std::string op;
  uint64_t ops = 0;
  uint64_t bytes = 0;
  uint64_t keys = 0;
  double ops_per_s = 0;
  double mib_per_s = 0;
  double keys_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  std::map<std::string, uint64_t> errors;

  uint64_t error_count() const;
};

struct Report {
  std::string op;  // the workload: put, get, ..., mixed, multipart
  uint64_t size = 0;
  int concurrency = 0;
  double duration_s = 0;
  uint64_t objects = 0;
  std::string endpoint;
  OpSummary total;                   // the headline figures
  std::vector<OpSummary> breakdown;  // per operation, for mixed and multipart
};

OpSummary summarize(Op op, const OpStats& stats, double seconds);
// The headline of a mixed run: every operation together.
OpSummary summarize_all(std::string_view name, const OpStatsSet& stats, double seconds);

std::string to_json(const Report& report);
// Reads a document written by to_json. InvalidArgument when it is not one.
Result<Report> from_json(std::string_view text);

// The human table: a title line, one row per operation, the error counts.
std::string format_table(const Report& report);
// A and B side by side with B/A ratios.
std::string format_compare(const Report& a, const Report& b, std::string_view a_name,
                           std::string_view b_name);

}  // namespace silo::bench
