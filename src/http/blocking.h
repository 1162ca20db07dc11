// Runs blocking work (disk, RocksDB) on a thread pool and resumes the calling
// coroutine on its own executor with the result, so network threads never
// block on I/O.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace silo::http {

// REQUIRES: f returns a non-void, movable value (Result<T> or Status).
// Deliberately not a coroutine itself: GCC 12 mishandles coroutine
// parameters that are lambdas with non-trivial captures.
template <typename F>
auto run_blocking(boost::asio::thread_pool& pool, F f)
    -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
      [&pool, f = std::move(f)](auto handler) mutable {
        asio::post(pool, [f = std::move(f), handler = std::move(handler)]() mutable {
          R result = f();
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex, [result = std::move(result), handler = std::move(handler)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace silo::http
