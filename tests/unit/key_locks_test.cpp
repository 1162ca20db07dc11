// LocalKeyLocks, the single-node KeyLocks: what NamespaceLocks did (one
// writer per key), plus readers, deadlines and guards that move.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "object/local_key_locks.h"

namespace silo::object {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Deadline soon() { return Deadline::after(milliseconds(100)); }

// Runs f on another thread and returns what it returned (a lock is taken by
// another thread, so a stripe's mutex is never taken twice by one thread).
template <typename F>
auto elsewhere(F f) {
  decltype(f()) out;
  std::thread([&] { out = f(); }).join();
  return out;
}

TEST(LocalKeyLocks, WriterExcludesWritersAndReadersUntilReleased) {
  LocalKeyLocks locks;
  auto g = locks.lock(Deadline::never(), "b", "k");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->held());
  auto start = Clock::now();
  EXPECT_FALSE(elsewhere([&] { return locks.lock(soon(), "b", "k").has_value(); }));
  EXPECT_GE(Clock::now() - start, milliseconds(95));
  auto r = elsewhere([&] {
    auto x = locks.rlock(soon(), "b", "k");
    return x ? ErrorCode::kInternalError : x.error().code;
  });
  EXPECT_EQ(r, ErrorCode::kLockTimeout);
  g->release();
  EXPECT_FALSE(g->held());
  EXPECT_TRUE(elsewhere([&] { return locks.lock(soon(), "b", "k").has_value(); }));
}

TEST(LocalKeyLocks, ReadersShare) {
  LocalKeyLocks locks;
  auto r = locks.rlock(Deadline::never(), "b", "k");
  ASSERT_TRUE(r);
  EXPECT_TRUE(elsewhere([&] { return locks.rlock(soon(), "b", "k").has_value(); }));
  EXPECT_FALSE(elsewhere([&] { return locks.lock(soon(), "b", "k").has_value(); }));
}

TEST(LocalKeyLocks, MovedGuardReleasesOnce) {
  LocalKeyLocks locks;
  LockGuard outer;
  {
    auto g = locks.lock(Deadline::never(), "b", "k");
    ASSERT_TRUE(g);
    outer = std::move(*g);
  }
  EXPECT_TRUE(outer.held());
  EXPECT_FALSE(elsewhere([&] { return locks.lock(soon(), "b", "k").has_value(); }));
  outer = LockGuard();
  EXPECT_TRUE(elsewhere([&] { return locks.lock(soon(), "b", "k").has_value(); }));
}

TEST(LocalKeyLocks, WaiterGetsTheLockWhenReleased) {
  LocalKeyLocks locks;
  std::atomic<int> inside{0}, overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto g = locks.lock(Deadline::after(milliseconds(10'000)), "b", "hot");
        ASSERT_TRUE(g);
        if (++inside != 1) ++overlaps;
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
}

}  // namespace
}  // namespace silo::object
