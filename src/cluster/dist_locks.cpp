#include "cluster/dist_locks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>

#include "common/uuid.h"

namespace silo::cluster {
namespace {

using Clock = std::chrono::steady_clock;

// The earlier of `a` and `b`.
Deadline earliest(Deadline a, Deadline b) { return a.when() < b.when() ? a : b; }

// A pause from `low` to `high`, random so that contenders drift apart.
Clock::duration jitter(Clock::duration low, Clock::duration high) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  if (high <= low) return low;
  std::uniform_int_distribution<Clock::rep> pick(low.count(), high.count());
  return Clock::duration(pick(rng));
}

}  // namespace

// One request sent to every peer. The caller and the tasks share it, so a
// task that answers after the caller moved on still has somewhere to write.
struct DistLocks::Round {
  Round(size_t n, size_t q) : answers(n, kPending), quorum(q), waiting(n) {}
  static constexpr char kPending = 0, kYes = 1, kNo = 2;

  bool decided() const { return granted >= quorum || granted + waiting < quorum; }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<char> answers;  // guarded by mu
  const size_t quorum;
  size_t granted = 0;   // guarded by mu
  size_t waiting;       // guarded by mu: peers asked that have not answered
  bool closed = false;  // guarded by mu: the caller took its answer
};

// A lock this instance holds: what its refresher needs and what held()
// reads.
struct DistLocks::Held {
  std::shared_ptr<const LockRequest> request;
  bool shared = false;
  size_t quorum = 0;
  std::atomic<bool> lost{false};
  // Until when the grants are known to live: the start of the last round a
  // quorum confirmed, plus the lease.
  std::atomic<Clock::rep> valid_until{0};
};

DistLocks::DistLocks(std::vector<std::shared_ptr<LockPeer>> peers, DistLocksOptions options)
    : peers_(std::move(peers)),
      options_(std::move(options)),
      pool_(std::max<size_t>(1, options_.threads)),
      refresher_([this] { refresh_loop(); }) {}

DistLocks::~DistLocks() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  refresher_.join();
  pool_.join();
}

size_t DistLocks::held_count() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

Result<object::LockGuard> DistLocks::lock(Deadline deadline, std::string_view bucket,
                                          std::string_view name) {
  return acquire(deadline, bucket, name, false);
}

Result<object::LockGuard> DistLocks::rlock(Deadline deadline, std::string_view bucket,
                                           std::string_view name) {
  return acquire(deadline, bucket, name, true);
}

LockReply DistLocks::call(LockPeer& peer, Op op, Deadline deadline, const LockRequest& r) {
  switch (op) {
    case Op::kLock:
      return peer.lock(deadline, r);
    case Op::kRLock:
      return peer.rlock(deadline, r);
    case Op::kUnlock:
      return peer.unlock(deadline, r);
    case Op::kRUnlock:
      return peer.runlock(deadline, r);
    case Op::kRefresh:
      return peer.refresh(deadline, r);
  }
  return LockReply::kError;
}

std::shared_ptr<DistLocks::Round> DistLocks::start(Op op, std::shared_ptr<const LockRequest> r,
                                                   size_t quorum) {
  auto round = std::make_shared<Round>(peers_.size(), quorum);
  Deadline deadline = Deadline::after(options_.attempt_timeout);
  auto late_timeout = options_.attempt_timeout;
  for (size_t i = 0; i < peers_.size(); ++i) {
    // A peer that batches releases takes them at once (one round trip for
    // many instead of one each: they were a sixth of a PUT's calls).
    if ((op == Op::kUnlock || op == Op::kRUnlock) &&
        peers_[i]->release_later(op == Op::kRUnlock, *r)) {
      std::lock_guard lock(round->mu);
      --round->waiting;
      continue;
    }
    boost::asio::post(pool_, [round, peer = peers_[i], i, op, r, deadline, late_timeout] {
      if (op == Op::kUnlock || op == Op::kRUnlock) {
        // Nobody waits for a release, but a lost one keeps the key locked
        // for a whole lease: it gets its own deadline when it runs (it may
        // have queued behind other calls), and is tried again when no
        // answer came.
        for (int attempt = 0; attempt < 3; ++attempt) {
          auto began = Clock::now();
          if (call(*peer, op, Deadline::after(late_timeout), *r) != LockReply::kError) break;
          // A peer that let the call time out is not waited for again (a
          // frozen node would hold this thread): its grant lapses.
          if (Clock::now() - began >= late_timeout / 2) break;
        }
        std::lock_guard lock(round->mu);
        --round->waiting;
        return;
      }
      bool yes = call(*peer, op, deadline, *r) == LockReply::kGranted;
      bool undo = false;
      {
        std::lock_guard lock(round->mu);
        if (round->closed) {
          // The caller decided without this grant: it must not linger.
          undo = yes && (op == Op::kLock || op == Op::kRLock);
        } else {
          round->answers[i] = yes ? Round::kYes : Round::kNo;
          round->granted += yes ? 1 : 0;
          --round->waiting;
        }
      }
      round->cv.notify_one();
      if (undo) {
        call(*peer, op == Op::kLock ? Op::kUnlock : Op::kRUnlock, Deadline::after(late_timeout),
             *r);
      }
    });
  }
  return round;
}

std::vector<char> DistLocks::finish(Round& round, Deadline deadline) {
  std::unique_lock lock(round.mu);
  auto done = [&] { return round.decided(); };
  if (deadline.is_never())
    round.cv.wait(lock, done);
  else
    round.cv.wait_until(lock, deadline.when(), done);
  round.closed = true;
  std::vector<char> yes(round.answers.size());
  for (size_t i = 0; i < yes.size(); ++i) yes[i] = round.answers[i] == Round::kYes ? 1 : 0;
  return yes;
}

Result<object::LockGuard> DistLocks::acquire(Deadline deadline, std::string_view bucket,
                                             std::string_view name, bool shared) {
  std::string resource = options_.prefix;
  resource.append(bucket).append("/").append(name);
  size_t quorum = shared ? read_quorum() : write_quorum();
  Op op = shared ? Op::kRLock : Op::kLock;
  std::string base = options_.owner + ":" + new_uuid() + ":";
  Clock::duration pause_cap = options_.retry_min;
  size_t best = 0;
  for (int attempt = 0;; ++attempt) {
    auto request = std::make_shared<LockRequest>(
        LockRequest{resource, options_.owner, base + std::to_string(attempt)});
    auto started = Clock::now();
    auto round = start(op, request, quorum);
    auto yes = finish(*round, earliest(deadline, Deadline::after(options_.attempt_timeout)));
    size_t granted = static_cast<size_t>(std::count(yes.begin(), yes.end(), 1));
    if (granted >= quorum) {
      auto held = std::make_shared<Held>();
      held->request = std::move(request);
      held->shared = shared;
      held->quorum = quorum;
      held->valid_until = (started + options_.lease).time_since_epoch().count();
      const Held* handle = held.get();
      {
        std::lock_guard lock(mu_);
        held_.emplace(handle, std::move(held));
      }
      return make_guard(reinterpret_cast<uintptr_t>(handle), shared);
    }
    best = std::max(best, granted);
    // Give back the partial grants (and any a lost reply hid) right away, so
    // the contender that may have the rest can finish.
    start(shared ? Op::kRUnlock : Op::kUnlock, request, peers_.size());
    if (deadline.expired()) break;
    pause_cap = std::min<Clock::duration>(pause_cap * 2, options_.retry_max);
    auto pause = std::min(jitter(options_.retry_min, pause_cap), deadline.remaining());
    std::this_thread::sleep_for(pause);
    if (deadline.expired()) break;
  }
  return fail(ErrorCode::kLockTimeout, resource + ": granted by at most " + std::to_string(best) +
                                           " of " + std::to_string(peers_.size()) + " nodes, " +
                                           std::to_string(quorum) + " needed");
}

void DistLocks::release(uintptr_t handle, bool shared) {
  std::shared_ptr<Held> held;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(reinterpret_cast<const Held*>(handle));
    if (it == held_.end()) return;
    held = std::move(it->second);
    held_.erase(it);
  }
  // Every peer, not only those that granted: a grant whose reply was lost
  // or came late is dropped too. Nobody waits for the answers.
  start(shared ? Op::kRUnlock : Op::kUnlock, held->request, peers_.size());
}

bool DistLocks::still_held(uintptr_t handle) const {
  const auto* held = reinterpret_cast<const Held*>(handle);
  return !held->lost.load(std::memory_order_acquire) &&
         Clock::now().time_since_epoch().count() < held->valid_until.load();
}

void DistLocks::refresh_loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, options_.refresh_interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    refresh_all();
    lock.lock();
  }
}

bool DistLocks::still_registered(const Held* h) const {
  std::lock_guard lock(mu_);
  return held_.contains(h);
}

void DistLocks::refresh_all() {
  std::vector<std::shared_ptr<Held>> held;
  {
    std::lock_guard lock(mu_);
    held.reserve(held_.size());
    for (const auto& [_, h] : held_) {
      if (!h->lost) held.push_back(h);
    }
  }
  // Every lock's round goes out before any is waited for: a peer that does
  // not answer costs one attempt_timeout per pass, not one per lock.
  auto started = Clock::now();
  std::vector<std::shared_ptr<Round>> rounds;
  rounds.reserve(held.size());
  for (const auto& h : held) rounds.push_back(start(Op::kRefresh, h->request, h->quorum));
  Deadline deadline = Deadline::after(options_.attempt_timeout);
  for (size_t i = 0; i < held.size(); ++i) {
    auto yes = finish(*rounds[i], deadline);
    size_t confirmed = static_cast<size_t>(std::count(yes.begin(), yes.end(), 1));
    if (confirmed >= held[i]->quorum) {
      held[i]->valid_until = (started + options_.lease).time_since_epoch().count();
    } else if (still_registered(held[i].get()) && !held[i]->lost.exchange(true)) {
      spdlog::warn("lock {} lost: its lease was confirmed by {} of {} nodes, {} needed",
                   held[i]->request->resource, confirmed, peers_.size(), held[i]->quorum);
    }
  }
}

}  // namespace silo::cluster
