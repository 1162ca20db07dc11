// The HTTP server: an Asio acceptor and one coroutine per connection that
// reads a request header, hands the exchange to the RequestHandler, and
// loops while the connection is kept alive. Bodies are never buffered here;
// the handler pulls them through the Exchange.
//
// Threads: the acceptor runs on the caller's io_context; connections run on
// `threads` event loops of their own, one io_context and one thread each,
// handed out round-robin. A connection stays on its loop for life, so its
// coroutine needs no strand and no other thread is woken to run it (one
// shared multi-threaded io_context spent a fifth of small-GET time waking
// threads).
//
// When accept fails for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM)
// the acceptor backs off (up to 1 s between attempts, so it accepts again
// soon after descriptors are freed) and logs one line per 10 s with the
// number of failures, instead of spinning.
//
// TLS (ServerOptions::tls): a connection first reads what the client sends;
// a TLS handshake must follow within handshake_timeout, or the connection is
// closed. A client that speaks plain HTTP to the TLS port is answered 400
// with a message saying to use https://, then closed. A failed handshake
// closes the connection and nothing else. The HTTP exchange after the
// handshake is the same code for both (http/stream.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "common/error.h"
#include "http/exchange.h"
#include "http/tls_certs.h"

namespace silo::http {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual boost::asio::awaitable<void> handle(Exchange& exchange) = 0;
  // The response to a request that could not even be parsed (bad framing,
  // oversized header). The connection is closed after it.
  virtual StringResponse malformed_request(ErrorCode code) = 0;
};

// Limits that keep a hostile or broken client from holding resources.
struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 9000;
  size_t header_limit = 16 * 1024;  // bytes of request line + headers
  size_t max_header_fields = 200;   // header fields of one request
  // A connection with no request in progress is closed after this long.
  std::chrono::seconds idle_timeout{60};
  // Once the first byte of a request arrived, its whole header must arrive
  // within this time, however slowly it trickles (slowloris): else the
  // connection is closed without an answer (there is no request to answer).
  std::chrono::seconds header_timeout{15};
  // The longest a body read or a response write may make no progress. A
  // stalled body is answered 400 RequestTimeout, then the connection closes.
  std::chrono::seconds io_timeout{120};
  // Open connections at most. At the limit new connections are not accepted
  // (they wait in the listen backlog) until one closes; open ones are served.
  size_t max_connections = 10000;  // `silo server` derives it from the descriptor limit
  unsigned threads = 2;  // event loops for connections
  // HTTPS when set: every connection is TLS with the certificate current
  // when it was accepted (see tls_certs.h); plain HTTP when null.
  std::shared_ptr<TlsCerts> tls;
  // A TLS connection must finish its handshake within this time, or it is
  // closed: a client that connects and says nothing holds no connection.
  std::chrono::seconds handshake_timeout{10};
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, RequestHandler& handler);
  ~Server();
  // Binds and starts accepting. Fails when the address cannot be bound.
  Status start();
  // Stops accepting; open connections finish their current exchange and close.
  void stop();
  // After stop() and once active() is 0 (or the caller gave up waiting):
  // stops the event loops, closes every connection left and joins the threads.
  void join();
  uint16_t port() const;
  // Number of exchanges in progress (for graceful shutdown).
  size_t active() const;
  // Number of open connections.
  size_t connections() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::shared_future<void> closed_;  // of the close stop() posted
};

}  // namespace silo::http
