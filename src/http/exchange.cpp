#include "http/exchange.h"

#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/stream.h"

namespace silo::http {

namespace asio = boost::asio;

namespace {
constexpr auto kAwaitNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kBodyReadBuffer = 64 * 1024;  // Beast reads at most 64 KiB at a time
}

Exchange::Exchange(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
                   std::chrono::seconds io_timeout)
    : stream_(stream), buffer_(buffer), parser_(parser), io_timeout_(io_timeout) {
  keep_alive_ = parser_.get().keep_alive();
}

std::string Exchange::remote_address() const {
  boost::system::error_code ec;
  auto ep = stream_.tcp().socket().remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string();
}

asio::awaitable<Result<size_t>> Exchange::read_body(std::span<uint8_t> out) {
  if (!continue_sent_) {
    // Answer "100 Continue" once the handler wants the body, even an empty
    // one: clients that asked for it wait for it before anything else.
    continue_sent_ = true;
    auto expect = parser_.get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      stream_.tcp().expires_after(io_timeout_);
      auto [ec, n] = co_await stream_.with(
          [&](auto& s) { return bhttp::async_write(s, cont, kAwaitNoThrow); });
      (void)n;
      if (ec) {
        keep_alive_ = false;
        co_return fail(ErrorCode::kIncompleteBody, "connection lost");
      }
    }
  }
  if (out.empty()) co_return 0;
  // Beast sizes each socket read by the free capacity of the buffer (at
  // least 512 bytes); after a header that is a few hundred bytes, so a 1 MiB
  // body would take thousands of recvmsg calls. Give body reads room.
  if (buffer_.capacity() < kBodyReadBuffer) buffer_.reserve(kBodyReadBuffer);
  // A read may consume only framing (a chunk header of Transfer-Encoding:
  // chunked); keep reading until body bytes arrive or the body ends.
  while (!parser_.is_done()) {
    auto& body = parser_.get().body();
    body.data = out.data();
    body.size = out.size();
    // The deadline cancels the read rather than closing the socket (what the
    // stream's own expiry does), so a client that stalls mid-body still gets
    // its 400 RequestTimeout, as from S3. The flag is shared: a timer that
    // fired just as the read finished may run after this frame moved on.
    stream_.tcp().expires_never();
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer deadline(stream_.tcp().get_executor(), io_timeout_);
    deadline.async_wait([timed_out, &socket = stream_.tcp().socket()](boost::system::error_code e) {
      if (e) return;  // cancelled: the read finished in time
      *timed_out = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    });
    auto [ec, n] = co_await stream_.with(
        [&](auto& s) { return bhttp::async_read_some(s, buffer_, parser_, kAwaitNoThrow); });
    deadline.cancel();
    (void)n;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      keep_alive_ = false;
      if (*timed_out) co_return fail(ErrorCode::kRequestTimeout);
      co_return fail(ErrorCode::kIncompleteBody);
    }
    size_t got = out.size() - body.size;
    if (got > 0) co_return got;
  }
  co_return 0;
}

void Exchange::decide_keep_alive() {
  // A body left unread would be parsed as the next request: close instead.
  // So does a client that asked for "100 Continue" and never got it: it may
  // still send its body, or misread the next response.
  if (!parser_.is_done()) keep_alive_ = false;
  if (!continue_sent_ && beast::iequals(parser_.get()[bhttp::field::expect], "100-continue")) {
    keep_alive_ = false;
  }
}

void Exchange::begin_response() {
  decide_keep_alive();
  response_started_ = true;
}

Status Exchange::written(const boost::system::error_code& ec) {
  if (!ec) return {};
  keep_alive_ = false;  // the peer may have part of a response: never reuse
  return fail(ErrorCode::kInternalError, "write failed: " + ec.message());
}

asio::awaitable<Status> Exchange::send(StringResponse response) {
  begin_response();
  response.keep_alive(keep_alive_);
  response.prepare_payload();
  stream_.tcp().expires_after(io_timeout_);
  auto [ec, n] = co_await stream_.with(
      [&](auto& s) { return bhttp::async_write(s, response, kAwaitNoThrow); });
  (void)n;
  co_return written(ec);
}

asio::awaitable<Status> Exchange::send_header(ResponseHeader& header) {
  begin_response();
  bhttp::response<bhttp::empty_body> res{std::move(header)};
  res.keep_alive(keep_alive_);
  bhttp::response_serializer<bhttp::empty_body> sr{res};
  stream_.tcp().expires_after(io_timeout_);
  auto [ec, n] = co_await stream_.with(
      [&](auto& s) { return bhttp::async_write_header(s, sr, kAwaitNoThrow); });
  (void)n;
  header = std::move(res.base());
  co_return written(ec);
}

asio::awaitable<Status> Exchange::send_header_and_body(ResponseHeader& header,
                                                       std::span<const uint8_t> body) {
  begin_response();
  bhttp::response<bhttp::buffer_body> res{std::move(header)};
  res.keep_alive(keep_alive_);
  res.body().data = const_cast<uint8_t*>(body.data());  // buffer_body is not const-aware; only read
  res.body().size = body.size();
  res.body().more = false;
  stream_.tcp().expires_after(io_timeout_);
  auto [ec, n] = co_await stream_.with(
      [&](auto& s) { return bhttp::async_write(s, res, kAwaitNoThrow); });
  (void)n;
  header = std::move(res.base());
  co_return written(ec);
}

asio::awaitable<Status> Exchange::send_body(std::span<const uint8_t> data) {
  stream_.tcp().expires_after(io_timeout_);
  auto [ec, n] = co_await stream_.with([&](auto& s) {
    return asio::async_write(s, asio::buffer(data.data(), data.size()), kAwaitNoThrow);
  });
  (void)n;
  co_return written(ec);
}

}  // namespace silo::http
