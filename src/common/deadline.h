// Deadline: the moment by which a call must have answered, on the steady
// clock (immune to wall-clock jumps). The object layer derives one per drive
// call from ErasureSetOptions::drive_timeout and passes it down explicitly;
// a Drive fails a call that starts after it with kDriveTimeout, checks it
// between the steps of long work, and a remote drive will bound its network
// wait by it. A small value type: copy it freely.
#pragma once

#include <chrono>

namespace silo {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `timeout` from now.
  static Deadline after(Clock::duration timeout) { return Deadline(Clock::now() + timeout); }
  static constexpr Deadline at(Clock::time_point when) { return Deadline(when); }
  // No limit: for work that has no caller waiting on it (start-up recovery,
  // tools, tests). Never expires.
  static constexpr Deadline never() { return Deadline(Clock::time_point::max()); }

  bool expired() const { return when_ != Clock::time_point::max() && Clock::now() >= when_; }
  // Time left; zero once expired, Clock::duration::max() for never().
  Clock::duration remaining() const {
    if (when_ == Clock::time_point::max()) return Clock::duration::max();
    auto left = when_ - Clock::now();
    return left > Clock::duration::zero() ? left : Clock::duration::zero();
  }
  constexpr Clock::time_point when() const { return when_; }
  constexpr bool is_never() const { return when_ == Clock::time_point::max(); }

 private:
  constexpr explicit Deadline(Clock::time_point when) : when_(when) {}
  Clock::time_point when_;
};

}  // namespace silo
