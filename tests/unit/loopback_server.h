// Test support for the internode tests: an HTTP server for one handler on a
// loopback port, with its own event loop, that can be stopped and started
// again on the same port (a node that goes away and comes back); and probe
// timings short enough for tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "cluster/internode_client.h"
#include "http/server.h"

namespace silo::test_support {

class LoopbackServer {
 public:
  // Starts at once on a free port.
  explicit LoopbackServer(http::RequestHandler& handler) : handler_(handler) { start(0); }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // `port` 0: a free one (the last one, to come back where it was).
  void start(uint16_t port) {
    io_ = std::make_unique<boost::asio::io_context>();
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.threads = 1;
    server_ = std::make_unique<http::Server>(*io_, options, handler_);
    EXPECT_TRUE(server_->start().has_value());
    port_ = server_->port();
    thread_ = std::thread([io = io_.get()] { io->run(); });
  }
  void stop() {
    if (!server_) return;
    server_->stop();
    server_->join();
    io_->stop();
    thread_.join();
    server_.reset();
    io_.reset();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  http::RequestHandler& handler_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

inline cluster::InternodeOptions fast_probes() {
  using namespace std::chrono_literals;
  cluster::InternodeOptions o;
  o.connect_timeout = 500ms;
  o.probe_interval = 100ms;
  o.probe_timeout = 300ms;
  return o;
}

}  // namespace silo::test_support
