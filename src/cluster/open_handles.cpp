#include "cluster/open_handles.h"

#include <vector>

namespace silo::cluster {

namespace {
// Expired entries are looked for at most this often, by whichever call comes.
constexpr std::chrono::seconds kSweepEvery{1};
}  // namespace

void StagedWriters::put(const std::string& root, std::string_view staged_id, std::string_view name,
                        std::unique_ptr<storage::ShardWriter> writer) {
  auto entry = std::make_shared<Entry>();
  entry->writer = std::move(writer);
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  sweep_locked(now);
  auto& slot = slots_[Key(root, staged_id, name)];
  slot.entry = std::move(entry);
  slot.used = now;
}

std::shared_ptr<StagedWriters::Entry> StagedWriters::get(const std::string& root,
                                                         std::string_view staged_id,
                                                         std::string_view name) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  sweep_locked(now);
  auto it = slots_.find(Key(root, staged_id, name));
  if (it == slots_.end()) return nullptr;
  it->second.used = now;
  return it->second.entry;
}

void StagedWriters::erase(const std::string& root, std::string_view staged_id,
                          std::string_view name) {
  std::lock_guard lock(mu_);
  slots_.erase(Key(root, staged_id, name));
}

void StagedWriters::erase_all(const std::string& root, std::string_view staged_id) {
  std::lock_guard lock(mu_);
  auto it = slots_.lower_bound(Key(root, staged_id, ""));
  while (it != slots_.end() && std::get<0>(it->first) == root &&
         std::get<1>(it->first) == staged_id) {
    it = slots_.erase(it);
  }
}

size_t StagedWriters::size() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

void StagedWriters::sweep() {
  std::lock_guard lock(mu_);
  sweep_locked(Clock::now());
}

void StagedWriters::sweep_locked(Clock::time_point now) {
  if (now - last_sweep_ < kSweepEvery) return;
  last_sweep_ = now;
  for (auto it = slots_.begin(); it != slots_.end();) {
    it = now - it->second.used > idle_timeout_ ? slots_.erase(it) : std::next(it);
  }
}

uint64_t LeaseTable::hold(std::unique_ptr<storage::DataLease> lease) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  sweep_locked(now);
  uint64_t id = next_id_++;
  held_[id] = Held{std::move(lease), now + ttl_};
  return id;
}

void LeaseTable::release(uint64_t id) {
  std::unique_ptr<storage::DataLease> lease;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  sweep_locked(Clock::now());
  auto it = held_.find(id);
  if (it == held_.end()) return;
  lease = std::move(it->second.lease);
  held_.erase(it);
}

size_t LeaseTable::size() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

void LeaseTable::sweep() {
  std::lock_guard lock(mu_);
  sweep_locked(Clock::now());
}

void LeaseTable::sweep_locked(Clock::time_point now) {
  if (now - last_sweep_ < kSweepEvery) return;
  last_sweep_ = now;
  for (auto it = held_.begin(); it != held_.end();) {
    it = it->second.expires <= now ? held_.erase(it) : std::next(it);
  }
}

}  // namespace silo::cluster
