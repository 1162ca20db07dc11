// Peer events: how a node tells the others of a deployment that it changed
// a bucket's configuration, so that they drop what they remember of that
// bucket (its quota today) instead of trusting it until it expires.
//
// - PeerEvents (the sender) is the distributed object::BucketEvents. A
//   bucket_changed() hands the bucket to one worker thread per peer and
//   waits until every peer online has been told, or `wait` passed, or the
//   calls failed, whichever comes first; it never fails. A peer that
//   PeerHealth knows offline is skipped at once (it cannot be told, and it
//   learns the change when its memory expires: that expiry stays the
//   fallback). Each worker sends the buckets queued meanwhile in one call
//   (`POST /silo/internode/v1/event/bucket`, the names one a line), so a
//   burst of changes costs one call per peer, and a peer that freezes
//   holds up only its own worker, at most `call_timeout` per call.
// - PeerEventService (the receiver) answers those calls: it checks the
//   internode token (403 before the body is read), then calls `on_bucket`
//   for each name, on the network thread (it must only drop cached state,
//   never block), and answers 200.
//
// Both are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cluster/internode_client.h"
#include "http/server.h"
#include "object/bucket_events.h"

namespace silo::cluster {

struct PeerEventsOptions {
  // The longest bucket_changed() waits for the peers to be told.
  std::chrono::milliseconds wait{1000};
  // Deadline of one call to a peer.
  std::chrono::milliseconds call_timeout{1000};
};

class PeerEvents final : public object::BucketEvents {
 public:
  // `peers`: the other nodes' `http://host:port` (never this node's).
  PeerEvents(std::shared_ptr<InternodeClient> client, const std::vector<std::string>& peers,
             PeerEventsOptions options = {});
  // Stops the workers; events still queued are dropped.
  ~PeerEvents() override;
  PeerEvents(const PeerEvents&) = delete;
  PeerEvents& operator=(const PeerEvents&) = delete;

  void bucket_changed(std::string_view bucket) override;

 private:
  // One peer's queue and the thread that empties it. Events are numbered:
  // `queued` counts those handed over, `done` those the worker is finished
  // with (told, or given up on).
  struct Peer {
    std::shared_ptr<PeerHealth> health;
    std::set<std::string> pending;
    uint64_t queued = 0;
    uint64_t done = 0;
    std::thread thread;
  };
  void run(Peer& peer);

  const std::shared_ptr<InternodeClient> client_;
  const PeerEventsOptions options_;
  std::mutex mu_;                 // guards every Peer's queue and counters, and stopping_
  std::condition_variable work_;  // a queue got an event, or stopping
  std::condition_variable done_;  // a worker finished a call
  bool stopping_ = false;
  std::vector<std::unique_ptr<Peer>> peers_;
};

class PeerEventService final : public http::RequestHandler {
 public:
  // `token`: internode_token() of the root credentials. `on_bucket` is
  // called once for each bucket name a peer reports changed.
  PeerEventService(std::string token, std::function<void(std::string_view)> on_bucket);

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  http::StringResponse malformed_request(ErrorCode code) override;

 private:
  const std::string token_;
  const std::function<void(std::string_view)> on_bucket_;
};

}  // namespace silo::cluster
