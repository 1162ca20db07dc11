// LockServer: one node's table of lock grants, the state behind the lock RPC.
//
// A resource (a name such as "k:bucket/key") has either one writer or any
// number of readers. Every grant records who holds it (owner: the node that
// asked; uid: one acquisition, unique across the cluster) and a lease
// expiry. The holder refreshes its lease while it holds the lock; a grant
// whose lease ran out is dropped the next time its resource is touched (and
// by sweep()), so the locks of a holder that crashed or lost the network
// free themselves after one lease.
//
// This table alone decides nothing: a distributed lock is held when a
// quorum of nodes' tables granted it (dist_locks.h). Each call is
// idempotent for its uid, because an RPC may be retried after a lost reply:
// asking again for a lock the same uid holds grants it again (and renews
// its lease), releasing one that is gone answers false.
//
// Thread-safe; no call blocks on anything but the table's mutex.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace silo::cluster {

// Who asks for what: the same three strings travel with every lock call.
struct LockRequest {
  std::string resource;  // the name locked
  std::string owner;     // the asking node (diagnostics, stale-owner cleanup)
  std::string uid;       // this acquisition; unlock and refresh name it
};

struct LockServerOptions {
  // How long a grant lives without a refresh. Holders refresh well within
  // it (DistLocksOptions::refresh_interval) and assume the lock lost when
  // a quorum has not confirmed it for this long, so both sides must use
  // the same value.
  std::chrono::milliseconds lease{30'000};
};

class LockServer {
 public:
  using Clock = std::chrono::steady_clock;

  // `now` is the clock leases are measured on (tests pass a fake one).
  explicit LockServer(LockServerOptions options = {},
                      std::function<Clock::time_point()> now = &Clock::now);
  LockServer(const LockServer&) = delete;
  LockServer& operator=(const LockServer&) = delete;

  // Grants the write lock when the resource has no live grant (or this uid
  // already writes it); false otherwise.
  bool lock(const LockRequest& r);
  // Grants a read lock when the resource has no live writer; false
  // otherwise.
  bool rlock(const LockRequest& r);
  // Drops the write (read) grant of r.uid; false when it held none (never
  // granted, released already, or expired).
  bool unlock(const LockRequest& r);
  bool runlock(const LockRequest& r);
  // Renews the lease of r.uid's grant on r.resource, read or write; false
  // when that grant is gone (expired, or never made here): the holder must
  // then not count this node towards its quorum.
  bool refresh(const LockRequest& r);

  // Drops every grant whose lease ran out; the number dropped. Only frees
  // memory (expired grants are ignored anyway); call it now and then.
  size_t sweep();
  // Live grants on `resource` (tests, diagnostics).
  size_t holders(const std::string& resource);

 private:
  struct Grant {
    std::string owner;
    std::string uid;
    Clock::time_point expires;
  };
  struct Entry {
    bool writer = false;        // grants holds the writer alone
    std::vector<Grant> grants;  // the writer, or the readers
  };

  // The entry of `resource` with its expired grants dropped; null when it
  // has none left (and then it is erased). REQUIRES: mu_ held.
  Entry* live(const std::string& resource, Clock::time_point now);
  Grant grant_for(const LockRequest& r, Clock::time_point now) const;
  bool release(const LockRequest& r, bool writer);

  const LockServerOptions options_;
  const std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> table_;  // guarded by mu_
};

}  // namespace silo::cluster
