// The admin API under /silo/admin/v1/, served to the root user only. The
// server implements it; the S3 layer routes, authenticates and replies JSON.
#pragma once

#include <string>

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
};

}  // namespace silo::s3
