// LockServer: one node's grant table: one writer or many readers per
// resource, idempotent per uid, leases that lapse unless refreshed.
#include "cluster/lock_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace silo::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A clock the test moves by hand.
struct FakeClock {
  Clock::time_point now = Clock::time_point(std::chrono::hours(1));
  std::function<Clock::time_point()> fn() {
    return [this] { return now; };
  }
};

LockRequest req(std::string uid, std::string resource = "k:b/key") {
  return LockRequest{std::move(resource), "node1", std::move(uid)};
}

class LockServerTest : public ::testing::Test {
 protected:
  FakeClock clock;
  LockServer server{LockServerOptions{milliseconds(1000)}, clock.fn()};
};

TEST_F(LockServerTest, OneWriterAtATime) {
  EXPECT_TRUE(server.lock(req("a")));
  EXPECT_FALSE(server.lock(req("b")));
  EXPECT_FALSE(server.rlock(req("b")));
  EXPECT_TRUE(server.unlock(req("a")));
  EXPECT_TRUE(server.lock(req("b")));
  EXPECT_EQ(server.holders("k:b/key"), 1u);
}

TEST_F(LockServerTest, ReadersShareAndExcludeWriters) {
  EXPECT_TRUE(server.rlock(req("r1")));
  EXPECT_TRUE(server.rlock(req("r2")));
  EXPECT_EQ(server.holders("k:b/key"), 2u);
  EXPECT_FALSE(server.lock(req("w")));
  EXPECT_TRUE(server.runlock(req("r1")));
  EXPECT_FALSE(server.lock(req("w")));
  EXPECT_TRUE(server.runlock(req("r2")));
  EXPECT_TRUE(server.lock(req("w")));
}

TEST_F(LockServerTest, ResourcesAreIndependent) {
  EXPECT_TRUE(server.lock(req("a", "k:b/one")));
  EXPECT_TRUE(server.lock(req("b", "k:b/two")));
  EXPECT_TRUE(server.rlock(req("c", "u:b/one")));
}

TEST_F(LockServerTest, RetriedRequestOfTheSameUidIsGrantedAgain) {
  EXPECT_TRUE(server.lock(req("a")));
  EXPECT_TRUE(server.lock(req("a")));
  EXPECT_TRUE(server.rlock(req("r", "k:b/other")));
  EXPECT_TRUE(server.rlock(req("r", "k:b/other")));
  EXPECT_EQ(server.holders("k:b/other"), 1u);
}

TEST_F(LockServerTest, ReleaseNamesTheUidAndTheKind) {
  EXPECT_TRUE(server.lock(req("a")));
  EXPECT_FALSE(server.unlock(req("b")));   // not the holder
  EXPECT_FALSE(server.runlock(req("a")));  // a write grant, not a read one
  EXPECT_TRUE(server.unlock(req("a")));
  EXPECT_FALSE(server.unlock(req("a")));  // already gone
}

TEST_F(LockServerTest, UnrefreshedGrantExpiresAfterItsLease) {
  EXPECT_TRUE(server.lock(req("crashed")));
  clock.now += milliseconds(999);
  EXPECT_FALSE(server.lock(req("next")));
  clock.now += milliseconds(1);
  EXPECT_TRUE(server.lock(req("next")));
  EXPECT_FALSE(server.refresh(req("crashed")));  // the holder learns it lost the lock
  EXPECT_FALSE(server.unlock(req("crashed")));
}

TEST_F(LockServerTest, RefreshExtendsTheLease) {
  EXPECT_TRUE(server.lock(req("a")));
  for (int i = 0; i < 5; ++i) {
    clock.now += milliseconds(600);
    EXPECT_TRUE(server.refresh(req("a")));
  }
  EXPECT_FALSE(server.lock(req("b")));
  clock.now += milliseconds(1000);
  EXPECT_TRUE(server.lock(req("b")));
}

TEST_F(LockServerTest, RefreshOfOneReaderKeepsOnlyThatReader) {
  EXPECT_TRUE(server.rlock(req("r1")));
  EXPECT_TRUE(server.rlock(req("r2")));
  clock.now += milliseconds(600);
  EXPECT_TRUE(server.refresh(req("r1")));
  clock.now += milliseconds(600);
  EXPECT_EQ(server.holders("k:b/key"), 1u);
  EXPECT_FALSE(server.refresh(req("r2")));
  EXPECT_FALSE(server.lock(req("w")));
}

TEST_F(LockServerTest, RefreshOfUnknownGrantFails) {
  EXPECT_FALSE(server.refresh(req("never")));
  EXPECT_TRUE(server.lock(req("a")));
  EXPECT_FALSE(server.refresh(req("b")));
}

TEST_F(LockServerTest, SweepDropsOnlyExpiredGrants) {
  EXPECT_TRUE(server.lock(req("a", "k:b/1")));
  EXPECT_TRUE(server.rlock(req("b", "k:b/2")));
  clock.now += milliseconds(600);
  EXPECT_TRUE(server.lock(req("c", "k:b/3")));
  clock.now += milliseconds(600);
  EXPECT_EQ(server.sweep(), 2u);
  EXPECT_EQ(server.holders("k:b/3"), 1u);
  EXPECT_EQ(server.sweep(), 0u);
}

TEST(LockServer, ConcurrentWritersNeverShareAResource) {
  LockServer server;
  std::atomic<int> inside{0}, most{0}, grants{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        LockRequest r{"k:b/hot", "n", std::to_string(t) + "-" + std::to_string(i)};
        if (!server.lock(r)) continue;
        int now = ++inside;
        most = std::max(most.load(), now);
        ++grants;
        --inside;
        EXPECT_TRUE(server.unlock(r));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(most.load(), 1);
  EXPECT_GT(grants.load(), 0);
}

}  // namespace
}  // namespace silo::cluster
