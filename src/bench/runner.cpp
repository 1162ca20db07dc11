#include "bench/runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "bench/workers.h"

namespace silo::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Clients = std::vector<std::unique_ptr<client::S3Client>>;

// Ctrl-C ends the measured phase early so cleanup still runs; a second one
// kills the process (the handler resets itself).
std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = &on_interrupt;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

// The live status line: rewritten in place once a second on a terminal, a
// plain line every five seconds otherwise (logs, CI).
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) != 0) {}
  std::chrono::seconds interval() const { return std::chrono::seconds(tty_ ? 1 : 5); }
  void show(const std::string& line) {
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (tty_ && shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool tty_;
  bool shown_ = false;
};

std::string run_id() {
  std::random_device rd;
  return fmt::format("{:08x}", static_cast<uint32_t>(rd()));
}

// Runs `task(client, item)` for items [0, n), one thread per client, with a
// progress line "<label> done/n". Returns the error codes counted.
std::map<std::string, uint64_t> for_each_item(
    Clients& clients, uint64_t n, std::string_view label,
    const std::function<std::string(client::S3Client&, uint64_t)>& task) {
  std::atomic<uint64_t> next{0}, done{0};
  std::map<std::string, uint64_t> errors;
  std::mutex errors_mu;
  std::vector<std::jthread> threads;
  for (auto& c : clients) {
    threads.emplace_back([&, client = c.get()] {
      for (uint64_t i; (i = next.fetch_add(1)) < n;) {
        std::string code = task(*client, i);
        done.fetch_add(1);
        if (code.empty()) continue;
        std::lock_guard lock(errors_mu);
        ++errors[code];
      }
    });
  }
  Progress progress;
  auto last = Clock::now();
  while (done.load() < n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Clock::now() - last >= progress.interval()) {
      progress.show(fmt::format("{} {}/{}", label, done.load(), n));
      last = Clock::now();
    }
  }
  threads.clear();
  progress.done();
  return errors;
}

std::string errors_line(const std::map<std::string, uint64_t>& errors) {
  std::string out;
  for (const auto& [code, n] : errors)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", code, n);
  return out;
}

Result<Clients> make_clients(const Config& cfg) {
  Clients clients;
  for (int i = 0; i < cfg.concurrency; ++i) {
    auto c = client::S3Client::create(cfg.client);
    if (!c) return std::unexpected(c.error());
    clients.push_back(std::move(*c));
  }
  return clients;
}

bool needs_objects(Workload w) {
  return w == Workload::kGet || w == Workload::kStat || w == Workload::kDelete ||
         w == Workload::kList || w == Workload::kMixed;
}

// Lists every key under `prefix` (all pages).
client::S3Result<std::vector<std::string>> list_all(client::S3Client& c, const std::string& bucket,
                                                    const std::string& prefix) {
  std::vector<std::string> keys;
  client::ListOptions options;
  options.prefix = prefix;
  while (true) {
    auto page = c.list_objects_v2(bucket, options);
    if (!page) return std::unexpected(page.error());
    for (auto& o : page->objects) keys.push_back(std::move(o.key));
    if (!page->is_truncated || page->next_continuation_token.empty()) return keys;
    options.continuation_token = std::move(page->next_continuation_token);
  }
}

// Deletes a batch with DeleteObjects, falling back to one DELETE per key when
// the endpoint does not support it.
std::string delete_batch(client::S3Client& c, const std::string& bucket,
                         std::span<const std::string> keys) {
  auto r = c.delete_objects(bucket, keys);
  if (r && r->empty()) return {};
  if (r) return r->front().code.empty() ? "DeleteFailed" : r->front().code;
  for (const auto& k : keys) {
    if (auto d = c.delete_object(bucket, k); !d) return d.error().code;
  }
  return {};
}

void cleanup(Clients& clients, const Shared& sh, bool delete_bucket,
             std::vector<std::string>& problems) {
  auto keys = list_all(*clients[0], sh.bucket, sh.prefix);
  if (!keys) {
    problems.push_back("cleanup: listing failed: " + keys.error().describe());
    return;
  }
  constexpr uint64_t kBatch = 1000;
  uint64_t batches = (keys->size() + kBatch - 1) / kBatch;
  auto errors =
      for_each_item(clients, batches, "cleaning up, batches", [&](client::S3Client& c, uint64_t b) {
        auto all = std::span<const std::string>(*keys);
        auto batch = all.subspan(b * kBatch);
        return delete_batch(c, sh.bucket, batch.first(std::min<uint64_t>(kBatch, batch.size())));
      });
  if (!errors.empty()) problems.push_back("cleanup: delete failed: " + errors_line(errors));
  if (delete_bucket) {
    if (auto d = clients[0]->delete_bucket(sh.bucket); !d) {
      problems.push_back("cleanup: removing bucket " + sh.bucket + ": " + d.error().describe());
    }
  }
}

// Creates the bucket unless it exists; returns whether this run created it.
Result<bool> ensure_bucket(client::S3Client& c, const std::string& bucket) {
  auto head = c.head_bucket(bucket);
  if (head) return false;
  if (head.error().http_status != 404) {
    return fail(ErrorCode::kInternalError,
                "cannot use bucket " + bucket + ": " + head.error().describe());
  }
  if (auto made = c.create_bucket(bucket); !made) {
    return fail(ErrorCode::kInternalError,
                "cannot create bucket " + bucket + ": " + made.error().describe());
  }
  return true;
}

std::string live_line(const Config& cfg, std::vector<std::unique_ptr<Worker>>& workers,
                      double elapsed, uint64_t& last_ops, uint64_t& last_bytes, double& last_t) {
  uint64_t ops = 0, bytes = 0, errors = 0;
  for (auto& w : workers) {
    ops += w->live.ops.load(std::memory_order_relaxed);
    bytes += w->live.bytes.load(std::memory_order_relaxed);
    errors += w->live.errors.load(std::memory_order_relaxed);
  }
  double dt = elapsed - last_t;
  double ops_s = dt > 0 ? static_cast<double>(ops - last_ops) / dt : 0;
  double mib_s = dt > 0 ? static_cast<double>(bytes - last_bytes) / dt / (1 << 20) : 0;
  last_ops = ops;
  last_bytes = bytes;
  last_t = elapsed;
  return fmt::format("{} {:.0f}/{:.0f} s: {} ops, {:.1f} ops/s, {:.2f} MiB/s, {} errors", cfg.name,
                     elapsed, std::chrono::duration<double>(cfg.duration).count(), ops, ops_s,
                     mib_s, errors);
}

// The measured phase. Returns the elapsed seconds.
double measure(const Config& cfg, Clients& clients, Shared& sh,
               std::vector<std::unique_ptr<Worker>>& workers) {
  for (int i = 0; i < cfg.concurrency; ++i) {
    workers.push_back(std::make_unique<Worker>(i, clients[i].get()));
  }
  std::latch start(cfg.concurrency + 1);
  std::atomic<int> running{cfg.concurrency};
  std::vector<std::jthread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&, worker = w.get()] {
      start.arrive_and_wait();
      run_worker(*worker, sh);
      running.fetch_sub(1);
    });
  }
  auto t0 = Clock::now();
  sh.deadline = t0 + cfg.duration;
  start.arrive_and_wait();
  Progress progress;
  uint64_t last_ops = 0, last_bytes = 0;
  double last_t = 0;
  auto next_show = t0 + progress.interval();
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (g_interrupted.load()) sh.stop.store(true);
    if (Clock::now() >= next_show) {
      double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      progress.show(live_line(cfg, workers, elapsed, last_ops, last_bytes, last_t));
      next_show += progress.interval();
    }
  }
  threads.clear();
  progress.done();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Report build_report(const Config& cfg, const std::vector<std::unique_ptr<Worker>>& workers,
                    double seconds) {
  OpStatsSet all;
  for (const auto& w : workers) {
    for (size_t i = 0; i < kOpCount; ++i) all[i].merge(w->stats[i]);
  }
  Report r;
  r.op = cfg.name;
  r.size = cfg.size;
  r.concurrency = cfg.concurrency;
  r.duration_s = seconds;
  r.objects = needs_objects(cfg.workload) ? cfg.objects : 0;
  r.endpoint = cfg.client.endpoint;
  auto add = [&](Op op) {
    const OpStats& s = all[static_cast<size_t>(op)];
    if (s.ops || s.error_count()) r.breakdown.push_back(summarize(op, s, seconds));
  };
  switch (cfg.workload) {
    case Workload::kPut:
      r.total = summarize(Op::kPut, all[0], seconds);
      break;
    case Workload::kGet:
      r.total = summarize(Op::kGet, all[1], seconds);
      break;
    case Workload::kStat:
      r.total = summarize(Op::kStat, all[2], seconds);
      break;
    case Workload::kDelete:
      r.total = summarize(Op::kDelete, all[3], seconds);
      break;
    case Workload::kList:
      r.total = summarize(Op::kList, all[4], seconds);
      break;
    case Workload::kMultipart:
      r.total = summarize(Op::kMultipart, all[static_cast<size_t>(Op::kMultipart)], seconds);
      add(Op::kPart);
      add(Op::kMultipart);
      break;
    case Workload::kMixed:
      r.total = summarize_all("mixed", all, seconds);
      for (Op op : {Op::kGet, Op::kStat, Op::kPut, Op::kDelete}) add(op);
      break;
  }
  return r;
}

}  // namespace

Result<RunOutcome> run_workload(const Config& cfg) {
  auto clients = make_clients(cfg);
  if (!clients) return std::unexpected(clients.error());
  Payload payload(cfg.size);
  std::string id = run_id();
  Shared sh;
  sh.config = &cfg;
  sh.payload = &payload;
  sh.bucket = cfg.bucket.empty() ? "silo-bench-" + id : cfg.bucket;
  sh.prefix = "silo-bench-" + id + "/";
  auto created = ensure_bucket(*(*clients)[0], sh.bucket);
  if (!created) return std::unexpected(created.error());

  RunOutcome out;
  install_interrupt_handler();
  if (needs_objects(cfg.workload)) {
    auto errors = for_each_item(*clients, cfg.objects, "preparing objects",
                                [&](client::S3Client& c, uint64_t i) -> std::string {
                                  auto r =
                                      c.put_object(sh.bucket, sh.object_key(i), payload.object(i));
                                  return r ? std::string() : r.error().code;
                                });
    if (!errors.empty() || g_interrupted.load()) {
      std::string why = errors.empty() ? "interrupted" : "uploads failed: " + errors_line(errors);
      cleanup(*clients, sh, *created, out.problems);
      for (const auto& p : out.problems) why += "; " + p;
      return fail(ErrorCode::kInternalError, "preparing objects: " + why);
    }
  }
  std::vector<std::unique_ptr<Worker>> workers;
  double seconds = measure(cfg, *clients, sh, workers);
  out.report = build_report(cfg, workers, seconds);
  if (cfg.workload == Workload::kDelete && sh.next_delete.load() >= cfg.objects) {
    out.notes.push_back(
        fmt::format("all {} objects were deleted after {:.1f} s; use --objects for a longer run",
                    cfg.objects, seconds));
  }
  if (g_interrupted.load()) out.notes.push_back(fmt::format("interrupted after {:.1f} s", seconds));
  if (cfg.keep) {
    std::fprintf(stderr, "kept: bucket %s, prefix %s\n", sh.bucket.c_str(), sh.prefix.c_str());
  } else {
    cleanup(*clients, sh, *created, out.problems);
  }
  return out;
}

}  // namespace silo::bench
