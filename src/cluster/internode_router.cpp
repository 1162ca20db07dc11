#include "cluster/internode_router.h"

#include "cluster/internode_http.h"
#include "cluster/wire.h"

namespace silo::cluster {

boost::asio::awaitable<void> InternodeRouter::handle(http::Exchange& exchange) {
  const auto& req = exchange.request();
  std::string_view target(req.target().data(), req.target().size());
  http::RequestHandler* to = nullptr;
  if (target.starts_with(kDrivePrefix)) {
    to = drives_;
  } else if (target.starts_with(kLockPrefix)) {
    to = locks_;
  } else if (target.starts_with(kEventPrefix)) {
    to = events_;
  }
  if (to) {
    co_await to->handle(exchange);
    co_return;
  }
  // Without an error code: the caller sees a failed call (kInternalError),
  // never something a drive or a lock table could have answered.
  auto res = plain_response(req, boost::beast::http::status::not_found);
  res.body() = "no such internode call";
  res.prepare_payload();
  co_await exchange.send(std::move(res));
}

http::StringResponse InternodeRouter::malformed_request(ErrorCode code) {
  http::RequestHeader req;
  return error_response(req, Error(code, "internode: malformed request"));
}

}  // namespace silo::cluster
