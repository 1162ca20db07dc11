// LockPeer: how a distributed lock talks to one node's LockServer. The
// transport seam: LocalLockPeer calls a LockServer in this process (this
// node's own table, and every node in tests); RemoteLockPeer
// (remote_lock_peer.h) calls another node's over /silo/internode/v1/lock/.
//
// Every call carries a deadline. A call that starts after it answers kError
// at once; an implementation bounds its wait for the node by it (a remote
// peer sets it as its network timeout) and answers kError when it passes.
// DistLocks does not rely on that for its own progress: it waits for a
// peer only until the deadline and deals with a late answer on the
// answering thread (late grants are released).
//
// Thread-safe: calls may run concurrently from any thread.
#pragma once

#include <memory>

#include "cluster/lock_server.h"
#include "common/deadline.h"

namespace silo::cluster {

enum class LockReply {
  kGranted,  // done: granted, released, refreshed
  kRefused,  // the node answered no (held by another; grant gone)
  kError,    // no answer in time, unreachable, or a transport error
};

class LockPeer {
 public:
  virtual ~LockPeer() = default;
  // LockServer's calls of the same names, over the transport.
  virtual LockReply lock(Deadline deadline, const LockRequest& r) = 0;
  virtual LockReply rlock(Deadline deadline, const LockRequest& r) = 0;
  virtual LockReply unlock(Deadline deadline, const LockRequest& r) = 0;
  virtual LockReply runlock(Deadline deadline, const LockRequest& r) = 0;
  virtual LockReply refresh(Deadline deadline, const LockRequest& r) = 0;
  // Takes a release (runlock when `shared`) to send in the background,
  // batched with others, and answers true; false when the caller must
  // release through unlock/runlock itself (the default).
  virtual bool release_later(bool /*shared*/, const LockRequest& /*r*/) { return false; }
};

// A LockServer in this process. Never blocks beyond the server's mutex.
class LocalLockPeer final : public LockPeer {
 public:
  explicit LocalLockPeer(std::shared_ptr<LockServer> server) : server_(std::move(server)) {}

  LockReply lock(Deadline d, const LockRequest& r) override {
    return call(d, &LockServer::lock, r);
  }
  LockReply rlock(Deadline d, const LockRequest& r) override {
    return call(d, &LockServer::rlock, r);
  }
  LockReply unlock(Deadline d, const LockRequest& r) override {
    return call(d, &LockServer::unlock, r);
  }
  LockReply runlock(Deadline d, const LockRequest& r) override {
    return call(d, &LockServer::runlock, r);
  }
  LockReply refresh(Deadline d, const LockRequest& r) override {
    return call(d, &LockServer::refresh, r);
  }

 private:
  LockReply call(Deadline d, bool (LockServer::*op)(const LockRequest&), const LockRequest& r) {
    if (d.expired()) return LockReply::kError;
    return (server_.get()->*op)(r) ? LockReply::kGranted : LockReply::kRefused;
  }

  std::shared_ptr<LockServer> server_;
};

}  // namespace silo::cluster
