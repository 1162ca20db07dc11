// Bucket change events over the internode protocol: each peer is a real
// HTTP server on loopback with a PeerEventService behind an InternodeRouter,
// as `silo server` wires it, and a PeerEvents tells them.
#include "cluster/peer_events.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <thread>

#include "cluster/internode_auth.h"
#include "cluster/internode_router.h"
#include "loopback_server.h"

namespace silo::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kToken = internode_token("root", "secret");

using test_support::fast_probes;

// One peer: what it heard, by bucket. Each event it hears first sleeps
// `stall` on the network thread (a node too slow to answer).
class Peer {
 public:
  explicit Peer(std::chrono::milliseconds stall = 0ms)
      : service_(kToken,
                 [this, stall](std::string_view bucket) {
                   std::this_thread::sleep_for(stall);
                   std::lock_guard lock(mu_);
                   ++heard_[std::string(bucket)];
                 }),
        router_(nullptr, nullptr, &service_),
        server_(router_) {}
  void stop() { server_.stop(); }
  std::string url() const { return server_.url(); }
  int heard(const std::string& bucket) {
    std::lock_guard lock(mu_);
    return heard_[bucket];
  }
  size_t buckets_heard() {
    std::lock_guard lock(mu_);
    return heard_.size();
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> heard_;
  PeerEventService service_;
  InternodeRouter router_;
  test_support::LoopbackServer server_;
};

// "b<i>" (built by appending: GCC 12 warns falsely on "b" + to_string()).
std::string name(int i) {
  std::string s = "b";
  s += std::to_string(i);
  return s;
}

std::vector<std::string> urls(const std::vector<Peer*>& peers) {
  std::vector<std::string> out;
  for (auto* p : peers) out.push_back(p->url());
  return out;
}

TEST(PeerEvents, EveryPeerHasHeardWhenBucketChangedReturns) {
  Peer a, b, c;
  PeerEvents events(std::make_shared<InternodeClient>(kToken, fast_probes()), urls({&a, &b, &c}));
  events.bucket_changed("photos");
  events.bucket_changed("logs");
  for (Peer* p : {&a, &b, &c}) {
    EXPECT_EQ(p->heard("photos"), 1);
    EXPECT_EQ(p->heard("logs"), 1);
  }
}

TEST(PeerEvents, BurstsFromManyThreadsAllArrive) {
  Peer a, b;
  PeerEvents events(std::make_shared<InternodeClient>(kToken, fast_probes()), urls({&a, &b}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&events, t] {
      for (int i = 0; i < 20; ++i) events.bucket_changed(name(t * 20 + i));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(a.buckets_heard(), 160u);
  EXPECT_EQ(b.buckets_heard(), 160u);
}

TEST(PeerEvents, AStoppedPeerIsSkippedAndTheOthersStillHear) {
  Peer up, down;
  down.stop();
  PeerEvents events(std::make_shared<InternodeClient>(kToken, fast_probes()), urls({&up, &down}));
  for (int i = 0; i < 3; ++i) {
    auto started = Clock::now();
    events.bucket_changed(name(i));
    EXPECT_LT(Clock::now() - started, 1000ms);
    EXPECT_EQ(up.heard(name(i)), 1);
  }
}

TEST(PeerEvents, ASlowPeerCostsAtMostTheWait) {
  Peer fast, slow(1500ms);
  PeerEventsOptions o;
  o.wait = 300ms;
  PeerEvents events(std::make_shared<InternodeClient>(kToken, fast_probes()), urls({&fast, &slow}),
                    o);
  auto started = Clock::now();
  events.bucket_changed("b");
  auto took = Clock::now() - started;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(fast.heard("b"), 1);
}

TEST(PeerEventService, AWrongTokenIsRefusedAndNothingIsHeard) {
  Peer peer;
  auto client = std::make_shared<InternodeClient>(internode_token("root", "wrong"), fast_probes());
  PeerEvents events(client, {peer.url()});
  events.bucket_changed("b");
  EXPECT_EQ(peer.heard("b"), 0);
  std::string body = "b\n";
  auto raw = client->call(*client->peer(peer.url()), "/silo/internode/v1/event/bucket",
                          std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                          Deadline::after(2s));
  ASSERT_FALSE(raw.has_value());
  EXPECT_EQ(raw.error().code, ErrorCode::kAccessDenied);
  EXPECT_EQ(peer.heard("b"), 0);
}

TEST(PeerEventService, AnUnknownEventCallIsRefused) {
  Peer peer;
  auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
  auto raw = client->call(*client->peer(peer.url()), "/silo/internode/v1/event/other", {},
                          Deadline::after(2s));
  ASSERT_FALSE(raw.has_value());
  EXPECT_EQ(raw.error().code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace silo::cluster
