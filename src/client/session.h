// The state one client command runs with: the global options, the aliases,
// the Output, a bounded number of connection slots and one S3Client per
// (thread, alias). Client code and server code share the binary, never this.
//
// Thread-safety: client() hands each thread its own S3Client (S3Client is
// single-threaded); everything else is read-only after construction or
// thread-safe (Output, Slots).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>

#include "client/alias_config.h"
#include "client/output.h"
#include "client/retry.h"
#include "client/s3_client.h"
#include "client/target.h"

namespace silo::client {

struct GlobalOptions {
  bool json = false;
  bool quiet = false;
  int parallel = 4;             // connections in flight at most
  std::string part_size = "16MiB";  // multipart part size (raised for huge files)
  bool insecure = false;        // do not verify TLS certificates
  int retries = 5;              // attempts per request
};

// The bytes of a transfer's parts: `configured`, raised so `size` fits in
// 10,000 parts (rounded up to 1 MiB), and at least S3's 5 MiB minimum.
uint64_t choose_part_size(uint64_t size, uint64_t configured);

class Session {
 public:
  Session(GlobalOptions options, AliasConfig aliases, uint64_t part_size);

  const GlobalOptions& options() const { return options_; }
  const AliasConfig& aliases() const { return aliases_; }
  Output& out() { return out_; }
  const RetryPolicy& retry() const { return retry_; }
  uint64_t part_size() const { return part_size_; }

  Target target(std::string_view text) const;
  // This thread's client for `alias`; an error names an unknown alias or a bad URL.
  S3Result<S3Client*> client(const std::string& alias);
  // True when both aliases reach the same endpoint with the same keys, so a
  // copy between them can be done by the server.
  bool same_endpoint(const std::string& a, const std::string& b) const;

  // A connection slot; at most options().parallel are held at once.
  class Slot {
   public:
    explicit Slot(Session& s) : s_(s) { s_.slots_.acquire(); }
    ~Slot() { s_.slots_.release(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    Session& s_;
  };

 private:
  GlobalOptions options_;
  AliasConfig aliases_;
  uint64_t part_size_;
  Output out_;
  RetryPolicy retry_;
  std::counting_semaphore<4096> slots_;
};

// Runs fn(0..count-1) on up to `threads` threads; returns when all are done.
void run_parallel(int threads, size_t count, const std::function<void(size_t)>& fn);

}  // namespace silo::client
