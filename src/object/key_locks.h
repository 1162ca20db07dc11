// KeyLocks: the seam between the object layer and whatever serializes the
// changes to one name. A commit, delete, heal or settlement of (bucket, key)
// holds that key's write lock, so a precondition (If-Match, If-None-Match)
// checked under it still holds when the commit lands; parts, completion and
// abort of an upload hold (bucket, upload id) in a second KeyLocks.
//
// Two implementations: LocalKeyLocks (local_key_locks.h), striped mutexes
// inside one process, for a single node; and cluster::DistLocks
// (cluster/dist_locks.h), the same lock taken on a majority of nodes with
// leases. The object layer does not know which one it holds.
//
// Acquisition can fail: every acquisition carries a deadline, and a lock not
// granted by then is kLockTimeout (503 SlowDown; the client retries). A
// distributed lock can also be lost while held (its leases lapsed on a
// majority of nodes, see dist_locks.h); LockGuard::held() says so, and a
// commit checks it after its preconditions and before it writes, failing
// with kLockLost instead of writing without the lock.
//
// Thread-safe: lock() and rlock() may be called from any thread. A guard is
// owned by one thread at a time (it may be moved between threads).
// REQUIRES: every guard is released before its KeyLocks is destroyed.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "common/deadline.h"
#include "common/error.h"

namespace silo::object {

class KeyLocks;

// A held lock; released when destroyed, moved from, or release()d. Small
// and allocation-free: the implementation's handle is one integer.
class LockGuard {
 public:
  LockGuard() = default;
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  LockGuard(LockGuard&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        handle_(other.handle_),
        shared_(other.shared_) {}
  LockGuard& operator=(LockGuard&& other) noexcept {
    if (this != &other) {
      release();
      owner_ = std::exchange(other.owner_, nullptr);
      handle_ = other.handle_;
      shared_ = other.shared_;
    }
    return *this;
  }
  ~LockGuard() { release(); }

  // True while no one else can hold a conflicting lock. A local lock stays
  // held until released; a distributed one turns false once its leases can
  // no longer be confirmed on a quorum of nodes (and never turns back).
  // Cheap: a commit calls it right before it writes.
  bool held() const;
  // Releases the lock now (idempotent).
  void release();

 private:
  friend class KeyLocks;
  LockGuard(KeyLocks* owner, uintptr_t handle, bool shared)
      : owner_(owner), handle_(handle), shared_(shared) {}

  KeyLocks* owner_ = nullptr;  // null: nothing held
  uintptr_t handle_ = 0;       // what the owner needs to release it
  bool shared_ = false;        // a read lock
};

class KeyLocks {
 public:
  virtual ~KeyLocks() = default;

  // The write lock of (bucket, name): no other writer or reader holds it
  // while the guard does. kLockTimeout when it was not granted by
  // `deadline`; Deadline::never() waits as long as it takes.
  virtual Result<LockGuard> lock(Deadline deadline, std::string_view bucket,
                                 std::string_view name) = 0;
  // A read lock of (bucket, name): shared with other readers, excludes
  // writers. Same failure as lock().
  virtual Result<LockGuard> rlock(Deadline deadline, std::string_view bucket,
                                  std::string_view name) = 0;

 protected:
  LockGuard make_guard(uintptr_t handle, bool shared) { return LockGuard(this, handle, shared); }

 private:
  friend class LockGuard;
  // Releases what make_guard(handle, shared) handed out. Must not block on
  // other nodes (a distributed release goes on in the background).
  virtual void release(uintptr_t handle, bool shared) = 0;
  // See LockGuard::held().
  virtual bool still_held(uintptr_t /*handle*/) const { return true; }
};

inline bool LockGuard::held() const { return owner_ != nullptr && owner_->still_held(handle_); }

inline void LockGuard::release() {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->release(handle_, shared_);
}

}  // namespace silo::object
