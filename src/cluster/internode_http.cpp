#include "cluster/internode_http.h"

#include <algorithm>

#include "cluster/internode_auth.h"
#include "cluster/wire.h"
#include "common/strings.h"

namespace silo::cluster {

namespace bhttp = boost::beast::http;

bool token_accepted(const http::RequestHeader& req, std::string_view expected) {
  auto token = req.find(kTokenHeader);
  return token != req.end() &&
         internode_token_ok(expected,
                            std::string_view(token->value().data(), token->value().size()));
}

Deadline deadline_of(const http::RequestHeader& req) {
  auto it = req.find(kDeadlineHeader);
  if (it == req.end()) return Deadline::never();
  auto ms = parse_u64(std::string_view(it->value().data(), it->value().size()));
  if (!ms) return Deadline::never();
  return Deadline::after(std::chrono::milliseconds(*ms));
}

boost::asio::awaitable<Result<std::string>> read_small_body(http::Exchange& exchange,
                                                            size_t max_body) {
  // At most max_body: one more byte means it is too large.
  auto length = exchange.content_length();
  std::string body(std::min<uint64_t>(length.value_or(max_body), max_body) + 1, '\0');
  size_t filled = 0;
  while (filled < body.size()) {
    auto n = co_await exchange.read_body(
        std::span(reinterpret_cast<uint8_t*>(body.data()) + filled, body.size() - filled));
    if (!n) co_return std::unexpected(n.error());
    if (*n == 0) break;
    filled += *n;
  }
  if (filled > max_body) co_return fail(ErrorCode::kEntityTooLarge, "internode: request too large");
  body.resize(filled);
  co_return body;
}

http::StringResponse plain_response(const http::RequestHeader& req, bhttp::status status) {
  http::StringResponse res{status, req.version()};
  res.set(bhttp::field::server, "Silo");
  res.set(bhttp::field::content_type, "application/octet-stream");
  return res;
}

http::StringResponse forbidden_response(const http::RequestHeader& req) {
  auto res = plain_response(req, bhttp::status::forbidden);
  res.body() = "internode token refused";
  res.prepare_payload();
  return res;
}

http::StringResponse error_response(const http::RequestHeader& req, const Error& error) {
  auto res = plain_response(req, bhttp::status::ok);
  int status = error_http_status(error.code);
  res.result(static_cast<unsigned>(status >= 400 ? status : 500));
  res.set(kErrorHeader, error_code_name(error.code));
  res.body() = std::string(error.text());
  res.prepare_payload();
  return res;
}

}  // namespace silo::cluster
