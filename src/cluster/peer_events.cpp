#include "cluster/peer_events.h"

#include <algorithm>
#include <span>
#include <utility>

#include "cluster/internode_http.h"
#include "cluster/wire.h"
#include "common/log.h"

namespace silo::cluster {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

constexpr std::string_view kBucketCall = "bucket";
// Names per call (a bucket name is at most 63 bytes): bounds the body.
constexpr size_t kNamesPerCall = 1000;
constexpr size_t kMaxBody = kNamesPerCall * 64;

}  // namespace

// ---- PeerEvents

PeerEvents::PeerEvents(std::shared_ptr<InternodeClient> client,
                       const std::vector<std::string>& peers, PeerEventsOptions options)
    : client_(std::move(client)), options_(options) {
  for (const auto& url : peers) {
    auto peer = std::make_unique<Peer>();
    peer->health = client_->peer(url);
    peers_.push_back(std::move(peer));
  }
  for (auto& peer : peers_) peer->thread = std::thread([this, p = peer.get()] { run(*p); });
}

PeerEvents::~PeerEvents() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  done_.notify_all();
  for (auto& peer : peers_) peer->thread.join();
}

void PeerEvents::bucket_changed(std::string_view bucket) {
  auto until = std::chrono::steady_clock::now() + options_.wait;
  std::unique_lock lock(mu_);
  if (stopping_) return;
  std::vector<std::pair<const Peer*, uint64_t>> told;
  for (auto& peer : peers_) {
    if (!peer->health->online()) continue;
    peer->pending.emplace(bucket);
    told.emplace_back(peer.get(), ++peer->queued);
  }
  if (told.empty()) return;
  work_.notify_all();
  done_.wait_until(lock, until, [&] {
    return stopping_ || std::all_of(told.begin(), told.end(),
                                    [](const auto& t) { return t.first->done >= t.second; });
  });
}

void PeerEvents::run(Peer& peer) {
  const std::string path = std::string(kEventPrefix) + std::string(kBucketCall);
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [&] { return stopping_ || !peer.pending.empty(); });
    if (stopping_) return;
    std::set<std::string> batch;
    batch.swap(peer.pending);
    uint64_t upto = peer.queued;
    lock.unlock();
    auto next = batch.begin();
    while (next != batch.end()) {
      std::string body;
      for (size_t n = 0; n < kNamesPerCall && next != batch.end(); ++n, ++next) {
        body += *next;
        body += '\n';
      }
      // Best effort: fails at once while the peer is offline, and a peer
      // that misses an event drops its memory of the bucket by expiry.
      auto r = client_->call(*peer.health, path,
                             std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                             Deadline::after(options_.call_timeout));
      if (!r) {
        spdlog::info("{} was not told of changes to {} bucket(s) ({}); it trusts what it "
                     "remembers of them for a few more seconds",
                     peer.health->base_url(), std::count(body.begin(), body.end(), '\n'),
                     r.error().text());
      }
    }
    lock.lock();
    peer.done = upto;
    done_.notify_all();
  }
}

// ---- PeerEventService

PeerEventService::PeerEventService(std::string token,
                                   std::function<void(std::string_view)> on_bucket)
    : token_(std::move(token)), on_bucket_(std::move(on_bucket)) {}

http::StringResponse PeerEventService::malformed_request(ErrorCode code) {
  http::RequestHeader req;
  return error_response(req, Error(code, "internode: malformed request"));
}

awaitable<void> PeerEventService::handle(http::Exchange& exchange) {
  const auto& req = exchange.request();
  if (!token_accepted(req, token_)) {
    co_await exchange.send(forbidden_response(req));
    co_return;
  }
  std::string_view target(req.target().data(), req.target().size());
  std::string_view call = target.substr(0, target.find('?'));
  call.remove_prefix(std::min(call.size(), kEventPrefix.size()));
  if (!target.starts_with(kEventPrefix) || call != kBucketCall) {
    co_await exchange.send(error_response(
        req, Error(ErrorCode::kInvalidRequest, "internode: no event call " + std::string(call))));
    co_return;
  }
  auto body = co_await read_small_body(exchange, kMaxBody);
  if (!body) {
    co_await exchange.send(error_response(req, body.error()));
    co_return;
  }
  std::string_view names(*body);
  while (!names.empty()) {
    auto end = names.find('\n');
    std::string_view name = names.substr(0, end);
    if (!name.empty()) on_bucket_(name);
    names.remove_prefix(end == std::string_view::npos ? names.size() : end + 1);
  }
  auto res = plain_response(req, bhttp::status::ok);
  res.prepare_payload();
  co_await exchange.send(std::move(res));
}

}  // namespace silo::cluster
