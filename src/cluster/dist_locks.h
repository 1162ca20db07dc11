// DistLocks: the KeyLocks of a cluster. A lock on (bucket, name) is held
// when a quorum of the nodes' LockServers granted it, reached through one
// LockPeer per node (this node's own table included). There is no leader
// and no consensus protocol: two quorums always share a node, and a node's
// table never grants conflicting locks, so two holders cannot overlap.
//
// Quorum, for N peers (the same rule as MinIO's dsync):
// - write lock: floor(N/2) + 1 grants, a strict majority, so two writers
//   cannot both have one;
// - read lock: ceil(N/2) grants; a reader's and a writer's quorum add up to
//   N + 1, so they always meet on some node, while readers share.
// With N even, reads survive N/2 nodes down and writes N/2 - 1 (4 nodes: 2
// and 1).
//
// Acquisition: one attempt asks every peer at once and waits until a quorum
// granted, a quorum became impossible, or attempt_timeout passed (a node
// that does not answer costs an attempt at most that long, and nothing once
// the others have made a quorum). A failed attempt releases what it was
// granted and the next one follows after a jittered, growing pause, until
// the caller's deadline: then kLockTimeout. Every attempt has its own uid,
// so a late release of one attempt never drops a grant of the next.
//
// Leases: every grant expires after LockServerOptions::lease unless
// refreshed. One background thread refreshes every held lock of this
// instance each refresh_interval. A holder that crashes stops refreshing and
// its grants lapse after one lease; then others can take the lock.
//
// Lost locks: a refresh that fewer than a quorum of peers confirm marks the
// lock lost (its grants may have lapsed on the others, so another holder may
// exist or soon will). So does a lease's worth of time since the start of
// the last confirmed round, even when the refresher is late. LockGuard::
// held() turns false, for good; the object layer checks it after reading
// its preconditions and right before it writes, and fails the request with
// kLockLost (503) rather than write without the lock. A lock lost during the
// write itself is not detected: the lease (30 s) is long against a commit,
// and a loss needs a quorum of nodes unreachable for most of a lease.
//
// Release: asynchronous, best effort: the guard returns at once and every
// peer is asked to drop the grant, each call with a deadline of its own from
// when it runs (it may queue behind others) and tried up to three times
// while it fails fast (not after a time-out: a frozen node is not waited for
// twice); a peer that still misses it lets it lapse (a key then stays locked
// for up to a lease).
//
// Thread-safe. REQUIRES: every guard is released before destruction.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cluster/lock_peer.h"
#include "object/key_locks.h"

namespace silo::cluster {

struct DistLocksOptions {
  // This node's id, recorded with its grants.
  std::string owner;
  // Put before every resource name, so that instances with different jobs
  // (keys, uploads) on the same LockServers never meet: "k:", "u:".
  std::string prefix;
  // How long one attempt waits for the peers.
  std::chrono::milliseconds attempt_timeout{1'000};
  // Must equal the LockServers' LockServerOptions::lease.
  std::chrono::milliseconds lease{30'000};
  // How often held locks are refreshed; well below the lease, so that a
  // refresh or two may fail without the grants lapsing.
  std::chrono::milliseconds refresh_interval{10'000};
  // Pause between attempts: random, from retry_min up to a bound that
  // doubles per attempt until retry_max.
  std::chrono::milliseconds retry_min{2};
  std::chrono::milliseconds retry_max{250};
  // Threads that call the peers (each call of a slow peer holds one up to
  // its deadline).
  size_t threads = 16;
};

class DistLocks final : public object::KeyLocks {
 public:
  // One peer per node, this node included. REQUIRES: peers is not empty.
  DistLocks(std::vector<std::shared_ptr<LockPeer>> peers, DistLocksOptions options);
  ~DistLocks() override;
  DistLocks(const DistLocks&) = delete;
  DistLocks& operator=(const DistLocks&) = delete;

  Result<object::LockGuard> lock(Deadline deadline, std::string_view bucket,
                                 std::string_view name) override;
  Result<object::LockGuard> rlock(Deadline deadline, std::string_view bucket,
                                  std::string_view name) override;

  size_t write_quorum() const { return peers_.size() / 2 + 1; }
  size_t read_quorum() const { return peers_.size() - peers_.size() / 2; }
  // Locks held through this instance now (lost ones included until released).
  size_t held_count() const;

 private:
  enum class Op { kLock, kRLock, kUnlock, kRUnlock, kRefresh };
  struct Round;
  struct Held;

  Result<object::LockGuard> acquire(Deadline deadline, std::string_view bucket,
                                    std::string_view name, bool shared);
  static LockReply call(LockPeer& peer, Op op, Deadline deadline, const LockRequest& r);
  // Sends `op` to every peer, each call on a pool thread with its own
  // deadline of attempt_timeout; a lock grant that answers after the round
  // was closed is released by the thread that received it.
  std::shared_ptr<Round> start(Op op, std::shared_ptr<const LockRequest> r, size_t quorum);
  // Waits until the round is decided or `deadline`, then closes it; which
  // peers granted.
  std::vector<char> finish(Round& round, Deadline deadline);
  void release(uintptr_t handle, bool shared) override;
  bool still_held(uintptr_t handle) const override;
  void refresh_loop();
  void refresh_all();
  // Not released yet (a lock released during a refresh is not lost).
  bool still_registered(const Held* h) const;

  const std::vector<std::shared_ptr<LockPeer>> peers_;
  const DistLocksOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;                                 // stop_
  std::unordered_map<const Held*, std::shared_ptr<Held>> held_;  // guarded by mu_
  bool stop_ = false;                                            // guarded by mu_

  // Destroyed first: the refresher and every peer call end before the
  // members above go away.
  boost::asio::thread_pool pool_;
  std::thread refresher_;
};

}  // namespace silo::cluster
