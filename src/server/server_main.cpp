#include "server/server_main.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "http/server.h"
#include "object/drive_layer.h"
#include "s3/handler.h"
#include "storage/local_drive.h"

namespace silo::server {

namespace asio = boost::asio;

namespace {

constexpr const char* kDefaultUser = "siloadmin";
constexpr const char* kDefaultPassword = "siloadmin";

// "90s", "30m", "24h", "7d" -> nanoseconds.
std::optional<int64_t> parse_duration_ns(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  auto n = parse_u64(s.substr(0, s.size() - 1));
  if (!n) return std::nullopt;
  int64_t unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  return static_cast<int64_t>(*n) * unit * 1'000'000'000;
}

bool parse_address(const std::string& address, std::string& host, uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto p = parse_u64(address.substr(colon + 1));
  if (!p || *p > 65535) return false;
  port = static_cast<uint16_t>(*p);
  return true;
}

// Periodically aborts multipart uploads that were abandoned.
void schedule_upload_cleanup(asio::io_context& io, asio::thread_pool& pool,
                             object::ObjectLayer& layer, int64_t max_age_ns,
                             std::shared_ptr<asio::steady_timer> timer) {
  auto interval = std::chrono::nanoseconds(std::clamp<int64_t>(max_age_ns / 4, 1'000'000'000LL,
                                                              3600LL * 1'000'000'000));
  timer->expires_after(interval);
  timer->async_wait([&io, &pool, &layer, max_age_ns, timer](boost::system::error_code ec) {
    if (ec) return;
    asio::post(pool, [&layer, max_age_ns] {
      auto n = layer.cleanup_uploads(now_ns() - max_age_ns);
      if (n && *n > 0) spdlog::info("aborted {} abandoned multipart upload(s)", *n);
    });
    schedule_upload_cleanup(io, pool, layer, max_age_ns, timer);
  });
}

}  // namespace

int run_server(const ServerConfig& config) {
  init_logging(config.debug);
  if (config.drives.size() != 1) {
    std::cerr << "silo server: exactly one data folder is supported for now, e.g. `silo server ./data`\n";
    return 2;
  }
  http::ServerOptions http_options;
  if (!parse_address(config.address, http_options.host, http_options.port)) {
    std::cerr << "silo server: --address must look like :9000 or 127.0.0.1:9000, not '"
              << config.address << "'\n";
    return 2;
  }
  auto stale_age = parse_duration_ns(config.stale_uploads_expiry);
  if (!stale_age) {
    std::cerr << "silo server: --stale-uploads-expiry must look like 24h, 30m or 90s\n";
    return 2;
  }

  const char* user_env = std::getenv("SILO_ROOT_USER");
  const char* password_env = std::getenv("SILO_ROOT_PASSWORD");
  std::string user = user_env && *user_env ? user_env : kDefaultUser;
  std::string password = password_env && *password_env ? password_env : kDefaultPassword;
  bool default_credentials = !(user_env && *user_env) || !(password_env && *password_env);
  if (user.size() < 3 || password.size() < 8) {
    std::cerr << "silo server: SILO_ROOT_USER needs at least 3 characters and "
                 "SILO_ROOT_PASSWORD at least 8\n";
    return 2;
  }

  auto drive = storage::LocalDrive::open(config.drives[0], "");
  if (!drive) {
    std::cerr << "silo server: " << drive.error().text() << "\n";
    return 1;
  }
  std::shared_ptr<storage::Drive> shared_drive = std::move(*drive);
  object::DriveLayer layer(shared_drive);
  iam::CredentialStore credentials;
  credentials.add(user, password);

  unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(cores));
  asio::thread_pool blocking(std::max(16u, cores * 8));
  s3::Services services{layer, credentials, blocking, {}};
  services.config.region = config.region;
  services.config.domains = config.domains;
  services.config.stale_upload_age_ns = *stale_age;
  s3::S3Handler handler(services);
  http::Server server(io, http_options, handler);
  if (auto s = server.start(); !s) {
    std::cerr << "silo server: " << s.error().text() << "\n";
    return 1;
  }

  std::string shown_host = http_options.host == "0.0.0.0" ? "127.0.0.1" : http_options.host;
  std::cout << "Silo object storage server\n"
            << "  API:         http://" << shown_host << ":" << server.port() << "\n"
            << "  Data:        " << shared_drive->endpoint() << "\n"
            << "  Region:      " << config.region << "\n"
            << "  RootUser:    " << user << "\n"
            << "  RootPass:    " << password << "\n";
  if (default_credentials) {
    std::cout << "\nWARNING: default credentials in use. Anyone who can reach this port has "
                 "full access.\n         Set SILO_ROOT_USER and SILO_ROOT_PASSWORD to change "
                 "them.\n";
  }
  std::cout << std::flush;

  auto cleanup_timer = std::make_shared<asio::steady_timer>(io);
  schedule_upload_cleanup(io, blocking, layer, *stale_age, cleanup_timer);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  auto drain_timer = std::make_shared<asio::steady_timer>(io);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: finishing in-flight requests", sig);
    server.stop();
    cleanup_timer->cancel();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::function<void()> wait_drain = [&, deadline] {
      if (server.active() == 0 || std::chrono::steady_clock::now() > deadline) {
        io.stop();
        return;
      }
      drain_timer->expires_after(std::chrono::milliseconds(50));
      drain_timer->async_wait([&](boost::system::error_code) { wait_drain(); });
    };
    wait_drain();
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < cores; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  blocking.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace silo::server
