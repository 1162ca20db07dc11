#include "http/exchange.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace silo::http {

namespace asio = boost::asio;

namespace {
constexpr auto kAwaitNoThrow = asio::as_tuple(asio::use_awaitable);
}

Exchange::Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
                   std::chrono::seconds io_timeout)
    : stream_(stream), buffer_(buffer), parser_(parser), io_timeout_(io_timeout) {
  keep_alive_ = parser_.get().keep_alive();
}

std::string Exchange::remote_address() const {
  boost::system::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string();
}

asio::awaitable<Result<size_t>> Exchange::read_body(std::span<uint8_t> out) {
  if (parser_.is_done() || out.empty()) co_return 0;
  if (!continue_sent_) {
    continue_sent_ = true;
    auto expect = parser_.get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      stream_.expires_after(io_timeout_);
      auto [ec, n] = co_await bhttp::async_write(stream_, cont, kAwaitNoThrow);
      (void)n;
      if (ec) {
        keep_alive_ = false;
        co_return fail(ErrorCode::kIncompleteBody, "connection lost");
      }
    }
  }
  auto& body = parser_.get().body();
  body.data = out.data();
  body.size = out.size();
  stream_.expires_after(io_timeout_);
  auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, kAwaitNoThrow);
  (void)n;
  if (ec == bhttp::error::need_buffer) ec = {};
  if (ec) {
    keep_alive_ = false;
    if (ec == beast::error::timeout) co_return fail(ErrorCode::kRequestTimeout);
    co_return fail(ErrorCode::kIncompleteBody);
  }
  co_return out.size() - body.size;
}

void Exchange::decide_keep_alive() {
  // A body left unread would be parsed as the next request: close instead.
  if (!parser_.is_done()) keep_alive_ = false;
}

asio::awaitable<Status> Exchange::send(StringResponse response) {
  decide_keep_alive();
  response_started_ = true;
  response.keep_alive(keep_alive_);
  response.prepare_payload();
  stream_.expires_after(io_timeout_);
  auto [ec, n] = co_await bhttp::async_write(stream_, response, kAwaitNoThrow);
  (void)n;
  if (ec) {
    keep_alive_ = false;
    co_return fail(ErrorCode::kInternalError, "write failed: " + ec.message());
  }
  co_return Status{};
}

asio::awaitable<Status> Exchange::send_header(ResponseHeader& header) {
  decide_keep_alive();
  response_started_ = true;
  bhttp::response<bhttp::empty_body> res{std::move(header)};
  res.keep_alive(keep_alive_);
  bhttp::response_serializer<bhttp::empty_body> sr{res};
  stream_.expires_after(io_timeout_);
  auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, kAwaitNoThrow);
  (void)n;
  header = std::move(res.base());
  if (ec) {
    keep_alive_ = false;
    co_return fail(ErrorCode::kInternalError, "write failed: " + ec.message());
  }
  co_return Status{};
}

asio::awaitable<Status> Exchange::send_body(std::span<const uint8_t> data) {
  stream_.expires_after(io_timeout_);
  auto [ec, n] =
      co_await asio::async_write(stream_, asio::buffer(data.data(), data.size()), kAwaitNoThrow);
  (void)n;
  if (ec) {
    keep_alive_ = false;
    co_return fail(ErrorCode::kInternalError, "write failed: " + ec.message());
  }
  co_return Status{};
}

}  // namespace silo::http
