#include "object/pool_jobs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <random>

#include "common/hash.h"
#include "common/log.h"
#include "common/time.h"

namespace silo::object {

namespace {

constexpr size_t kPage = 250;
constexpr uint32_t kMaxPasses = 3;

std::string read_all(ObjectReader& reader) {
  std::string out;
  std::vector<uint8_t> buffer(64 * 1024);
  while (true) {
    auto n = reader.read(buffer);
    if (!n || *n == 0) break;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  return out;
}

}  // namespace

// ---- PoolJob

namespace {

nlohmann::json job_json(const PoolJob& job, uint64_t left) {
  int64_t end = job.finished_ns ? job.finished_ns : now_ns();
  double secs = job.started_ns ? static_cast<double>(end - job.started_ns) / 1e9 : 0;
  double rate = secs > 0 ? static_cast<double>(job.bytes_moved) / secs : 0;
  nlohmann::json j = {{"kind", job.kind},
                      {"state", job.state},
                      {"runner", job.runner},
                      {"started_ns", job.started_ns},
                      {"updated_ns", job.updated_ns},
                      {"finished_ns", job.finished_ns},
                      {"objects_moved", job.objects_moved},
                      {"bytes_moved", job.bytes_moved},
                      {"objects_failed", job.objects_failed},
                      {"bytes_total", job.bytes_total},
                      {"bytes_left", left},
                      {"bytes_per_second", rate},
                      {"error", job.error},
                      {"bucket", job.bucket},
                      {"set", job.set},
                      {"marker", job.marker},
                      {"pass", job.pass}};
  if (!job.pool.empty()) j["pool"] = job.pool;
  uint64_t whole = job.bytes_moved + left;
  j["percent"] = job.state == "complete" ? 100.0
                 : whole ? 100.0 * static_cast<double>(job.bytes_moved) / static_cast<double>(whole)
                         : 0.0;
  j["eta_seconds"] = job.running() && rate > 0 ? nlohmann::json(static_cast<double>(left) / rate)
                                               : nlohmann::json();
  return j;
}

}  // namespace

std::string PoolJob::to_json(uint64_t left) const { return job_json(*this, left).dump(); }

Result<PoolJob> PoolJob::from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInternalError, "a pool job record is not JSON");
  }
  PoolJob job;
  job.kind = j.value("kind", "");
  job.pool = j.value("pool", "");
  job.state = j.value("state", "");
  job.runner = j.value("runner", "");
  job.started_ns = j.value("started_ns", int64_t{0});
  job.updated_ns = j.value("updated_ns", int64_t{0});
  job.finished_ns = j.value("finished_ns", int64_t{0});
  job.objects_moved = j.value("objects_moved", uint64_t{0});
  job.bytes_moved = j.value("bytes_moved", uint64_t{0});
  job.objects_failed = j.value("objects_failed", uint64_t{0});
  job.bytes_total = j.value("bytes_total", uint64_t{0});
  job.error = j.value("error", "");
  job.bucket = j.value("bucket", "");
  job.set = j.value("set", size_t{0});
  job.marker = j.value("marker", "");
  job.pass = j.value("pass", uint32_t{1});
  return job;
}

// ---- Records

PoolJobs::PoolJobs(Pools& pools, PoolJobsOptions options)
    : pools_(pools), options_(std::move(options)) {}

PoolJobs::~PoolJobs() { stop(); }

std::string PoolJobs::record_key(const std::string& kind, const std::string& pool) {
  if (kind == "rebalance") return "jobs/rebalance.json";
  // Pool names are command-line arguments: hashed into a safe key.
  return "jobs/decommission/" + sha256_hex(pool).substr(0, 32) + ".json";
}

std::optional<PoolJob> PoolJobs::load(const std::string& kind, const std::string& pool) {
  std::string key = record_key(kind, pool);
  std::optional<PoolJob> newest;
  for (size_t p = 0; p < pools_.pool_count(); ++p) {
    auto reader = pools_.set_for(p, key).open_object(kSystemBucket, key);
    if (!reader) continue;
    auto job = PoolJob::from_json(read_all(**reader));
    if (job && (!newest || job->updated_ns > newest->updated_ns)) newest = std::move(*job);
  }
  return newest;
}

Status PoolJobs::save(PoolJob& job) {
  job.updated_ns = now_ns();
  std::string key = record_key(job.kind, job.pool);
  std::string body = job.to_json(0);
  size_t saved = 0;
  Status last = {};
  for (size_t p = 0; p < pools_.pool_count(); ++p) {
    auto w = pools_.set_for(p, key).begin_put(kSystemBucket, key, PutOptions{});
    if (!w) {
      last = std::unexpected(w.error());
      continue;
    }
    auto s = (*w)->write(std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
    if (s) {
      auto c = (*w)->commit(PutFinal{});
      if (c) ++saved;
      else last = std::unexpected(c.error());
    } else {
      last = s;
    }
  }
  if (saved == 0) return last;
  return {};
}

Result<size_t> PoolJobs::pool_index(std::string_view pool) const {
  for (size_t p = 0; p < pools_.pool_count(); ++p) {
    if (pools_.pool_name(p) == pool || std::to_string(p + 1) == pool) return p;
  }
  std::string names;
  for (size_t p = 0; p < pools_.pool_count(); ++p) {
    names += "\n  " + std::to_string(p + 1) + ": " + pools_.pool_name(p);
  }
  return fail(ErrorCode::kInvalidArgument,
              "no pool '" + std::string(pool) + "'; name a pool by its number or its "
              "command-line argument:" + names);
}

uint64_t PoolJobs::bytes_left(const PoolJob& job) {
  if (job.state == "complete") return 0;
  if (job.kind == "decommission") {
    auto p = pool_index(job.pool);
    return p ? pools_.pool_used(*p) : 0;
  }
  return job.bytes_total > job.bytes_moved ? job.bytes_total - job.bytes_moved : 0;
}

// ---- Watching

void PoolJobs::start() {
  check();
  watcher_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    while (!stop.stop_requested()) {
      std::unique_lock lock(m);
      wake_.wait_for(lock, stop, options_.check_interval, [] { return false; });
      if (stop.stop_requested()) break;
      check();
    }
  });
}

void PoolJobs::stop() {
  if (watcher_.joinable()) {
    watcher_.request_stop();
    watcher_.join();
  }
  std::map<std::string, std::jthread> running;
  {
    std::lock_guard lock(mu_);
    running.swap(running_);
  }
  running.clear();  // each jthread asks its job to stop and joins it
}

void PoolJobs::stop_thread(const std::string& key) {
  std::jthread thread;
  {
    std::lock_guard lock(mu_);
    auto it = running_.find(key);
    if (it == running_.end()) return;
    thread = std::move(it->second);
    running_.erase(it);
  }
  // Destroyed outside the lock: asks the job to stop and joins it.
}

void PoolJobs::check() {
  if (pools_.pool_count() < 2) return;
  std::vector<PoolJob> jobs;
  for (size_t p = 0; p < pools_.pool_count(); ++p) {
    auto job = load("decommission", pools_.pool_name(p));
    bool drained = job && (job->running() || job->state == "complete");
    pools_.set_accepting(p, !drained);
    if (job) jobs.push_back(std::move(*job));
  }
  if (auto r = load("rebalance", "")) jobs.push_back(std::move(*r));
  int64_t stale = static_cast<int64_t>(options_.stale_after.count()) * 1'000'000;
  for (auto& job : jobs) {
    std::string key = record_key(job.kind, job.pool);
    bool here;
    {
      std::lock_guard lock(mu_);
      here = running_.contains(key);
    }
    if (here && (!job.running() || job.runner != options_.self)) {
      stop_thread(key);  // cancelled or taken over elsewhere
      continue;
    }
    if (here || !job.running()) continue;
    bool ours = job.runner == options_.self;
    bool abandoned = now_ns() - job.updated_ns > stale;
    if (!ours && !abandoned) continue;
    if (!ours) {
      spdlog::warn("{} {}: its runner {} has been silent; taking it over", job.kind, job.pool,
                   job.runner);
    } else {
      spdlog::info("{} {}: resuming after a restart", job.kind, job.pool);
    }
    job.runner = options_.self;
    launch(std::move(job));
  }
}

void PoolJobs::launch(PoolJob job) {
  std::string key = record_key(job.kind, job.pool);
  stop_thread(key);
  std::jthread thread([this, job = std::move(job)](std::stop_token stop) mutable {
    if (job.kind == "decommission") run_decommission(std::move(job), stop);
    else run_rebalance(std::move(job), stop);
  });
  std::lock_guard lock(mu_);
  running_[key] = std::move(thread);
}

PoolJob PoolJobs::begin(std::string kind, std::string pool) const {
  PoolJob job;
  job.kind = std::move(kind);
  job.pool = std::move(pool);
  job.state = "running";
  job.runner = options_.self;
  job.started_ns = now_ns();
  return job;
}

Result<std::string> PoolJobs::end(PoolJob job, std::string state, LockGuard guard) {
  job.state = std::move(state);
  job.finished_ns = now_ns();
  if (auto s = save(job); !s) return std::unexpected(s.error());
  guard.release();
  stop_thread(record_key(job.kind, job.pool));
  spdlog::info("{} {}: {}", job.kind, job.pool, job.state);
  return job.to_json(bytes_left(job));
}

// Saves the job (its progress and heartbeat) under the record's lock, unless
// it was cancelled or taken over meanwhile: then the thread is asked to stop.
void PoolJobs::save_progress(PoolJob& job, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - job.saved_at < options_.save_interval) return;
  job.saved_at = now;
  std::string key = record_key(job.kind, job.pool);
  auto guard = pools_.pool_lock(kSystemBucket, key);
  if (!guard) return;
  if (auto current = load(job.kind, job.pool);
      current && (!current->running() || current->runner != options_.self) && job.running()) {
    job.state = current->state;
    job.runner = current->runner;
    return;
  }
  if (auto s = save(job); !s) {
    spdlog::warn("{} {}: progress not saved: {}", job.kind, job.pool, s.error().text());
  }
}

// ---- Moving

bool PoolJobs::walk_pool(PoolJob& job, size_t p, std::stop_token& stop,
                         const std::function<std::optional<size_t>()>& target,
                         const std::function<Take(uint64_t)>& take) {
  auto buckets = pools_.list_buckets();
  if (!buckets) {
    job.error = "listing buckets: " + std::string(buckets.error().text());
    return !stop.stop_requested();
  }
  std::vector<std::string> names;
  for (const auto& b : *buckets) names.push_back(b.name);
  std::sort(names.begin(), names.end());
  for (const auto& bucket : names) {
    if (bucket < job.bucket) continue;
    if (bucket != job.bucket) {
      job.bucket = bucket;
      job.set = 0;
      job.marker.clear();
    }
    for (; job.set < pools_.pool_set_count(p); ++job.set, job.marker.clear()) {
      while (true) {
        ListParams params;
        params.marker = job.marker;
        params.max_keys = kPage;
        auto page = pools_.pool_set(p, job.set).list_objects(bucket, params);
        if (!page) {
          job.error = bucket + ": " + std::string(page.error().text());
          break;
        }
        for (const auto& o : page->objects) {
          if (stop.stop_requested() || !job.running()) return false;
          if (take) {
            Take t = take(static_cast<uint64_t>(o.size));
            if (t == Take::kStop) return true;
            if (t == Take::kSkip) continue;
          }
          auto to = target();
          if (!to) {
            job.error = "no other pool has room for the objects";
            return true;
          }
          uint64_t bytes = 0;
          auto r = pools_.move_object(bucket, o.key, p, to, &bytes);
          if (r && *r == MoveOutcome::kMoved) {
            ++job.objects_moved;
            job.bytes_moved += bytes;
          } else if (!r) {
            ++job.objects_failed;
            job.error = bucket + "/" + o.key + ": " + std::string(r.error().text());
            spdlog::warn("{} of pool {}: {}", job.kind, p + 1, job.error);
          }
          job.marker = o.key;
          save_progress(job, false);
        }
        if (!page->truncated || page->objects.empty()) break;
      }
    }
  }
  return !stop.stop_requested() && job.running();
}

size_t PoolJobs::objects_left(size_t p, size_t limit) {
  size_t left = 0;
  auto buckets = pools_.list_buckets();
  if (!buckets) return 1;
  for (const auto& b : *buckets) {
    for (size_t s = 0; s < pools_.pool_set_count(p); ++s) {
      ListParams params;
      params.max_keys = limit;
      auto page = pools_.pool_set(p, s).list_objects(b.name, params);
      left += page ? page->objects.size() : 1;
      if (left >= limit) return left;
    }
  }
  return left;
}

void PoolJobs::run_decommission(PoolJob job, std::stop_token stop) {
  auto p = pool_index(job.pool);
  if (!p) return;
  pools_.set_accepting(*p, false);
  auto target = [this, p = *p] { return pools_.choose_pool([p](size_t q) { return q != p; }); };
  while (true) {
    if (!walk_pool(job, *p, stop, target, nullptr)) {
      if (!stop.stop_requested() && job.running()) save_progress(job, true);
      return;
    }
    if (stop.stop_requested()) return;
    size_t left = objects_left(*p, 1000);
    if (left == 0) {
      job.state = "complete";
      job.error.clear();
      break;
    }
    if (job.pass >= kMaxPasses) {
      job.state = "failed";
      job.error = std::to_string(left) + (left >= 1000 ? "+" : "") +
                  " object(s) could not be moved (" + job.error +
                  "); fix the cause and start the decommission again";
      break;
    }
    // Objects written while the walk ran (or that failed): another pass.
    ++job.pass;
    job.bucket.clear();
    job.set = 0;
    job.marker.clear();
  }
  job.finished_ns = now_ns();
  save_progress(job, true);
  spdlog::info("decommission of pool {} ({}): {}, {} object(s) moved ({} failed)", *p + 1,
               job.pool, job.state, job.objects_moved, job.objects_failed);
}

void PoolJobs::run_rebalance(PoolJob job, std::stop_token stop) {
  size_t n = pools_.pool_count();
  // Each pool's share of its capacity in use, and the deployment's: pools
  // above the share give the excess to the pools below it.
  std::vector<double> used(n), capacity(n);
  double all_used = 0, all_capacity = 0;
  for (size_t p = 0; p < n; ++p) {
    used[p] = static_cast<double>(pools_.pool_used(p));
    capacity[p] = used[p] + static_cast<double>(pools_.pool_free(p));
    all_used += used[p];
    all_capacity += capacity[p];
  }
  double share = all_capacity > 0 ? all_used / all_capacity : 0;
  std::vector<uint64_t> excess(n, 0);
  std::vector<bool> receives(n, false);
  uint64_t total = 0;
  for (size_t p = 0; p < n; ++p) {
    double over = used[p] - share * capacity[p];
    // Less than 1 MiB or 2 % of a pool's bytes is even enough.
    if (pools_.accepting(p) && over < 0) receives[p] = true;
    if (over > std::max(1.0 * (1 << 20), 0.02 * used[p])) {
      excess[p] = static_cast<uint64_t>(over);
      total += excess[p];
    }
  }
  if (job.bytes_total == 0) job.bytes_total = total + job.bytes_moved;
  auto target = [this, &receives] {
    return pools_.choose_pool([&receives](size_t p) { return receives[p]; });
  };
  for (size_t p = 0; p < n; ++p) {
    if (excess[p] == 0) continue;
    uint64_t goal = job.bytes_moved + excess[p];
    auto take = [&job, goal](uint64_t size) {
      if (job.bytes_moved >= goal) return Take::kStop;
      // Moved only when it brings the pool closer to the even line.
      return size < 2 * (goal - job.bytes_moved) ? Take::kMove : Take::kSkip;
    };
    job.bucket.clear();
    job.set = 0;
    job.marker.clear();
    if (!walk_pool(job, p, stop, target, take)) {
      if (!stop.stop_requested() && job.running()) save_progress(job, true);
      return;
    }
  }
  if (stop.stop_requested()) return;
  job.state = "complete";
  job.finished_ns = now_ns();
  save_progress(job, true);
  spdlog::info("rebalance: complete, {} object(s) moved ({} failed)", job.objects_moved,
               job.objects_failed);
}

// ---- Admin actions

Result<std::string> PoolJobs::decommission(std::string_view action, std::string_view pool) {
  auto p = pool_index(pool);
  if (!p) return std::unexpected(p.error());
  std::string name = pools_.pool_name(*p);
  std::string key = record_key("decommission", name);
  auto guard = pools_.pool_lock(kSystemBucket, key);
  if (!guard) return std::unexpected(guard.error());
  auto job = load("decommission", name);
  if (action == "status") {
    if (!job) return fail(ErrorCode::kInvalidArgument, "pool " + std::to_string(*p + 1) +
                                                           " has never been decommissioned");
    return job->to_json(bytes_left(*job));
  }
  if (action == "start") {
    if (job && job->running()) {
      return fail(ErrorCode::kInvalidRequest, "pool " + std::to_string(*p + 1) +
                                                  " is being decommissioned already");
    }
    if (job && job->state == "complete") {
      return fail(ErrorCode::kInvalidRequest,
                  "pool " + std::to_string(*p + 1) +
                      " is decommissioned already: remove it from the command line of every "
                      "node and restart them");
    }
    bool others = false;
    for (size_t q = 0; q < pools_.pool_count(); ++q) others = others || (q != *p && pools_.accepting(q));
    if (!others) {
      return fail(ErrorCode::kInvalidRequest,
                  "no other pool would take the objects of pool " + std::to_string(*p + 1) +
                      "; add a pool first");
    }
    if (auto r = load("rebalance", ""); r && r->running()) {
      return fail(ErrorCode::kInvalidRequest,
                  "a rebalance is running; stop it first (silo admin rebalance stop)");
    }
    PoolJob fresh = begin("decommission", name);
    fresh.bytes_total = pools_.pool_used(*p);
    pools_.set_accepting(*p, false);
    if (auto s = save(fresh); !s) {
      pools_.set_accepting(*p, true);
      return std::unexpected(s.error());
    }
    spdlog::info("decommission of pool {} ({}) started: {} to move", *p + 1, name,
                 fresh.bytes_total);
    std::string out = fresh.to_json(fresh.bytes_total);
    guard->release();
    launch(std::move(fresh));
    return out;
  }
  if (action == "cancel") {
    if (!job || !job->running()) {
      return fail(ErrorCode::kInvalidRequest,
                  "pool " + std::to_string(*p + 1) + " is not being decommissioned");
    }
    auto out = end(std::move(*job), "canceled", std::move(*guard));
    if (out) pools_.set_accepting(*p, true);
    return out;
  }
  return fail(ErrorCode::kInvalidArgument, "action must be start, status or cancel");
}

Result<std::string> PoolJobs::rebalance(std::string_view action) {
  std::string key = record_key("rebalance", "");
  auto guard = pools_.pool_lock(kSystemBucket, key);
  if (!guard) return std::unexpected(guard.error());
  auto job = load("rebalance", "");
  if (action == "status") {
    if (!job) return fail(ErrorCode::kInvalidArgument, "no rebalance has been started");
    return job->to_json(bytes_left(*job));
  }
  if (action == "start") {
    if (pools_.pool_count() < 2) {
      return fail(ErrorCode::kInvalidRequest, "there is one pool: nothing to rebalance");
    }
    if (job && job->running()) return fail(ErrorCode::kInvalidRequest, "a rebalance is running already");
    for (size_t p = 0; p < pools_.pool_count(); ++p) {
      if (auto d = load("decommission", pools_.pool_name(p)); d && d->running()) {
        return fail(ErrorCode::kInvalidRequest, "pool " + std::to_string(p + 1) +
                                                    " is being decommissioned; wait for it or "
                                                    "cancel it first");
      }
    }
    PoolJob fresh = begin("rebalance", "");
    if (auto s = save(fresh); !s) return std::unexpected(s.error());
    spdlog::info("rebalance started");
    std::string out = fresh.to_json(0);
    guard->release();
    launch(std::move(fresh));
    return out;
  }
  if (action == "stop") {
    if (!job || !job->running()) return fail(ErrorCode::kInvalidRequest, "no rebalance is running");
    return end(std::move(*job), "stopped", std::move(*guard));
  }
  return fail(ErrorCode::kInvalidArgument, "action must be start, status or stop");
}

std::string PoolJobs::pools_json() {
  nlohmann::json pools = nlohmann::json::array();
  for (size_t p = 0; p < pools_.pool_count(); ++p) {
    nlohmann::json j = {{"number", p + 1},
                        {"name", pools_.pool_name(p)},
                        {"sets", pools_.pool_set_count(p)},
                        {"accepting", pools_.accepting(p)},
                        {"used", pools_.pool_used(p)},
                        {"free", pools_.pool_free(p)}};
    if (auto d = load("decommission", pools_.pool_name(p))) {
      j["decommission"] = job_json(*d, bytes_left(*d));
    }
    pools.push_back(std::move(j));
  }
  nlohmann::json out = {{"pools", pools}};
  if (auto r = load("rebalance", "")) out["rebalance"] = job_json(*r, bytes_left(*r));
  return out.dump();
}

}  // namespace silo::object
