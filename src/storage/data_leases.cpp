#include "storage/data_leases.h"

namespace silo::storage {

class DataLeases::Lease final : public DataLease {
 public:
  Lease(std::shared_ptr<DataLeases> owner, std::string uuid)
      : owner_(std::move(owner)), uuid_(std::move(uuid)) {}
  ~Lease() override { owner_->release(uuid_); }

 private:
  std::shared_ptr<DataLeases> owner_;
  std::string uuid_;
};

std::shared_ptr<DataLeases> DataLeases::create(Remove remove) {
  return std::shared_ptr<DataLeases>(new DataLeases(std::move(remove)));
}

DataLeases::~DataLeases() { detach(); }

std::unique_ptr<DataLease> DataLeases::acquire(std::string_view uuid) {
  std::string id(uuid);
  std::lock_guard lock(mu_);
  if (removing_.contains(id)) return nullptr;
  ++leases_[id];
  return std::make_unique<Lease>(shared_from_this(), std::move(id));
}

bool DataLeases::begin_removal(std::string_view uuid, const std::string& garbage_key) {
  std::string id(uuid);
  std::lock_guard lock(mu_);
  if (leases_.contains(id)) {
    waiting_[id].push_back(garbage_key);
    return false;
  }
  ++removing_[id];
  return true;
}

void DataLeases::end_removal(std::string_view uuid) {
  std::lock_guard lock(mu_);
  auto it = removing_.find(std::string(uuid));
  if (it != removing_.end() && --it->second == 0) removing_.erase(it);
}

size_t DataLeases::leased() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [uuid, count] : leases_) n += count;
  return n;
}

void DataLeases::release(const std::string& uuid) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(uuid);
  if (it == leases_.end() || --it->second > 0) return;
  leases_.erase(it);
  auto w = waiting_.find(uuid);
  if (w == waiting_.end()) return;
  for (auto& key : w->second) {
    ++removing_[uuid];  // no new lease on data about to go
    ready_.emplace_back(uuid, std::move(key));
  }
  waiting_.erase(w);
  if (stop_) return;
  // Removal is disk work and a lease is often released on a network thread:
  // it runs on a thread of its own, started at the first deferral.
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  wake_.notify_one();
}

void DataLeases::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || !ready_.empty(); });
    if (stop_) return;
    auto [uuid, key] = std::move(ready_.front());
    ready_.pop_front();
    Remove remove = remove_;
    lock.unlock();
    if (remove) remove(key);
    lock.lock();
    auto it = removing_.find(uuid);
    if (it != removing_.end() && --it->second == 0) removing_.erase(it);
  }
}

void DataLeases::detach() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    remove_ = nullptr;
  }
  wake_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

}  // namespace silo::storage
