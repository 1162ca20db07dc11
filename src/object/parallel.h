// Runs one piece of work per drive in parallel and waits for all of them.
// REQUIRES: for_each is never called from inside a for_each task (the pool
// could run out of threads waiting on itself).
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <latch>

namespace silo::object {

class DrivePool {
 public:
  explicit DrivePool(size_t threads) : pool_(threads) {}
  ~DrivePool() { pool_.join(); }
  DrivePool(const DrivePool&) = delete;
  DrivePool& operator=(const DrivePool&) = delete;

  // Calls f(i) for every i in [0, n); the calling thread runs the last one.
  template <typename F>
  void for_each(size_t n, F&& f) {
    if (n == 0) return;
    if (n == 1) {
      f(size_t{0});
      return;
    }
    std::latch done(static_cast<std::ptrdiff_t>(n - 1));
    for (size_t i = 0; i + 1 < n; ++i) {
      boost::asio::post(pool_, [&f, &done, i] {
        f(i);
        done.count_down();
      });
    }
    f(n - 1);
    done.wait();
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace silo::object
