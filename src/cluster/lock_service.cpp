#include "cluster/lock_service.h"

#include <algorithm>
#include <utility>

#include "cluster/internode_client.h"
#include "cluster/internode_http.h"
#include "cluster/wire.h"

namespace silo::cluster {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

int64_t ticks(std::chrono::steady_clock::time_point t) { return t.time_since_epoch().count(); }

}  // namespace

LockService::LockService(std::shared_ptr<LockServer> server, std::string token,
                         LockServiceOptions options)
    : server_(std::move(server)),
      token_(std::move(token)),
      options_(options),
      next_sweep_(ticks(std::chrono::steady_clock::now() + options.sweep_interval)) {}

bool LockService::handles(std::string_view raw_path) { return raw_path.starts_with(kLockPrefix); }

http::StringResponse LockService::malformed_request(ErrorCode code) {
  http::RequestHeader req;
  return error_response(req, Error(code, "internode: malformed request"));
}

void LockService::sweep_if_due() {
  auto now = std::chrono::steady_clock::now();
  int64_t due = next_sweep_.load(std::memory_order_relaxed);
  if (ticks(now) < due) return;
  // One request wins the sweep; the others go on at once.
  if (!next_sweep_.compare_exchange_strong(due, ticks(now + options_.sweep_interval))) return;
  server_->sweep();
}

Result<bool> LockService::apply(std::string_view call, const LockRequest& r) {
  if (call == "lock") return server_->lock(r);
  if (call == "rlock") return server_->rlock(r);
  if (call == "unlock") return server_->unlock(r);
  if (call == "runlock") return server_->runlock(r);
  if (call == "refresh") return server_->refresh(r);
  return fail(ErrorCode::kInvalidRequest, "internode: no lock call " + std::string(call));
}

Result<bool> LockService::release_many(std::string_view body) {
  auto items = decode_batch(body);
  if (!items) return std::unexpected(items.error());
  for (auto bytes : *items) {
    auto item = decode_release(bytes);
    if (!item) return std::unexpected(item.error());
    if (item->shared) server_->runlock(item->request);
    else server_->unlock(item->request);
  }
  return true;
}

awaitable<void> LockService::handle(http::Exchange& exchange) {
  const auto& req = exchange.request();
  if (!token_accepted(req, token_)) {
    co_await exchange.send(forbidden_response(req));
    co_return;
  }
  sweep_if_due();
  Deadline deadline = deadline_of(req);
  std::string_view target(req.target().data(), req.target().size());
  std::string_view call = target.substr(0, target.find('?'));
  call.remove_prefix(std::min(call.size(), kLockPrefix.size()));

  bool batch = call == "release_many";
  auto body = co_await read_small_body(
      exchange, batch ? options_.max_body * PeerHealth::kMaxBatch : options_.max_body);
  Result<bool> result = false;
  if (!body) {
    result = std::unexpected(body.error());
  } else if (batch) {
    // One-way releases (RemoteLockPeer::release_later), late or not: a
    // release never grants anything.
    result = release_many(*body);
  } else if (auto r = decode_lock_request(*body); !r) {
    result = std::unexpected(r.error());
  } else if (deadline.expired()) {
    result = fail(ErrorCode::kLockTimeout, "internode lock call arrived too late");
  } else {
    result = apply(call, *r);
  }
  if (!result) {
    co_await exchange.send(error_response(req, result.error()));
    co_return;
  }
  auto res = plain_response(req, bhttp::status::ok);
  res.body() = std::string(*result ? kLockGranted : kLockRefused);
  res.prepare_payload();
  co_await exchange.send(std::move(res));
}

}  // namespace silo::cluster
