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
  // Progress of the current or last heal.
  virtual std::string heal_status_json() = 0;
};

}  // namespace silo::s3
