#include "http/server.h"

#include <atomic>
#include <future>
#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <unistd.h>
#include <vector>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "http/stream.h"

namespace silo::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAwaitNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kLogInterval = std::chrono::seconds(10);
constexpr auto kMaxAcceptBackoff = std::chrono::milliseconds(1000);

// Errors that say the process or system is out of something an accept needs;
// retrying at once would fail again at once.
bool out_of_resources(const boost::system::error_code& ec) {
  int v = ec.value();
  return ec.category() == boost::system::system_category() &&
         (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM);
}

// At most one log line per interval for a repeating condition.
class RateLimitedLog {
 public:
  // Counts an occurrence; true when a line should be written now, with
  // `suppressed()` occurrences since the last one.
  bool due() {
    ++count_;
    auto now = std::chrono::steady_clock::now();
    if (now < next_) return false;
    next_ = now + kLogInterval;
    return true;
  }
  uint64_t take() { return std::exchange(count_, 0); }

 private:
  uint64_t count_ = 0;
  std::chrono::steady_clock::time_point next_{};
};
}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(asio::io_context& io, ServerOptions o, RequestHandler& h)
      : io(io), options(std::move(o)), handler(h), acceptor(asio::make_strand(io)) {}

  asio::io_context& io;
  ServerOptions options;
  RequestHandler& handler;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  // Set once stop()'s close of the acceptor ran on its strand.
  std::promise<void> closed;
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

  // Runs on the acceptor's strand; woken when a connection closes while the
  // acceptor waits for a free slot.
  asio::steady_timer slot_freed{acceptor.get_executor()};
  std::atomic<size_t> open_connections{0};
  bool waiting_for_slot = false;

  void connection_closed() {
    if (open_connections.fetch_sub(1) == options.max_connections) {
      asio::post(acceptor.get_executor(), [self = shared_from_this()] {
        if (self->waiting_for_slot) self->slot_freed.cancel();
      });
    }
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    RateLimitedLog failure_log, limit_log;
    auto backoff = std::chrono::milliseconds(0);
    asio::steady_timer pause(acceptor.get_executor());
    while (!stopping) {
      // At the connection limit: leave new connections in the backlog.
      while (!stopping && open_connections.load() >= std::max<size_t>(1, options.max_connections)) {
        if (limit_log.due()) {
          spdlog::warn("connection limit ({}) reached: new connections wait until one closes",
                       options.max_connections);
          limit_log.take();
        }
        waiting_for_slot = true;
        slot_freed.expires_after(std::chrono::seconds(1));
        co_await slot_freed.async_wait(kAwaitNoThrow);
        waiting_for_slot = false;
      }
      if (stopping) break;
      // Accepted on the main loop, then handed over by file descriptor: a
      // pending accept must never hold a socket of a worker loop, which is
      // destroyed before the main loop at shutdown.
      auto [ec, accepted] = co_await acceptor.async_accept(kAwaitNoThrow);
      if (!ec) {
        ec = hand_over(std::move(accepted));
        if (!ec) {
          backoff = std::chrono::milliseconds(0);
          continue;
        }
      }
      if (stopping || ec == asio::error::operation_aborted) break;
      // Out of descriptors, the pending connection stays queued and accept
      // fails again at once: back off instead of spinning, log sparingly.
      bool starved = out_of_resources(ec);
      backoff = starved ? std::clamp(backoff * 2, std::chrono::milliseconds(10), kMaxAcceptBackoff)
                        : std::chrono::milliseconds(1);
      if (failure_log.due()) {
        spdlog::warn("accept failed: {} ({} time(s) in the last {} s){}", ec.message(),
                     failure_log.take(), kLogInterval.count(),
                     starved ? "; backing off until descriptors are free" : "");
      }
      pause.expires_after(backoff);
      co_await pause.async_wait(kAwaitNoThrow);
    }
  }

  // Moves an accepted socket to the next event loop and starts its coroutine.
  boost::system::error_code hand_over(tcp::socket accepted) {
    boost::system::error_code ec;
    auto& loop = *loops[next_loop++ % loops.size()];
    auto protocol = accepted.local_endpoint(ec).protocol();
    if (ec) return ec;
    tcp::socket socket(loop);
    auto fd = accepted.release(ec);
    if (!ec) socket.assign(protocol, fd, ec);
    if (ec) {
      if (fd >= 0) ::close(fd);
      return ec;
    }
    socket.set_option(tcp::no_delay(true), ec);
    open_connections++;
    asio::co_spawn(loop, connection(std::move(socket)), asio::detached);
    return {};
  }

  // Waits for the first byte of the next request (idle_timeout), then reads
  // its header within header_timeout. Returns the error of the read.
  asio::awaitable<boost::system::error_code> read_header(Stream& stream,
                                                         beast::flat_buffer& buffer,
                                                         RequestParser& parser, bool& started) {
    started = buffer.size() > 0;  // pipelined bytes of the next request
    if (!started) {
      stream.tcp().expires_after(options.idle_timeout);
      auto [ec, n] = co_await stream.with(
          [&](auto& s) { return s.async_read_some(buffer.prepare(4096), kAwaitNoThrow); });
      if (ec) co_return ec;
      buffer.commit(n);
      started = true;
    }
    stream.tcp().expires_after(options.header_timeout);
    auto [ec, n] = co_await stream.with(
        [&](auto& s) { return bhttp::async_read_header(s, buffer, parser, kAwaitNoThrow); });
    (void)n;
    co_return ec;
  }

  // Answers a request that cannot be served (bad framing, limits) and closes.
  asio::awaitable<void> refuse(Stream& stream, ErrorCode code) {
    auto res = handler.malformed_request(code);
    res.keep_alive(false);
    res.prepare_payload();
    stream.tcp().expires_after(std::min(options.io_timeout, std::chrono::seconds(10)));
    co_await stream.with([&](auto& s) { return bhttp::async_write(s, res, kAwaitNoThrow); });
  }

  // The TLS handshake of a new connection, within handshake_timeout (the
  // stream's deadline closes the socket of a client that never finishes
  // it). True when the connection may carry requests.
  asio::awaitable<bool> handshake(Stream& stream, beast::flat_buffer& buffer) {
    stream.tcp().expires_after(options.handshake_timeout);
    auto [ec, n] = co_await stream.tcp().async_read_some(buffer.prepare(4096), kAwaitNoThrow);
    if (ec) co_return false;
    buffer.commit(n);
    // Every TLS connection opens with a handshake record (type 22); other
    // bytes are most likely plain HTTP from a client given an http:// URL.
    constexpr uint8_t kHandshakeRecord = 0x16;
    if (static_cast<const uint8_t*>(buffer.data().data())[0] != kHandshakeRecord) {
      StringResponse res{bhttp::status::bad_request, 11};
      res.set(bhttp::field::content_type, "application/xml");
      res.body() =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>BadRequest</Code><Message>"
          "This server speaks HTTPS on this port: use an https:// URL.</Message></Error>";
      res.keep_alive(false);
      res.prepare_payload();
      co_await bhttp::async_write(stream.tcp(), res, kAwaitNoThrow);
      co_return false;
    }
    // The bytes read so far are the start of the client's hello.
    auto [hec, used] = co_await stream.tls()->async_handshake(
        asio::ssl::stream_base::server, buffer.data(), kAwaitNoThrow);
    buffer.consume(used);
    if (hec) {
      spdlog::debug("TLS handshake with {} failed: {}", peer_address(stream), hec.message());
      co_return false;
    }
    // A client cannot send requests before the handshake is done, so the
    // hello was all there was; anything else is not ours to parse.
    co_return buffer.size() == 0;
  }

  static std::string peer_address(Stream& stream) {
    boost::system::error_code ec;
    auto ep = stream.tcp().socket().remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string();
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    auto self = shared_from_this();
    Stream stream = options.tls ? Stream(std::move(socket), options.tls->current())
                                : Stream(std::move(socket));
    beast::flat_buffer buffer;
    bool unread_body = false;
    if (stream.tls() && !co_await handshake(stream, buffer)) {
      stream.tcp().close();
      connection_closed();
      co_return;
    }
    while (!stopping) {
      RequestParser parser;
      parser.header_limit(static_cast<uint32_t>(options.header_limit));
      parser.body_limit(boost::none);
      bool started = false;
      auto ec = co_await read_header(stream, buffer, parser, started);
      if (ec) {
        if (ec == beast::error::timeout) {
          // Idle, or a header that did not arrive in time (slowloris): the
          // stream's deadline has closed the socket already.
          if (started) spdlog::debug("request header not complete in time: connection closed");
          break;
        }
        if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
          break;
        }
        // Framing or size error: answer once, then close.
        co_await refuse(stream, ec == bhttp::error::header_limit
                                    ? ErrorCode::kRequestHeaderSectionTooLarge
                                    : ErrorCode::kInvalidRequest);
        break;
      }
      // A stopping server takes no new request, even on a connection kept
      // alive: the client finds it closed and goes elsewhere (a node's
      // starting listener, handing its address over, used to take drive
      // calls it could no longer run and held the address for 10 s).
      if (stopping) break;
      const auto& fields = parser.get().base();
      if (static_cast<size_t>(std::distance(fields.begin(), fields.end())) >
          options.max_header_fields) {
        co_await refuse(stream, ErrorCode::kRequestHeaderSectionTooLarge);
        break;
      }
      active++;
      Exchange exchange(stream, buffer, parser, options.io_timeout);
      co_await handler.handle(exchange);
      active--;
      unread_body = !exchange.body_consumed();
      if (!exchange.keep_alive()) break;
    }
    // TLS connections end without close_notify: every response is framed
    // by its length, so a client loses nothing, and waiting for the
    // client's own close_notify would hold the connection.
    boost::system::error_code ignored;
    stream.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (unread_body) co_await linger(stream.tcp());
    stream.tcp().close();
    connection_closed();
  }

  // A lingering close, after an answer that did not need the request's
  // whole body (an error found before it was read): the client may still be
  // sending it, and closing with its bytes unread makes the kernel answer
  // them with a reset that can destroy the response before the client reads
  // it. So what it still sends is read and dropped, for a bounded time and
  // size, until it closes its side (on a TLS connection, as raw TCP bytes:
  // they are dropped anyway).
  static asio::awaitable<void> linger(beast::tcp_stream& stream) {
    constexpr size_t kMaxDrain = 8 << 20;
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16 << 10> scratch;
    size_t drained = 0;
    while (drained < kMaxDrain) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), kAwaitNoThrow);
      if (ec) break;
      drained += n;
    }
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
  // The address is free once join returns (a server started on it next
  // must be able to bind): wait for the close stop() posted, which runs if
  // the acceptor's loop still runs; closed here if that loop has stopped.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (closed_.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    if (state_->io.stopped() || std::chrono::steady_clock::now() > give_up) {
      boost::system::error_code ec;
      state_->acceptor.close(ec);
      break;
    }
  }
  state_->join_loops();
}

void Server::stop() {
  if (state_->stopping.exchange(true)) return;
  closed_ = state_->closed.get_future().share();
  asio::post(state_->acceptor.get_executor(), [s = state_] {
    boost::system::error_code ec;
    s->acceptor.close(ec);
    s->closed.set_value();
  });
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

size_t Server::active() const { return state_->active.load(); }

size_t Server::connections() const { return state_->open_connections.load(); }

}  // namespace silo::http
