// `silo server`: opens the drives, builds the layers and runs the HTTP server
// until SIGINT/SIGTERM, then drains in-flight requests and closes cleanly.
#pragma once

#include <string>
#include <vector>

namespace silo::server {

struct ServerConfig {
  std::string address = ":9000";
  std::vector<std::string> drives;
  std::vector<std::string> domains;
  // Empty: requests signed for any region are accepted (MinIO's default);
  // otherwise only this one, as AWS does.
  std::string region;
  std::string stale_uploads_expiry = "24h";
  bool debug = false;
};

// Runs the server; returns the process exit code.
int run_server(const ServerConfig& config);

}  // namespace silo::server
