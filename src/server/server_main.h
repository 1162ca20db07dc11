// `silo server`: opens the drives, builds the layers and runs the HTTP server
// until SIGINT/SIGTERM, then drains in-flight requests and closes cleanly.
#pragma once

#include <string>
#include <vector>

namespace silo::server {

struct ServerConfig {
  // host:port. An empty host (":9000", or no --address at all) means every
  // interface when root credentials are configured and loopback otherwise;
  // a non-loopback host without credentials is refused.
  std::string address = ":9000";
  std::vector<std::string> drives;
  std::vector<std::string> domains;
  // Empty: requests signed for any region are accepted (MinIO's default);
  // otherwise only this one, as AWS does.
  std::string region;
  std::string stale_uploads_expiry = "24h";
  // Free space each drive keeps (storage/space.h): a size or a percentage;
  // empty: 1 %, or more when the drive's metadata store needs more.
  std::string min_free;
  // Client limits (http::ServerOptions): durations like "60s", "2m".
  std::string idle_timeout = "60s";
  std::string header_timeout = "15s";
  std::string io_timeout = "120s";
  // How long one call to a drive may take before that drive counts as
  // failed for the request (ErasureSetOptions::drive_timeout).
  std::string drive_timeout = "30s";
  // 0: half the descriptor limit, at most 10000 (the rest stays for drives).
  size_t max_connections = 0;
  // HTTPS with DIR/public.crt and DIR/private.key; peers' certificates are
  // verified against the system's CAs and DIR/CAs/ (server/tls_setup.h).
  // Empty: plain HTTP.
  std::string certs_dir;
  bool debug = false;
};

// Runs the server; returns the process exit code.
int run_server(const ServerConfig& config);

}  // namespace silo::server
