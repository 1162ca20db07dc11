// One HTTP request and its response on a connection, as the S3 layer sees
// it: the parsed request header, a streamed request body, and either a
// complete response or a header followed by streamed body writes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "common/error.h"

namespace silo::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using RequestHeader = bhttp::request_header<>;
using StringResponse = bhttp::response<bhttp::string_body>;
using ResponseHeader = bhttp::response_header<>;
using RequestParser = bhttp::request_parser<bhttp::buffer_body>;

class Stream;  // http/stream.h: plain TCP or TLS

class Exchange {
 public:
  Exchange(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
           std::chrono::seconds io_timeout);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const RequestHeader& request() const { return parser_.get().base(); }
  // Content-Length when the request carries one (not for chunked transfer encoding).
  std::optional<uint64_t> content_length() const {
    auto n = parser_.content_length();
    return n ? std::optional<uint64_t>(*n) : std::nullopt;
  }

  // Reads the next piece of the request body into `out`; 0 at the end of the
  // body. Sends "100 Continue" first when the client asked for it. Fails with
  // IncompleteBody when the client closes the connection early, and
  // RequestTimeout when it stops sending.
  boost::asio::awaitable<Result<size_t>> read_body(std::span<uint8_t> out);
  bool body_done() const { return parser_.is_done(); }

  // Sends a complete response. Keep-alive follows the request unless the body
  // was left unread.
  boost::asio::awaitable<Status> send(StringResponse response);
  // Sends a response header (Content-Length set by the caller), then the body
  // through send_body().
  boost::asio::awaitable<Status> send_header(ResponseHeader& header);
  boost::asio::awaitable<Status> send_body(std::span<const uint8_t> data);
  // send_header and send_body of a whole body in one gathered write: a small
  // response in two writes costs the client two wake-ups.
  boost::asio::awaitable<Status> send_header_and_body(ResponseHeader& header,
                                                      std::span<const uint8_t> body);
  bool response_started() const { return response_started_; }
  // False when the connection must be closed after this exchange.
  bool keep_alive() const { return keep_alive_; }
  // Whether the request's body was read to its end (or it had none).
  bool body_consumed() const { return parser_.is_done(); }
  void set_close() { keep_alive_ = false; }
  std::string remote_address() const;

 private:
  void decide_keep_alive();
  // Every response: fixes keep-alive and marks the response started.
  void begin_response();
  // The status of a write; a failed one closes the connection afterwards.
  Status written(const boost::system::error_code& ec);
  Stream& stream_;
  beast::flat_buffer& buffer_;
  RequestParser& parser_;
  std::chrono::seconds io_timeout_;
  bool continue_sent_ = false;
  bool response_started_ = false;
  bool keep_alive_ = true;
};

}  // namespace silo::http
