// The admin API under /silo/admin/v1/, served to the root user only. The
// server implements it; the S3 layer routes, authenticates and replies JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "common/error.h"

namespace silo::s3 {

class AdminApi {
 public:
  virtual ~AdminApi() = default;
  // Version, uptime, layout and drive states. May block.
  virtual std::string info_json() = 0;
  // Heals every object under bucket/prefix now; returns the heal summary. Blocks.
  virtual std::string heal_json(const std::string& bucket, const std::string& prefix) = 0;
  // Starts the same heal in the background and returns its progress at once
  // (then watch it with heal_status_json("heal")); while one runs, returns that one's.
  virtual std::string heal_start_json(const std::string& bucket, const std::string& prefix) = 0;
  // Progress of the current or last walk: of `kind` ("heal": on demand,
  // "scanner": background), or whichever started last when `kind` is empty.
  virtual std::string heal_status_json(const std::string& kind) = 0;
  // Whether every erasure set can take writes (enough drives online and
  // with room for their write quorum), and a JSON account of each set that
  // names no paths (the health endpoint answers it without credentials).
  // Never blocks.
  virtual std::pair<bool, std::string> cluster_health() = 0;
  // Whether this node can serve reads and writes: every erasure set has
  // enough drives online for its write quorum (full drives count: they
  // serve reads and deletes). Never blocks.
  virtual bool ready() = 0;
  // The bucket's quota and usage: {"bucket", "quota" (bytes or null),
  // "usage": {"objects", "bytes"}}; NoSuchBucket when it does not exist. May block.
  virtual Result<std::string> quota_json(const std::string& bucket) = 0;
  // Sets the bucket's quota in bytes (nullopt: removes it) and answers as
  // quota_json. May block.
  virtual Result<std::string> set_quota(const std::string& bucket,
                                        std::optional<uint64_t> bytes) = 0;
  // Pools and the jobs that move objects between them (object/pool_jobs.h):
  // with `job` empty, every pool and its state; else `job` "decommission"
  // (`action` start, status or cancel of `pool`, its number or name) or
  // "rebalance" (start, status or stop). May block.
  virtual Result<std::string> pools_json(const std::string& job, const std::string& action,
                                         const std::string& pool) = 0;
};

}  // namespace silo::s3
