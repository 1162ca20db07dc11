// InternodeClient against a peer that resets a kept-alive connection as the
// next call arrives on it (a node that restarted or swapped its starting
// listener for the serving one): the call goes out again on a new
// connection, and the peer is not taken for a dead one.
#include "cluster/internode_client.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cluster/internode_auth.h"
#include "http/server.h"
#include "loopback_server.h"

namespace silo::cluster {
namespace {

using namespace std::chrono_literals;

// Answers the first request of every connection with 200 and keeps the
// connection open; a second request on any connection is met by a reset
// instead of an answer. (Every connection, not only the first: the client
// may open one of its own for a health probe.)
class ClosingPeer {
 public:
  ClosingPeer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ClosingPeer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
    for (auto& t : connections_threads_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

 private:
  // Reads one request (headers and a Content-Length body); false at EOF.
  static bool read_request(int fd) {
    std::string in;
    char buf[4096];
    size_t need = std::string::npos;
    while (need == std::string::npos || in.size() < need) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
      auto end = in.find("\r\n\r\n");
      if (need == std::string::npos && end != std::string::npos) {
        size_t body = 0;
        auto at = in.find("Content-Length: ");
        if (at != std::string::npos && at < end) body = std::stoul(in.substr(at + 16));
        need = end + 4 + body;
      }
    }
    return true;
  }
  // Each connection on a thread of its own: a client that opens a second
  // connection while the first stays open is not left in the backlog.
  void serve() {
    while (true) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      connections_threads_.emplace_back([fd] { answer(fd); });
    }
  }
  static void answer(int fd) {
    for (int request = 1; read_request(fd); ++request) {
      if (request == 2) {
        // Reset, not closed: a closed connection libcurl retries itself.
        linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        break;
      }
      std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      if (::send(fd, ok.data(), ok.size(), MSG_NOSIGNAL) < 0) break;
    }
    ::close(fd);
  }

  int listener_ = -1;
  std::vector<std::thread> connections_threads_;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(InternodeClient, ACallOnAConnectionThePeerResetGoesOutAgainOnANewOne) {
  ClosingPeer node;
  InternodeClient client(internode_token("root", "secret"), test_support::fast_probes());
  auto peer = client.peer(node.url());
  auto call = [&] { return client.call(*peer, "/silo/internode/v1/drive/x", {}, Deadline::after(2s)); };
  auto first = call();
  ASSERT_TRUE(first.has_value()) << first.error().text();
  auto second = call();
  ASSERT_TRUE(second.has_value()) << second.error().text();
  EXPECT_EQ(*second, "ok");
  // The second call met a reset on its kept-alive connection and went out
  // again on a new one (libcurl retries a reused connection that dies
  // before any answer itself; InternodeClient::call does it once more when
  // libcurl gave up), and the peer was not taken offline for it.
  EXPECT_GE(node.connections(), 2);
  EXPECT_TRUE(peer->online());
}


// Answers every request with 200.
struct Ok final : http::RequestHandler {
  boost::asio::awaitable<void> handle(http::Exchange& exchange) override {
    http::StringResponse res{boost::beast::http::status::ok, 11};
    res.prepare_payload();
    co_await exchange.send(std::move(res));
  }
  http::StringResponse malformed_request(ErrorCode) override {
    return http::StringResponse{boost::beast::http::status::bad_request, 11};
  }
};

// A node's starting listener stops while peers keep connections to it: a
// request that arrives then is not taken (it used to start a drive call the
// listener could no longer run, which held the node's address for 10 s).
TEST(HttpServer, AStoppingServerTakesNoNewRequestOnAKeptConnection) {
  Ok handler;
  boost::asio::io_context io;
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 1;
  http::Server server(io, options, handler);
  ASSERT_TRUE(server.start().has_value());
  std::thread loop([&] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval wait{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  std::string get = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
  char buf[1024];
  ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);
  server.stop();
  std::this_thread::sleep_for(50ms);
  ::send(fd, get.data(), get.size(), MSG_NOSIGNAL);
  EXPECT_EQ(::recv(fd, buf, sizeof buf, 0), 0);  // closed, unanswered
  EXPECT_EQ(server.active(), 0u);
  ::close(fd);
  server.join();
  io.stop();
  loop.join();
}

}  // namespace
}  // namespace silo::cluster
