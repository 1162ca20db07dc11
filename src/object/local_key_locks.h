// LocalKeyLocks: the KeyLocks of a single node, inside one process.
//
// A fixed array of reader/writer mutexes; (bucket, name) hashes to one of
// them. Names that share a stripe wait for each other, which costs little
// because a lock is held only around a commit. Acquisition is one
// uncontended atomic operation (no allocation, no system call): the commit
// of a 4 KiB PUT takes one on its hot path. A contended one waits on the
// mutex until the deadline (a futex with a CLOCK_MONOTONIC timeout).
//
// REQUIRES: a thread holds at most one lock of one LocalKeyLocks at a time
// (two names may share a stripe, and a stripe is not recursive).
#pragma once

#include <array>
#include <functional>
#include <shared_mutex>
#include <string_view>

#include "object/key_locks.h"

namespace silo::object {

class LocalKeyLocks final : public KeyLocks {
 public:
  LocalKeyLocks() = default;
  LocalKeyLocks(const LocalKeyLocks&) = delete;
  LocalKeyLocks& operator=(const LocalKeyLocks&) = delete;

  Result<LockGuard> lock(Deadline deadline, std::string_view bucket,
                         std::string_view name) override {
    size_t i = stripe(bucket, name);
    auto& m = stripes_[i];
    if (!m.try_lock()) {
      if (deadline.is_never()) {
        m.lock();
      } else if (!m.try_lock_until(deadline.when())) {
        return fail(ErrorCode::kLockTimeout);
      }
    }
    return make_guard(i, false);
  }

  Result<LockGuard> rlock(Deadline deadline, std::string_view bucket,
                          std::string_view name) override {
    size_t i = stripe(bucket, name);
    auto& m = stripes_[i];
    if (!m.try_lock_shared()) {
      if (deadline.is_never()) {
        m.lock_shared();
      } else if (!m.try_lock_shared_until(deadline.when())) {
        return fail(ErrorCode::kLockTimeout);
      }
    }
    return make_guard(i, true);
  }

 private:
  size_t stripe(std::string_view bucket, std::string_view name) const {
    size_t h = std::hash<std::string_view>{}(bucket) * 31 + std::hash<std::string_view>{}(name);
    return h % stripes_.size();
  }

  void release(uintptr_t handle, bool shared) override {
    if (shared) {
      stripes_[handle].unlock_shared();
    } else {
      stripes_[handle].unlock();
    }
  }

  std::array<std::shared_timed_mutex, 1024> stripes_;
};

}  // namespace silo::object
