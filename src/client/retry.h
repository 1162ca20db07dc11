// Retrying S3 calls: bounded exponential backoff with full jitter, in one
// place so every command retries the same way. Retried: no response at all
// (connection refused/reset, timeout), 5xx (including 503 SlowDown), 429 and
// the SlowDown code. Never retried: other 4xx (the request itself is wrong),
// 507 StorageFull (space must be freed first), "aborted" (the caller
// stopped the transfer) and "tls" (a certificate that does not verify will
// not verify on the next attempt either).
#pragma once

#include <chrono>
#include <thread>
#include <utility>

#include "client/s3_client.h"

namespace silo::client {

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{5000};
};

bool is_retryable(const S3Error& e);
// The pause before attempt `attempt` (1-based, > 1): uniform in
// [0, min(cap, base * 2^(attempt-2))]. Thread-safe.
std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int attempt);

// Calls `attempt()` (returning an S3Result/S3Status) until it succeeds, fails
// for good, or attempts run out; returns the last outcome.
template <typename F>
auto with_retry(const RetryPolicy& policy, F&& attempt) -> decltype(attempt()) {
  for (int n = 1;; ++n) {
    auto result = attempt();
    if (result || n >= policy.max_attempts || !is_retryable(result.error())) return result;
    std::this_thread::sleep_for(backoff_delay(policy, n + 1));
  }
}

}  // namespace silo::client
