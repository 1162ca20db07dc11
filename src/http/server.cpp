#include "http/server.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <unistd.h>
#include <vector>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"

namespace silo::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAwaitNoThrow = asio::as_tuple(asio::use_awaitable);
}

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(asio::io_context& io, ServerOptions o, RequestHandler& h)
      : io(io), options(std::move(o)), handler(h), acceptor(asio::make_strand(io)) {}

  asio::io_context& io;
  ServerOptions options;
  RequestHandler& handler;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> active{0};
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<WorkGuard> guards;
  std::vector<std::thread> threads;
  size_t next_loop = 0;

  void start_loops() {
    unsigned n = std::max(1u, options.threads);
    for (unsigned i = 0; i < n; ++i) {
      // Hint 1: each loop has exactly one thread, so Asio may skip locking.
      loops.push_back(std::make_unique<asio::io_context>(1));
      guards.push_back(asio::make_work_guard(*loops.back()));
    }
    for (auto& loop : loops) threads.emplace_back([l = loop.get()] { l->run(); });
  }

  void join_loops() {
    guards.clear();
    for (auto& loop : loops) loop->stop();
    for (auto& t : threads) t.join();
    threads.clear();
    // Destroying the loops destroys the coroutines still parked on them
    // (idle keep-alive connections), which closes their sockets.
    loops.clear();
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopping) {
      // Accepted on the main loop, then handed over by file descriptor: a
      // pending accept must never hold a socket of a worker loop, which is
      // destroyed before the main loop at shutdown.
      auto [ec, accepted] = co_await acceptor.async_accept(kAwaitNoThrow);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) break;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      auto& loop = *loops[next_loop++ % loops.size()];
      auto protocol = accepted.local_endpoint(ec).protocol();
      tcp::socket socket(loop);
      if (!ec) {
        auto fd = accepted.release(ec);
        if (!ec) socket.assign(protocol, fd, ec);
        if (ec && fd >= 0) ::close(fd);
      }
      if (ec) {
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(loop, connection(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (!stopping) {
      RequestParser parser;
      parser.header_limit(static_cast<uint32_t>(options.header_limit));
      parser.body_limit(boost::none);
      stream.expires_after(options.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kAwaitNoThrow);
      (void)n;
      if (ec) {
        if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
            ec == beast::error::timeout || ec == asio::error::connection_reset ||
            ec == asio::error::operation_aborted) {
          break;
        }
        // Framing or size error: answer once, then close.
        ErrorCode code = ec == bhttp::error::header_limit ? ErrorCode::kRequestHeaderSectionTooLarge
                                                          : ErrorCode::kInvalidRequest;
        auto res = handler.malformed_request(code);
        res.keep_alive(false);
        res.prepare_payload();
        stream.expires_after(options.io_timeout);
        co_await bhttp::async_write(stream, res, kAwaitNoThrow);
        break;
      }
      active++;
      Exchange exchange(stream, buffer, parser, options.io_timeout);
      co_await handler.handle(exchange);
      active--;
      if (!exchange.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
  }
};

Server::Server(asio::io_context& io, ServerOptions options, RequestHandler& handler)
    : state_(std::make_shared<State>(io, std::move(options), handler)) {}

Server::~Server() { join(); }

Status Server::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(state_->options.host, ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "bad listen address " + state_->options.host);
  tcp::endpoint ep(address, state_->options.port);
  auto& acc = state_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::kInternalError, "cannot listen on " + state_->options.host + ":" +
                                               std::to_string(state_->options.port) + ": " +
                                               ec.message());
  }
  state_->start_loops();
  asio::co_spawn(acc.get_executor(), state_->accept_loop(), asio::detached);
  return {};
}

void Server::join() {
  stop();
  state_->join_loops();
}

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  asio::post(state_->acceptor.get_executor(), [s = state_] {
    boost::system::error_code ec;
    s->acceptor.close(ec);
  });
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

size_t Server::active() const { return state_->active.load(); }

}  // namespace silo::http
