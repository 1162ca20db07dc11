// DrivePool: runs the per-drive work of a request in parallel and waits for
// it only until the request's deadline, so a drive that hangs costs the
// request that drive, not the request.
//
// Lifetimes, which give run() its shape:
// - At the deadline the caller stops waiting and goes on with the answers it
//   has; a task still running keeps running (a call blocked in the kernel
//   cannot be interrupted) and returns whenever it does, possibly after the
//   caller has returned and its stack and objects are gone.
// - So a task owns everything it touches. run() moves the callable into a
//   batch that the caller and every task share (shared_ptr); the callable
//   holds what it needs by value or by shared_ptr, never a reference to the
//   caller's stack or to an object the caller may free, nor memory the
//   caller will reuse (e.g. a response buffer: a task reads into a buffer
//   of its own, which the caller copies from once the answer is in). The
//   one exception is what outlives the pool: the drives of the set, which
//   SetContext destroys after the pool (and the pool's destructor waits for
//   every task).
// - A result that arrives after the caller gave up is dropped, on the task's
//   thread; the caller sees kDriveTimeout in its place.
// - The caller runs no task itself (one that hangs would hang it): work
//   that cannot wait for a device belongs on the calling thread before the
//   hand-off, as SetContext::each_drive and ShardSet do with memory-only
//   reads.
// REQUIRES: run() is never called from inside a task (the pool could run
// out of threads waiting on itself).
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/deadline.h"
#include "common/error.h"

namespace silo::object {

class DrivePool {
 public:
  explicit DrivePool(size_t threads) : pool_(threads) {}
  ~DrivePool() { pool_.join(); }
  DrivePool(const DrivePool&) = delete;
  DrivePool& operator=(const DrivePool&) = delete;

  // Calls f(i) for every i in [0, n) on the pool threads and waits until
  // all of them returned or `deadline` passed. Element i of the answer is
  // what f(i) returned (a Result or Status), or kDriveTimeout when it had
  // not returned by the deadline.
  template <typename F>
  auto run(size_t n, Deadline deadline, F f) {
    using R = decltype(f(size_t{0}));
    std::vector<R> out;
    if (n == 0) return out;
    auto batch = std::make_shared<Batch<R, F>>(std::move(f), n);
    for (size_t i = 0; i < n; ++i) {
      boost::asio::post(pool_, [batch, i] {
        R r = batch->f(i);
        bool last;
        {
          std::lock_guard lock(batch->mu);
          if (!batch->abandoned) batch->results[i].emplace(std::move(r));
          last = --batch->pending == 0;
        }
        // Only the last answer wakes the caller: a wake-up per task costs
        // a context switch each.
        if (last) batch->cv.notify_one();
      });
    }
    std::unique_lock lock(batch->mu);
    auto all_done = [&] { return batch->pending == 0; };
    if (deadline.is_never()) {
      batch->cv.wait(lock, all_done);
    } else {
      batch->cv.wait_until(lock, deadline.when(), all_done);
    }
    batch->abandoned = true;
    out.reserve(n);
    for (auto& r : batch->results) {
      out.push_back(r ? std::move(*r)
                      : R(fail(ErrorCode::kDriveTimeout, "no answer before the deadline")));
    }
    return out;
  }

 private:
  template <typename R, typename F>
  struct Batch {
    Batch(F fn, size_t n) : f(std::move(fn)), results(n), pending(n) {}
    F f;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<R>> results;  // guarded by mu
    size_t pending;                         // guarded by mu
    bool abandoned = false;                 // guarded by mu: the caller has moved on
  };

  boost::asio::thread_pool pool_;
};

}  // namespace silo::object
