#include "common/uuid.h"

#include <openssl/rand.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "common/time.h"

namespace silo {

std::string new_uuid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

std::string new_request_id() {
  // Time-ordered like MinIO's, so ids sort by arrival; the counter keeps them unique.
  static std::atomic<uint64_t> counter{0};
  uint64_t v = static_cast<uint64_t>(now_ns()) + counter.fetch_add(1, std::memory_order_relaxed);
  char out[17];
  std::snprintf(out, sizeof out, "%016llX", static_cast<unsigned long long>(v));
  return out;
}

}  // namespace silo
