// RemoteLockPeer: a LockPeer that reaches another node's LockServer over the
// internode protocol (LockService on that node, wire.h). Each call is one
// POST through the shared InternodeClient, bounded as a whole by its
// Deadline (connect included).
//
// Failures are kError, never a wait: a peer that PeerHealth knows offline
// answers kError at once without touching the network (every PUT takes a
// lock, and an acquisition must not wait on a dead node), a call that
// cannot reach the node marks it offline, one that times out has it probed.
// The peer's health is shared with the RemoteDrives of the same node.
//
// Thread-safe: calls may run concurrently from any thread (each blocks the
// calling thread up to its deadline; DistLocks calls from its own pool).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cluster/internode_client.h"
#include "cluster/lock_peer.h"

namespace silo::cluster {

class RemoteLockPeer final : public LockPeer {
 public:
  // `base_url`: the node's `http://host:port`, no trailing slash.
  RemoteLockPeer(std::shared_ptr<InternodeClient> client, const std::string& base_url);
  RemoteLockPeer(const RemoteLockPeer&) = delete;
  RemoteLockPeer& operator=(const RemoteLockPeer&) = delete;

  LockReply lock(Deadline d, const LockRequest& r) override { return call(d, "lock", r); }
  LockReply rlock(Deadline d, const LockRequest& r) override { return call(d, "rlock", r); }
  LockReply unlock(Deadline d, const LockRequest& r) override { return call(d, "unlock", r); }
  LockReply runlock(Deadline d, const LockRequest& r) override { return call(d, "runlock", r); }
  LockReply refresh(Deadline d, const LockRequest& r) override { return call(d, "refresh", r); }
  // Queued on the peer (PeerHealth::send_batched) and sent as release_many.
  bool release_later(bool shared, const LockRequest& r) override;

  bool online() const { return health_->online(); }
  const std::string& base_url() const { return health_->base_url(); }

 private:
  LockReply call(Deadline deadline, std::string_view name, const LockRequest& r);

  const std::shared_ptr<InternodeClient> client_;
  const std::shared_ptr<PeerHealth> health_;
};

}  // namespace silo::cluster
