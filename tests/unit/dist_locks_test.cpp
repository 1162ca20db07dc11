// DistLocks over in-process peers: a write lock has one holder at a time
// across every node's client, readers share and exclude writers, a minority
// of nodes down or slow does not stop (or slow) acquisition, a majority down
// fails within the deadline, and leases free the lock of a crashed holder
// and tell a cut-off holder it lost its lock.
#include "cluster/dist_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "cluster/lock_peer.h"
#include "cluster/lock_server.h"

namespace silo::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A peer in front of a LocalLockPeer that the test can take down (answers
// kError at once), hang (answers nothing until its deadline, as a remote
// peer whose node hangs), or make answer long after its deadline.
class TestPeer final : public LockPeer {
 public:
  enum Mode { kUp, kDown, kHang, kIgnoreDeadline };
  explicit TestPeer(std::shared_ptr<LockServer> server) : inner_(std::move(server)) {}
  void set(Mode m) { mode_ = m; }

  LockReply lock(Deadline d, const LockRequest& r) override {
    return call(d, [&] { return inner_.lock(d, r); });
  }
  LockReply rlock(Deadline d, const LockRequest& r) override {
    return call(d, [&] { return inner_.rlock(d, r); });
  }
  LockReply unlock(Deadline d, const LockRequest& r) override {
    return call(d, [&] { return inner_.unlock(d, r); });
  }
  LockReply runlock(Deadline d, const LockRequest& r) override {
    return call(d, [&] { return inner_.runlock(d, r); });
  }
  LockReply refresh(Deadline d, const LockRequest& r) override {
    return call(d, [&] { return inner_.refresh(d, r); });
  }

 private:
  template <typename F>
  LockReply call(Deadline d, F f) {
    switch (mode_.load()) {
      case kUp:
        return f();
      case kDown:
        return LockReply::kError;
      case kHang:
        std::this_thread::sleep_until(d.when());
        return LockReply::kError;
      case kIgnoreDeadline: {
        // Done on the node at once, answered long after anyone waits.
        LockReply reply = f();
        std::this_thread::sleep_for(milliseconds(1500));
        return reply;
      }
    }
    return LockReply::kError;
  }

  LocalLockPeer inner_;
  std::atomic<Mode> mode_{kUp};
};

// N nodes' lock tables, and a DistLocks client per node.
struct Cluster {
  explicit Cluster(size_t n, milliseconds lease = milliseconds(30'000),
                   milliseconds refresh = milliseconds(10'000)) {
    for (size_t i = 0; i < n; ++i) {
      servers.push_back(std::make_shared<LockServer>(LockServerOptions{lease}));
      peers.push_back(std::make_shared<TestPeer>(servers.back()));
    }
    for (size_t i = 0; i < n; ++i) {
      DistLocksOptions o;
      o.owner = "node" + std::to_string(i);
      o.prefix = "k:";
      o.attempt_timeout = milliseconds(300);
      o.lease = lease;
      o.refresh_interval = refresh;
      clients.push_back(std::make_unique<DistLocks>(
          std::vector<std::shared_ptr<LockPeer>>(peers.begin(), peers.end()), o));
    }
  }
  // Live grants of bucket/key on every node.
  size_t grants(const std::string& key) {
    size_t n = 0;
    for (auto& s : servers) n += s->holders("k:b/" + key);
    return n;
  }

  std::vector<std::shared_ptr<LockServer>> servers;
  std::vector<std::shared_ptr<TestPeer>> peers;
  std::vector<std::unique_ptr<DistLocks>> clients;
};

// Waits (up to 2 s) until cond() holds; asynchronous releases take a moment.
template <typename F>
bool eventually(F cond) {
  auto until = Clock::now() + milliseconds(2000);
  while (!cond()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

TEST(DistLocks, QuorumsOfWritersAndReadersAlwaysMeet) {
  for (size_t n = 1; n <= 16; ++n) {
    Cluster c(n);
    auto& l = *c.clients[0];
    EXPECT_GT(2 * l.write_quorum(), n) << n;
    EXPECT_GT(l.write_quorum() + l.read_quorum(), n) << n;
  }
  Cluster four(4);
  EXPECT_EQ(four.clients[0]->write_quorum(), 3u);
  EXPECT_EQ(four.clients[0]->read_quorum(), 2u);
}

TEST(DistLocks, OneWriterAtATimeUnderContentionThroughEveryNode) {
  Cluster c(4);
  std::atomic<int> inside{0}, overlaps{0}, held{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      auto& client = *c.clients[static_cast<size_t>(t) % 4];
      for (int i = 0; i < 40; ++i) {
        auto g = client.lock(Deadline::after(milliseconds(20'000)), "b", "hot");
        ASSERT_TRUE(g.has_value()) << g.error().text();
        if (++inside != 1) ++overlaps;
        ++held;
        std::this_thread::yield();
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(held.load(), 12 * 40);
  EXPECT_TRUE(eventually([&] { return c.grants("hot") == 0; }));
}

TEST(DistLocks, ConditionalCreateThroughEveryNodeHasExactlyOneWinner) {
  // If-None-Match: * sent through all nodes at once: check and "commit"
  // under the lock, as the object layer does.
  Cluster c(4);
  for (int round = 0; round < 20; ++round) {
    bool exists = false;
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (size_t node = 0; node < 4; ++node) {
      threads.emplace_back([&, node] {
        auto g = c.clients[node]->lock(Deadline::after(milliseconds(20'000)), "b",
                                       "k" + std::to_string(round));
        ASSERT_TRUE(g.has_value());
        ASSERT_TRUE(g->held());
        if (!exists) {
          exists = true;
          ++winners;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1);
  }
}

TEST(DistLocks, ReadersShareAndExcludeWriters) {
  Cluster c(4);
  auto r1 = c.clients[0]->rlock(Deadline::after(milliseconds(2000)), "b", "k");
  auto r2 = c.clients[1]->rlock(Deadline::after(milliseconds(2000)), "b", "k");
  ASSERT_TRUE(r1 && r2);
  auto w = c.clients[2]->lock(Deadline::after(milliseconds(300)), "b", "k");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kLockTimeout);
  r1->release();
  r2->release();
  auto w2 = c.clients[2]->lock(Deadline::after(milliseconds(2000)), "b", "k");
  ASSERT_TRUE(w2);
  auto r3 = c.clients[3]->rlock(Deadline::after(milliseconds(300)), "b", "k");
  EXPECT_FALSE(r3);
}

TEST(DistLocks, ReleaseDropsTheGrantOnEveryNode) {
  Cluster c(4);
  {
    auto g = c.clients[0]->lock(Deadline::after(milliseconds(2000)), "b", "k");
    ASSERT_TRUE(g);
    EXPECT_GE(c.grants("k"), 3u);
    EXPECT_EQ(c.clients[0]->held_count(), 1u);
  }
  EXPECT_EQ(c.clients[0]->held_count(), 0u);
  EXPECT_TRUE(eventually([&] { return c.grants("k") == 0; }));
}

TEST(DistLocks, MinorityDownStillGrants) {
  Cluster c(4);
  c.peers[3]->set(TestPeer::kDown);
  auto w = c.clients[0]->lock(Deadline::after(milliseconds(2000)), "b", "k");
  ASSERT_TRUE(w);
  w->release();
  // The release reaches the nodes that are up (asynchronously) before a
  // second node goes down.
  EXPECT_TRUE(eventually([&] { return c.grants("k") == 0; }));
  // Readers need only half: two of four down.
  c.peers[2]->set(TestPeer::kDown);
  auto r = c.clients[1]->rlock(Deadline::after(milliseconds(2000)), "b", "k");
  EXPECT_TRUE(r);
}

TEST(DistLocks, HangingMinorityCostsNoWait) {
  Cluster c(4);
  c.peers[1]->set(TestPeer::kHang);
  c.peers[3]->set(TestPeer::kIgnoreDeadline);
  Cluster five(5);
  five.peers[0]->set(TestPeer::kHang);
  five.peers[4]->set(TestPeer::kIgnoreDeadline);
  // 4 nodes with two silent: a write quorum (3) is impossible, a read one is not.
  auto start = Clock::now();
  auto r = c.clients[0]->rlock(Deadline::after(milliseconds(5000)), "b", "k");
  ASSERT_TRUE(r);
  // 5 nodes with two silent: the three others make a write quorum at once.
  auto w = five.clients[2]->lock(Deadline::after(milliseconds(5000)), "b", "k");
  ASSERT_TRUE(w);
  EXPECT_LT(Clock::now() - start, milliseconds(250));
}

TEST(DistLocks, MajorityDownFailsWithinTheDeadline) {
  Cluster c(4);
  c.peers[0]->set(TestPeer::kDown);
  c.peers[1]->set(TestPeer::kHang);
  auto start = Clock::now();
  auto w = c.clients[2]->lock(Deadline::after(milliseconds(800)), "b", "k");
  auto took = Clock::now() - start;
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kLockTimeout);
  EXPECT_GE(took, milliseconds(790));
  EXPECT_LT(took, milliseconds(1100));
  // No partial grant stays behind on the nodes that answered.
  EXPECT_TRUE(eventually([&] { return c.grants("k") == 0; }));
}

TEST(DistLocks, LateGrantOfAnAbandonedAttemptIsReleased) {
  Cluster c(3);
  c.peers[2]->set(TestPeer::kIgnoreDeadline);  // its grant answers 1.5 s late
  {
    auto w = c.clients[0]->lock(Deadline::after(milliseconds(2000)), "b", "k");
    ASSERT_TRUE(w);
  }
  // Once the late grant has come and gone, no node holds anything.
  std::this_thread::sleep_for(milliseconds(1600));
  EXPECT_TRUE(eventually([&] { return c.grants("k") == 0; }));
}

TEST(DistLocks, CrashedHoldersLockExpiresAfterItsLease) {
  Cluster c(4, milliseconds(400), milliseconds(100));
  // A holder that took the lock on every node and then died: nobody
  // refreshes or releases its grants.
  for (auto& p : c.peers) {
    ASSERT_EQ(p->lock(Deadline::never(), LockRequest{"k:b/k", "dead", "dead-1"}),
              LockReply::kGranted);
  }
  auto start = Clock::now();
  auto w = c.clients[1]->lock(Deadline::after(milliseconds(3000)), "b", "k");
  ASSERT_TRUE(w);
  EXPECT_GE(Clock::now() - start, milliseconds(350));
  EXPECT_TRUE(w->held());
}

TEST(DistLocks, HeldLockIsRefreshedBeyondItsLease) {
  Cluster c(4, milliseconds(300), milliseconds(60));
  auto w = c.clients[0]->lock(Deadline::after(milliseconds(2000)), "b", "k");
  ASSERT_TRUE(w);
  std::this_thread::sleep_for(milliseconds(1000));  // three leases
  EXPECT_TRUE(w->held());
  auto other = c.clients[1]->lock(Deadline::after(milliseconds(200)), "b", "k");
  EXPECT_FALSE(other);
}

TEST(DistLocks, HolderCutOffFromAMajorityLearnsItLostTheLock) {
  Cluster c(4, milliseconds(300), milliseconds(60));
  // The holder reaches the nodes through its own peers, which the test cuts.
  std::vector<std::shared_ptr<TestPeer>> own;
  for (auto& s : c.servers) own.push_back(std::make_shared<TestPeer>(s));
  DistLocksOptions o;
  o.owner = "cut";
  o.prefix = "k:";
  o.attempt_timeout = milliseconds(100);
  o.lease = milliseconds(300);
  o.refresh_interval = milliseconds(60);
  DistLocks holder(std::vector<std::shared_ptr<LockPeer>>(own.begin(), own.end()), o);
  auto w = holder.lock(Deadline::after(milliseconds(2000)), "b", "k");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->held());
  own[0]->set(TestPeer::kDown);
  own[1]->set(TestPeer::kHang);
  EXPECT_TRUE(eventually([&] { return !w->held(); }));
  // Its grants lapse and another node's client takes the lock.
  auto next = c.clients[2]->lock(Deadline::after(milliseconds(3000)), "b", "k");
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->held());
  EXPECT_FALSE(w->held());  // never turns back
}

TEST(DistLocks, LeaseRunsOutWhenNoRefreshConfirmsIt) {
  // Even without a failed refresh round (the refresher is far apart),
  // held() turns false once a lease has passed since the last confirmation.
  Cluster c(4, milliseconds(200), milliseconds(60'000));
  auto w = c.clients[0]->lock(Deadline::after(milliseconds(2000)), "b", "k");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->held());
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_FALSE(w->held());
}

TEST(DistLocks, DifferentKeysDoNotWaitForEachOther) {
  Cluster c(4);
  auto a = c.clients[0]->lock(Deadline::after(milliseconds(2000)), "b", "a");
  auto b = c.clients[1]->lock(Deadline::after(milliseconds(2000)), "b", "b");
  auto a2 = c.clients[2]->lock(Deadline::after(milliseconds(2000)), "other", "a");
  EXPECT_TRUE(a && b && a2);
}

}  // namespace
}  // namespace silo::cluster
