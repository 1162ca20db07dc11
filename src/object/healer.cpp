#include "object/healer.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/time.h"

namespace silo::object {

std::string HealProgress::to_json() const {
  double secs = static_cast<double>((finished_ns ? finished_ns : now_ns()) - started_ns) / 1e9;
  double object_rate = started_ns && secs > 0 ? static_cast<double>(objects_scanned) / secs : 0.0;
  double byte_rate = started_ns && secs > 0 ? static_cast<double>(bytes_scanned) / secs : 0.0;
  // Remaining bytes at the byte rate (objects at the object rate when the
  // scope holds no bytes); null until there is a rate to go by.
  nlohmann::json eta = nullptr;
  if (!running) {
    eta = 0.0;
  } else if (bytes_total > 0 && byte_rate > 0) {
    eta = static_cast<double>(bytes_total - std::min(bytes_total, bytes_scanned)) / byte_rate;
  } else if (objects_total > 0 && object_rate > 0) {
    eta = static_cast<double>(objects_total - std::min(objects_total, objects_scanned)) / object_rate;
  }
  nlohmann::json j = {{"id", id},
                      {"kind", kind},
                      {"running", running},
                      {"scope", scope},
                      {"objects_total", objects_total},
                      {"bytes_total", bytes_total},
                      {"objects_scanned", objects_scanned},
                      {"bytes_scanned", bytes_scanned},
                      {"objects_healed", objects_healed},
                      {"shards_healed", drives_healed},
                      {"bytes_healed", bytes_healed},
                      {"errors", errors},
                      {"queued", queued},
                      {"started", started_ns ? format_iso8601(started_ns) : ""},
                      {"finished", finished_ns ? format_iso8601(finished_ns) : ""},
                      {"seconds", started_ns ? secs : 0.0},
                      {"objects_per_second", object_rate},
                      {"bytes_per_second", byte_rate},
                      {"eta_seconds", eta}};
  return j.dump();
}

Healer::Healer(Pools& pools, HealerOptions options) : pools_(pools), options_(options) {
  for (size_t s = 0; s < pools_.set_count(); ++s) {
    pools_.set(s).set_damage_listener(
        [this, s](std::string bucket, std::string key) { enqueue(s, std::move(bucket), std::move(key)); });
  }
  worker_ = std::thread([this] { worker(); });
  scanner_ = std::thread([this] { scanner(); });
}

Healer::~Healer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
  scanner_.join();
  if (heal_thread_.joinable()) heal_thread_.join();
  for (size_t s = 0; s < pools_.set_count(); ++s) pools_.set(s).set_damage_listener(nullptr);
}

void Healer::enqueue(size_t set, std::string bucket, std::string key) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queue) return;
    auto item = std::make_tuple(set, std::move(bucket), std::move(key));
    if (!queued_.insert(item).second) return;
    queue_.push_back(std::move(item));
  }
  cv_.notify_all();
}

void Healer::heal_one(size_t set, const std::string& bucket, const std::string& key) {
  // Deep: the damage a reader saw may be a corrupt block in a file of the right size.
  auto r = pools_.set(set).heal_object(bucket, key, /*deep=*/true);
  if (!r) {
    if (r.error().code != ErrorCode::kNoSuchKey) {
      spdlog::warn("heal {}/{}: {}", bucket, key, r.error().text());
    }
    return;
  }
  if (r->drives_healed > 0) {
    spdlog::info("healed {}/{} onto {} drive(s)", bucket, key, r->drives_healed);
  }
}

void Healer::worker() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    requeue_partial();
    if (queue_.empty()) continue;
    auto item = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(item);
    lock.unlock();
    // Let the read that found the damage finish before rewriting under it.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    heal_one(std::get<0>(item), std::get<1>(item), std::get<2>(item));
    bool partial = pools_.set(std::get<0>(item)).offline_drives() > 0;
    lock.lock();
    if (partial && partial_.size() < options_.max_queue) partial_.insert(std::move(item));
  }
}

void Healer::requeue_partial() {
  for (auto it = partial_.begin(); it != partial_.end() && queue_.size() < options_.max_queue;) {
    if (pools_.set(std::get<0>(*it)).offline_drives() > 0) {
      ++it;
      continue;
    }
    if (queued_.insert(*it).second) queue_.push_back(*it);
    it = partial_.erase(it);
  }
}

void Healer::start_background_heal(std::string reason) {
  {
    std::lock_guard lock(mu_);
    scan_requested_ = true;
    scan_reason_ = std::move(reason);
  }
  cv_.notify_all();
}

void Healer::scanner() {
  auto next_scan = std::chrono::steady_clock::now() + std::chrono::seconds(options_.scan_interval_s);
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (options_.scan_interval_s > 0) {
      cv_.wait_until(lock, next_scan, [&] { return stop_ || scan_requested_; });
    } else {
      cv_.wait(lock, [&] { return stop_ || scan_requested_; });
    }
    if (stop_) return;
    std::string reason = scan_requested_ ? scan_reason_ : std::string("periodic scan");
    scan_requested_ = false;
    lock.unlock();
    spdlog::info("background heal started: {}", reason);
    // Changes a crash left unsettled that had to wait for offline drives.
    pools_.resolve_pending();
    auto p = walk("", "", options_.scan_rate, reason, /*deep=*/false);
    spdlog::info("background heal finished: {}", p.to_json());
    lock.lock();
    next_scan = std::chrono::steady_clock::now() + std::chrono::seconds(options_.scan_interval_s);
  }
}

HealProgress Healer::heal_now(const std::string& bucket, const std::string& prefix) {
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  return walk(bucket, prefix, 0, bucket.empty() ? "all" : bucket + "/" + prefix, /*deep=*/true,
              "heal", id);
}

HealProgress Healer::start_heal(const std::string& bucket, const std::string& prefix) {
  std::lock_guard lock(mu_);
  if (!heal_running_ && !stop_) {
    heal_running_ = true;
    // Shown as running from now on, so a caller that polls at once sees it.
    heal_progress_ = HealProgress{};
    heal_progress_.id = next_id_++;
    heal_progress_.kind = "heal";
    heal_progress_.running = true;
    heal_progress_.scope = bucket.empty() ? "all" : bucket + "/" + prefix;
    heal_progress_.started_ns = now_ns();
    // The previous one is done with its work (heal_running_ was false) and
    // needs the lock no more: joining it here cannot block for long.
    if (heal_thread_.joinable()) heal_thread_.join();
    heal_thread_ = std::thread([this, bucket, prefix, id = heal_progress_.id,
                                scope = heal_progress_.scope] {
      walk(bucket, prefix, 0, scope, /*deep=*/true, "heal", id);
      std::lock_guard done(mu_);
      heal_running_ = false;
    });
  }
  HealProgress p = heal_progress_;
  p.queued = queue_.size();
  return p;
}

HealProgress Healer::progress() const {
  std::lock_guard lock(mu_);
  HealProgress p = heal_progress_.id > scanner_progress_.id ? heal_progress_ : scanner_progress_;
  p.queued = queue_.size();
  return p;
}

HealProgress Healer::progress(const std::string& kind) const {
  std::lock_guard lock(mu_);
  HealProgress p = kind == "scanner" ? scanner_progress_ : heal_progress_;
  p.queued = queue_.size();
  return p;
}

std::pair<uint64_t, uint64_t> Healer::count(const std::vector<std::string>& buckets,
                                            const std::string& prefix) {
  uint64_t objects = 0, bytes = 0;
  for (const auto& b : buckets) {
    for (size_t s = 0; s < pools_.set_count(); ++s) {
      ListParams params;
      params.prefix = prefix;
      params.max_keys = 1000;
      params.include_unreadable = true;  // as the walk lists
      while (true) {
        auto page = pools_.set(s).list_objects(b, params);
        if (!page) break;
        for (const auto& o : page->objects) ++objects, bytes += static_cast<uint64_t>(o.size);
        if (!page->truncated || page->objects.empty()) break;
        params.marker = page->objects.back().key;
      }
    }
  }
  return {objects, bytes};
}

HealProgress Healer::walk(const std::string& bucket, const std::string& prefix, double rate,
                          const std::string& scope, bool deep, const std::string& kind,
                          uint64_t id) {
  HealProgress local;
  if (id == 0) {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  local.id = id;
  local.kind = kind;
  local.running = true;
  local.scope = scope;
  local.started_ns = now_ns();
  auto publish = [&] {
    std::lock_guard lock(mu_);
    (kind == "scanner" ? scanner_progress_ : heal_progress_) = local;
  };
  publish();
  std::vector<std::string> buckets;
  if (!bucket.empty()) {
    buckets.push_back(bucket);
  } else if (auto list = pools_.list_buckets()) {
    for (auto& b : *list) buckets.push_back(b.name);
  }
  std::tie(local.objects_total, local.bytes_total) = count(buckets, prefix);
  publish();
  auto start = std::chrono::steady_clock::now();
  auto last_publish = start;
  for (const auto& b : buckets) {
    for (size_t s = 0; s < pools_.set_count(); ++s) {
      auto& set = pools_.set(s);
      (void)set.heal_bucket(b);
      ListParams params;
      params.prefix = prefix;
      params.max_keys = 1000;
      params.include_unreadable = true;
      while (true) {
        {
          std::lock_guard lock(mu_);
          if (stop_) break;
        }
        auto page = set.list_objects(b, params);
        if (!page) {
          ++local.errors;
          break;
        }
        for (const auto& o : page->objects) {
          auto r = set.heal_object(b, o.key, deep);
          ++local.objects_scanned;
          local.bytes_scanned += static_cast<uint64_t>(o.size);
          if (!r) {
            if (r.error().code != ErrorCode::kNoSuchKey) ++local.errors;
          } else if (r->drives_healed > 0 || r->removed_dangling) {
            ++local.objects_healed;
            local.drives_healed += r->drives_healed;
            local.bytes_healed += r->bytes;
          }
          if (rate > 0) {
            auto due = start + std::chrono::duration<double>(static_cast<double>(local.objects_scanned) / rate);
            std::this_thread::sleep_until(due);
          }
          auto now = std::chrono::steady_clock::now();
          if (local.objects_scanned % 100 == 0 || now - last_publish > std::chrono::milliseconds(250)) {
            publish();
            last_publish = now;
          }
        }
        if (!page->truncated || page->objects.empty()) break;
        params.marker = page->objects.back().key;
      }
    }
  }
  local.running = false;
  local.finished_ns = now_ns();
  publish();
  return local;
}

}  // namespace silo::object
