// LockService: the server side of the internode lock protocol (wire.h). It
// answers `POST /silo/internode/v1/lock/<call>` (lock, rlock, unlock,
// runlock, refresh) from other nodes' DistLocks by calling this node's
// LockServer, so a RemoteLockPeer on another node behaves as a
// LocalLockPeer here does.
//
// - Auth: every request must carry the internode token (internode_auth.h),
//   else 403 before its body is read.
// - Body: encode_lock_request() (resource, owner, uid), at most max_body
//   bytes; the answer is 200 with kLockGranted or kLockRefused. A request
//   that cannot be decoded is 400 with kInvalidRequest in kErrorHeader.
// - Deadlines: a call that arrives after the caller's deadline
//   (x-silo-deadline-ms) is not applied (503 kLockTimeout): nobody waits
//   for its answer, and a grant nobody learns of would block the resource
//   for a whole lease.
// - Threads: a LockServer call only takes its mutex, so calls are answered
//   on the network thread; no blocking pool is involved.
// - Sweeping: a request that finds sweep_interval passed since the last
//   sweep runs LockServer::sweep() first, so the server needs no thread
//   for it. Grants left behind come from holders on other nodes that
//   vanished (this node's own DistLocks release through a LocalLockPeer,
//   which cannot fail), and expired ones are ignored anyway: the sweep
//   only frees their memory, and lock traffic is what makes it grow.
// Thread-safe; one per node, over the node's one LockServer.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "cluster/lock_server.h"
#include "http/server.h"

namespace silo::cluster {

struct LockServiceOptions {
  // Largest request body (a resource name is a bucket and a key: < 2 KiB).
  size_t max_body = 16 * 1024;
  // Least time between two sweeps of the LockServer.
  std::chrono::milliseconds sweep_interval{60'000};
};

class LockService final : public http::RequestHandler {
 public:
  // `token`: internode_token() of the root credentials.
  LockService(std::shared_ptr<LockServer> server, std::string token,
              LockServiceOptions options = {});
  LockService(const LockService&) = delete;
  LockService& operator=(const LockService&) = delete;

  // True for the paths this service answers.
  static bool handles(std::string_view raw_path);

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  http::StringResponse malformed_request(ErrorCode code) override;

  LockServer& server() { return *server_; }

 private:
  // Runs one decoded call on the LockServer: granted or refused.
  Result<bool> apply(std::string_view call, const LockRequest& r);
  // Applies a batch of encode_release() items.
  Result<bool> release_many(std::string_view body);
  void sweep_if_due();

  const std::shared_ptr<LockServer> server_;
  const std::string token_;
  const LockServiceOptions options_;
  // When the next sweep is due, as steady-clock ticks.
  std::atomic<int64_t> next_sweep_;
};

}  // namespace silo::cluster
