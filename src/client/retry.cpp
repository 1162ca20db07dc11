#include "client/retry.h"

#include <algorithm>
#include <random>

namespace silo::client {

bool is_retryable(const S3Error& e) {
  if (e.code == "aborted" || e.code == kTlsErrorCode) return false;
  if (e.http_status == 0) return true;  // network
  // 507 StorageFull waits for someone to free space: retrying only adds load.
  if (e.http_status == 507 || e.code == "StorageFull") return false;
  return e.http_status >= 500 || e.http_status == 429 || e.code == "SlowDown";
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t ceiling = p.base.count() << std::min(attempt - 2, 20);
  ceiling = std::min<int64_t>(ceiling, p.cap.count());
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(ceiling, 0));
  return std::chrono::milliseconds(pick(rng));
}

}  // namespace silo::client
