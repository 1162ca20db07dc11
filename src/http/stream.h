// The byte stream of one connection: plain TCP, or TLS over TCP. The
// connection loop and the Exchange are written once against it and reach
// the actual stream through with(), so the HTTP logic is not duplicated and
// plain connections pay one branch per I/O call (not per byte): no virtual
// call, no extra buffer, no copy.
//
// Timeouts are always set on the TCP layer (tcp()): a TLS stream reads and
// writes through it, so its deadlines bound TLS records and the handshake
// alike, and a deadline that expires closes the socket under either.
//
// Not thread-safe: a connection's coroutine owns it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <variant>

namespace silo::http {

class Stream {
 public:
  using Plain = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  explicit Stream(boost::asio::ip::tcp::socket socket) : stream_(std::in_place_type<Plain>, std::move(socket)) {}
  // TLS with `context`, which the stream keeps alive: the certificate a
  // connection started with stays in use while a reload swaps in another.
  Stream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)),
        stream_(std::in_place_type<Tls>, std::move(socket), *context_) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // The TCP layer: timeouts, the socket, a close.
  Plain& tcp() {
    if (auto* t = std::get_if<Tls>(&stream_)) return t->next_layer();
    return std::get<Plain>(stream_);
  }
  // The TLS stream, or null for plain TCP.
  Tls* tls() { return std::get_if<Tls>(&stream_); }

  // f(stream) with the stream the HTTP bytes go through; `f` is generic
  // and must return the same type for both (an Asio awaitable does).
  template <typename F>
  decltype(auto) with(F&& f) {
    if (auto* t = std::get_if<Tls>(&stream_)) return f(*t);
    return f(std::get<Plain>(stream_));
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // before stream_: outlives it
  std::variant<Plain, Tls> stream_;
};

}  // namespace silo::http
