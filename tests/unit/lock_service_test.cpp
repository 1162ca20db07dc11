// The lock calls over the internode protocol: every node is a real HTTP
// server on loopback with its LockServer behind an InternodeRouter (and a
// DriveService where a test needs one), and each node's DistLocks reaches
// its own table through a LocalLockPeer and the others through
// RemoteLockPeers, as `silo server` wires them.
#include "cluster/lock_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <thread>
#include <vector>

#include "cluster/dist_locks.h"
#include "cluster/drive_service.h"
#include "cluster/internode_auth.h"
#include "cluster/internode_client.h"
#include "cluster/internode_router.h"
#include "cluster/remote_drive.h"
#include "cluster/remote_lock_peer.h"
#include "cluster/wire.h"
#include "storage/local_drive.h"
#include "loopback_server.h"
#include "temp_dir.h"

namespace silo::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kToken = internode_token("root", "secret");

using test_support::fast_probes;

// One node: its lock table behind a LockService, a DriveService when given
// a drive folder, both behind the router on a restartable HTTP server.
class Node {
 public:
  explicit Node(std::chrono::milliseconds lease = 30'000ms, const std::string& drive_root = "")
      : locks_(std::make_shared<LockServer>(LockServerOptions{lease})),
        lock_service_(locks_, kToken) {
    if (!drive_root.empty()) {
      std::filesystem::create_directories(drive_root);
      auto local = storage::LocalDrive::open(drive_root);
      EXPECT_TRUE(local.has_value());
      drive_service_ = std::make_unique<DriveService>(
          std::map<std::string, std::shared_ptr<storage::Drive>>{
              {drive_root, std::shared_ptr<storage::Drive>(std::move(*local))}},
          kToken, pool_);
    }
    router_ = std::make_unique<InternodeRouter>(drive_service_.get(), &lock_service_);
    server_ = std::make_unique<test_support::LoopbackServer>(*router_);
  }
  ~Node() {
    server_.reset();
    pool_.join();
  }

  void stop() { server_->stop(); }
  std::string url() const { return server_->url(); }
  const std::shared_ptr<LockServer>& locks() const { return locks_; }

 private:
  boost::asio::thread_pool pool_{2};
  std::shared_ptr<LockServer> locks_;
  LockService lock_service_;
  std::unique_ptr<DriveService> drive_service_;
  std::unique_ptr<InternodeRouter> router_;
  std::unique_ptr<test_support::LoopbackServer> server_;
};

// N nodes, and each node's DistLocks over its own table and the others'
// services.
struct Cluster {
  explicit Cluster(size_t n, std::chrono::milliseconds lease = 30'000ms,
                   std::chrono::milliseconds refresh = 10'000ms) {
    for (size_t i = 0; i < n; ++i) nodes.push_back(std::make_unique<Node>(lease));
    for (size_t self = 0; self < n; ++self) {
      auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
      std::vector<std::shared_ptr<LockPeer>> peers;
      for (size_t i = 0; i < n; ++i) {
        if (i == self) {
          peers.push_back(std::make_shared<LocalLockPeer>(nodes[i]->locks()));
        } else {
          peers.push_back(std::make_shared<RemoteLockPeer>(client, nodes[i]->url()));
        }
      }
      DistLocksOptions o;
      o.owner = nodes[self]->url();
      o.prefix = "k:";
      o.attempt_timeout = 300ms;
      o.lease = lease;
      o.refresh_interval = refresh;
      clients.push_back(std::make_unique<DistLocks>(std::move(peers), o));
    }
  }
  size_t grants(const std::string& key) {
    size_t g = 0;
    for (auto& node : nodes) g += node->locks()->holders("k:b/" + key);
    return g;
  }

  std::vector<std::unique_ptr<Node>> nodes;  // destroyed last
  std::vector<std::unique_ptr<DistLocks>> clients;
};

template <typename F>
bool eventually(F cond) {
  auto until = Clock::now() + 2000ms;
  while (!cond()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

TEST(LockWire, RequestRoundTripsAndGarbageIsRefused) {
  LockRequest r{"k:b/some key", "http://n1:9000", "uid-1"};
  auto back = decode_lock_request(encode_lock_request(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->resource, r.resource);
  EXPECT_EQ(back->owner, r.owner);
  EXPECT_EQ(back->uid, r.uid);
  auto bytes = encode_lock_request(r);
  EXPECT_FALSE(decode_lock_request(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(decode_lock_request(bytes + "x").has_value());
  EXPECT_FALSE(decode_lock_request(encode_lock_request({"", "o", "u"})).has_value());
}

TEST(RemoteLockPeer, CallsReachTheNodesTable) {
  Node node;
  auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
  RemoteLockPeer peer(client, node.url());
  auto d = [] { return Deadline::after(2s); };
  LockRequest a{"k:b/k", "me", "a"}, b{"k:b/k", "me", "b"};
  EXPECT_EQ(peer.lock(d(), a), LockReply::kGranted);
  EXPECT_EQ(peer.lock(d(), a), LockReply::kGranted);  // a retry of the same uid
  EXPECT_EQ(peer.lock(d(), b), LockReply::kRefused);
  EXPECT_EQ(peer.rlock(d(), b), LockReply::kRefused);
  EXPECT_EQ(peer.refresh(d(), a), LockReply::kGranted);
  EXPECT_EQ(node.locks()->holders("k:b/k"), 1u);
  EXPECT_EQ(peer.unlock(d(), a), LockReply::kGranted);
  EXPECT_EQ(peer.unlock(d(), a), LockReply::kRefused);
  EXPECT_EQ(peer.refresh(d(), a), LockReply::kRefused);
  EXPECT_EQ(peer.rlock(d(), a), LockReply::kGranted);
  EXPECT_EQ(peer.rlock(d(), b), LockReply::kGranted);
  EXPECT_EQ(node.locks()->holders("k:b/k"), 2u);
  EXPECT_EQ(peer.runlock(d(), a), LockReply::kGranted);
  EXPECT_EQ(peer.runlock(d(), b), LockReply::kGranted);
  EXPECT_EQ(node.locks()->holders("k:b/k"), 0u);
  EXPECT_EQ(peer.lock(Deadline::after(-1ms), a), LockReply::kError);  // too late to start
}

TEST(LockWire, BatchesOfReleasesAndFinishesRoundTrip) {
  std::vector<std::string> items = {encode_release(true, {"k:b/a", "me", "u1"}),
                                    encode_release(false, {"k:b/b", "me", "u2"}),
                                    encode_finish("bkt", "some key", {false, 77, "uuid"})};
  auto batch = decode_batch(encode_batch(items));
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->size(), 3u);
  auto shared = decode_release((*batch)[0]);
  ASSERT_TRUE(shared.has_value());
  EXPECT_TRUE(shared->shared);
  EXPECT_EQ(shared->request.uid, "u1");
  EXPECT_FALSE(decode_release((*batch)[1])->shared);
  auto finish = decode_finish((*batch)[2]);
  ASSERT_TRUE(finish.has_value());
  EXPECT_EQ(finish->key, "some key");
  EXPECT_EQ(finish->change.mod_time_ns, 77);
  EXPECT_EQ(finish->change.data_uuid, "uuid");
  EXPECT_FALSE(finish->change.deleted);
  auto bytes = encode_batch(items);
  EXPECT_FALSE(decode_batch(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(decode_batch(bytes + "x").has_value());
  EXPECT_FALSE(decode_batch(std::string(8, '\xff')).has_value());  // a count it cannot hold
  EXPECT_FALSE(decode_release((*batch)[2]).has_value());
}

// Releases are one-way: they are batched and sent in the background.
TEST(RemoteLockPeer, ReleasesLaterReachTheNodesTable) {
  Node node;
  auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
  RemoteLockPeer peer(client, node.url());
  auto d = [] { return Deadline::after(2s); };
  for (int i = 0; i < 50; ++i) {
    LockRequest r{"k:b/k" + std::to_string(i), "me", "u" + std::to_string(i)};
    ASSERT_EQ(i % 2 ? peer.rlock(d(), r) : peer.lock(d(), r), LockReply::kGranted);
  }
  for (int i = 0; i < 50; ++i) {
    LockRequest r{"k:b/k" + std::to_string(i), "me", "u" + std::to_string(i)};
    EXPECT_TRUE(peer.release_later(i % 2 == 1, r));
  }
  EXPECT_TRUE(eventually([&] {
    for (int i = 0; i < 50; ++i) {
      if (node.locks()->holders("k:b/k" + std::to_string(i)) != 0) return false;
    }
    return true;
  }));
}

TEST(RemoteLockPeer, WrongTokenIsRefusedAndGrantsNothing) {
  Node node;
  auto client = std::make_shared<InternodeClient>(internode_token("root", "wrong"), fast_probes());
  RemoteLockPeer peer(client, node.url());
  EXPECT_EQ(peer.lock(Deadline::after(2s), {"k:b/k", "me", "a"}), LockReply::kError);
  EXPECT_EQ(node.locks()->holders("k:b/k"), 0u);
  // The node answered: it is not taken for a dead one.
  EXPECT_TRUE(peer.online());
  auto raw = client->call(*client->peer(node.url()), std::string(kLockPrefix) + "lock", {},
                          Deadline::after(2s));
  ASSERT_FALSE(raw.has_value());
  EXPECT_EQ(raw.error().code, ErrorCode::kAccessDenied);
}

TEST(LockService, OneWriterAtATimeAcrossFourNodes) {
  Cluster c(4);
  std::atomic<int> inside{0}, overlaps{0}, held{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto& client = *c.clients[static_cast<size_t>(t) % 4];
      for (int i = 0; i < 10; ++i) {
        auto g = client.lock(Deadline::after(20s), "b", "hot");
        ASSERT_TRUE(g.has_value()) << g.error().text();
        if (++inside != 1) ++overlaps;
        ++held;
        std::this_thread::sleep_for(1ms);
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(held.load(), 80);
  EXPECT_TRUE(eventually([&] { return c.grants("hot") == 0; }));
}

TEST(LockService, StoppedNodeStillLetsAMajorityGrantQuickly) {
  Cluster c(4);
  c.nodes[3]->stop();
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    auto w = c.clients[0]->lock(Deadline::after(5s), "b", "k" + std::to_string(i));
    ASSERT_TRUE(w.has_value()) << w.error().text();
    EXPECT_TRUE(w->held());
    // The first call finds the port closed; later ones know the node offline.
    EXPECT_LT(Clock::now() - start, 500ms) << i;
  }
}

TEST(LockService, MajorityStoppedFailsWithinTheDeadline) {
  Cluster c(4);
  c.nodes[2]->stop();
  c.nodes[3]->stop();
  auto start = Clock::now();
  auto w = c.clients[0]->lock(Deadline::after(800ms), "b", "k");
  auto took = Clock::now() - start;
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kLockTimeout);
  EXPECT_GE(took, 790ms);
  EXPECT_LT(took, 1300ms);
  // The grants of the nodes that answered were given back.
  EXPECT_TRUE(eventually([&] { return c.grants("k") == 0; }));
}

TEST(LockService, RefreshKeepsALockPastItsLease) {
  Cluster c(4, 300ms, 60ms);
  auto w = c.clients[0]->lock(Deadline::after(2s), "b", "k");
  ASSERT_TRUE(w.has_value());
  std::this_thread::sleep_for(1000ms);  // three leases
  EXPECT_TRUE(w->held());
  auto other = c.clients[1]->lock(Deadline::after(200ms), "b", "k");
  EXPECT_FALSE(other.has_value());
}

TEST(LockService, CrashedHoldersLockExpiresAfterItsLease) {
  Cluster c(4, 400ms, 100ms);
  // A holder that took the lock on every node and died: nobody refreshes
  // or releases its grants.
  auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
  for (auto& node : c.nodes) {
    RemoteLockPeer peer(client, node->url());
    ASSERT_EQ(peer.lock(Deadline::after(2s), {"k:b/k", "dead", "dead-1"}), LockReply::kGranted);
  }
  auto start = Clock::now();
  auto w = c.clients[1]->lock(Deadline::after(3s), "b", "k");
  ASSERT_TRUE(w.has_value());
  EXPECT_GE(Clock::now() - start, 300ms);
  EXPECT_TRUE(w->held());
}

TEST(InternodeRouter, DrivePathsReachTheDriveService) {
  test_support::TempDir dir;
  std::string root = dir.path() + "/d1";
  Node node(30'000ms, root);
  auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
  RemoteDrive drive(client, node.url(), root);
  storage::BucketRecord b;
  b.name = "photos";
  ASSERT_TRUE(drive.make_bucket(Deadline::after(5s), b).has_value());
  auto buckets = drive.list_buckets(Deadline::after(5s));
  ASSERT_TRUE(buckets.has_value());
  ASSERT_EQ(buckets->size(), 1u);
  EXPECT_EQ((*buckets)[0].name, "photos");
  // Locks of the same node through the same router.
  RemoteLockPeer peer(client, node.url());
  EXPECT_EQ(peer.lock(Deadline::after(2s), {"k:b/k", "me", "a"}), LockReply::kGranted);
  // Anything else is not found.
  auto other = client->call(*client->peer(node.url()), "/silo/internode/v1/nothing/x", {},
                            Deadline::after(2s));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kInternalError);
  EXPECT_NE(other.error().text().find("404"), std::string_view::npos);
}

TEST(InternodeRouter, NodeWithoutDriveServiceAnswersDrivePathsNotFound) {
  Node node;
  auto client = std::make_shared<InternodeClient>(kToken, fast_probes());
  RemoteDrive drive(client, node.url(), "/srv/d1");
  auto r = drive.list_buckets(Deadline::after(2s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternalError);
}

}  // namespace
}  // namespace silo::cluster
