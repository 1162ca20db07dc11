#include "bench/workers.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace silo::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The result of one timed operation: an empty error is success.
struct Outcome {
  std::string error;
  uint64_t bytes = 0;
  uint64_t keys = 0;
};

Outcome failed(const client::S3Error& e) { return Outcome{e.code, 0, 0}; }

void record(Worker& w, Op op, Clock::time_point start, const Outcome& o) {
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  OpStats& s = w.stats[static_cast<size_t>(op)];
  if (o.error.empty()) {
    ++s.ops;
    s.bytes += o.bytes;
    s.keys += o.keys;
    s.latency.record(static_cast<uint64_t>(nanos));
    w.live.ops.fetch_add(1, std::memory_order_relaxed);
    w.live.bytes.fetch_add(o.bytes, std::memory_order_relaxed);
  } else {
    ++s.errors[o.error];
    w.live.errors.fetch_add(1, std::memory_order_relaxed);
  }
}

template <typename F>
void timed(Worker& w, Op op, F&& operation) {
  auto start = Clock::now();
  Outcome o = operation();
  record(w, op, start, o);
}

// Object ids of keys written during the run; prepared objects use 0..N-1.
uint64_t written_id(int worker, uint64_t n) {
  return (static_cast<uint64_t>(worker + 1) << 40) + n;
}

bool do_put(Worker& w, const Shared& sh, const std::string& key, uint64_t id) {
  auto body = sh.payload->object(id);
  bool ok = false;
  timed(w, Op::kPut, [&] {
    auto r = w.client->put_object(sh.bucket, key, body, {sh.config->write_headers});
    ok = r.has_value();
    return r ? Outcome{{}, body.size(), 0} : failed(r.error());
  });
  return ok;
}

void do_get(Worker& w, const Shared& sh, uint64_t i) {
  std::string key = sh.object_key(i);
  w.verifier.reset(sh.payload->object(i));
  timed(w, Op::kGet, [&] {
    auto r = w.client->get_object(sh.bucket, key, w.sink);
    if (!r) return failed(r.error());
    if (!w.verifier.ok()) return Outcome{"ContentMismatch", 0, 0};
    return Outcome{{}, r->size, 0};
  });
}

void do_stat(Worker& w, const Shared& sh, uint64_t i) {
  std::string key = sh.object_key(i);
  timed(w, Op::kStat, [&] {
    auto r = w.client->head_object(sh.bucket, key);
    if (!r) return failed(r.error());
    if (r->size != sh.payload->size()) return Outcome{"SizeMismatch", 0, 0};
    return Outcome{};
  });
}

void do_delete(Worker& w, const Shared& sh, uint64_t i) {
  std::string key = sh.object_key(i);
  timed(w, Op::kDelete, [&] {
    auto r = w.client->delete_object(sh.bucket, key);
    return r ? Outcome{} : failed(r.error());
  });
}

// One full listing of the prepared objects, every page.
void do_list(Worker& w, const Shared& sh) {
  timed(w, Op::kList, [&] {
    client::ListOptions options;
    options.prefix = sh.prefix + "obj/";
    options.delimiter = sh.config->delimiter;
    uint64_t seen = 0;
    while (true) {
      auto page = w.client->list_objects_v2(sh.bucket, options);
      if (!page) return failed(page.error());
      seen += page->objects.size() + page->common_prefixes.size();
      if (!page->is_truncated) break;
      if (page->next_continuation_token.empty()) return Outcome{"MissingContinuationToken", 0, 0};
      options.continuation_token = std::move(page->next_continuation_token);
    }
    // Prepared keys hold no further '/', so a delimiter groups nothing.
    if (seen != sh.config->objects) return Outcome{"ListMismatch", 0, 0};
    return Outcome{{}, 0, seen};
  });
}

// One object by multipart upload: every part timed as "part", the whole
// upload (create to complete) as "multipart".
void do_multipart(Worker& w, const Shared& sh, uint64_t n) {
  std::string key = fmt::format("{}mp/{}/{}", sh.prefix, w.index, n);
  auto body = sh.payload->object(written_id(w.index, n));
  uint64_t part_size = sh.config->part_size;
  uint64_t count = body.empty() ? 1 : (body.size() + part_size - 1) / part_size;
  timed(w, Op::kMultipart, [&] {
    auto id = w.client->create_multipart_upload(sh.bucket, key, {sh.config->write_headers});
    if (!id) return failed(id.error());
    std::vector<client::CompletedPart> parts;
    parts.reserve(count);
    for (uint64_t p = 0; p < count; ++p) {
      uint64_t off = p * part_size;
      auto piece = body.subspan(off, std::min<uint64_t>(part_size, body.size() - off));
      std::string error;
      timed(w, Op::kPart, [&] {
        auto etag = w.client->upload_part(sh.bucket, key, *id, static_cast<int>(p + 1), piece);
        if (!etag) {
          error = etag.error().code;
          return failed(etag.error());
        }
        parts.push_back({static_cast<int>(p + 1), std::move(*etag)});
        return Outcome{{}, piece.size(), 0};
      });
      if (!error.empty()) {
        (void)w.client->abort_multipart_upload(sh.bucket, key, *id);
        return Outcome{error, 0, 0};
      }
    }
    auto done = w.client->complete_multipart_upload(sh.bucket, key, *id, parts);
    if (!done) {
      (void)w.client->abort_multipart_upload(sh.bucket, key, *id);
      return failed(done.error());
    }
    return Outcome{{}, body.size(), 0};
  });
}

// Mixed: each worker owns a slice of the prepared objects and tracks which of
// them exist, so a GET never races another worker's DELETE of the same key
// (every error is then the server's). PUT re-creates a deleted key (or
// overwrites one) with the same content, so GETs can always verify it.
class MixedWorkload {
 public:
  MixedWorkload(Worker& w, Shared& sh) : w_(w), sh_(sh) {
    uint64_t n = sh.config->objects;
    auto c = static_cast<uint64_t>(sh.config->concurrency);
    for (uint64_t i = n * w.index / c; i < n * (w.index + 1) / c; ++i) present_.push_back(i);
    const auto& s = sh.config->shares;
    choose_ =
        std::discrete_distribution<int>({double(s[0]), double(s[1]), double(s[2]), double(s[3])});
  }

  void step() {
    int op = choose_(w_.rng);
    if ((op == 0 || op == 1 || op == 3) && present_.empty()) op = 2;
    switch (op) {
      case 0:
        do_get(w_, sh_, pick(present_));
        break;
      case 1:
        do_stat(w_, sh_, pick(present_));
        break;
      case 2:
        put();
        break;
      default:
        remove();
        break;
    }
  }

 private:
  uint64_t pick(const std::vector<uint64_t>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(w_.rng)];
  }
  // Removes a random element of `from` and returns it.
  static uint64_t take(std::vector<uint64_t>& from, std::mt19937_64& rng) {
    size_t at = std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng);
    uint64_t v = from[at];
    from[at] = from.back();
    from.pop_back();
    return v;
  }
  void put() {
    if (!absent_.empty()) {
      uint64_t i = take(absent_, w_.rng);
      // Only a key known to exist may be read; a failed PUT leaves it absent.
      (do_put(w_, sh_, sh_.object_key(i), i) ? present_ : absent_).push_back(i);
    } else {
      uint64_t i = pick(present_);
      do_put(w_, sh_, sh_.object_key(i), i);
    }
  }
  void remove() {
    uint64_t i = take(present_, w_.rng);
    absent_.push_back(i);
    do_delete(w_, sh_, i);
  }

  Worker& w_;
  Shared& sh_;
  std::vector<uint64_t> present_, absent_;
  std::discrete_distribution<int> choose_;
};

}  // namespace

std::string Shared::object_key(uint64_t i) const { return fmt::format("{}obj/{:08}", prefix, i); }

Worker::Worker(int index_in, client::S3Client* client_in)
    : index(index_in), client(client_in), rng(0x9E3779B9u + static_cast<uint64_t>(index_in)) {
  sink = [v = &verifier](std::string_view piece) { return v->feed(piece); };
}

void run_worker(Worker& w, Shared& sh) {
  const Config& cfg = *sh.config;
  auto running = [&] {
    return !sh.stop.load(std::memory_order_relaxed) && Clock::now() < sh.deadline;
  };
  std::uniform_int_distribution<uint64_t> any_object(0, cfg.objects ? cfg.objects - 1 : 0);
  if (cfg.workload == Workload::kMixed) {
    MixedWorkload mixed(w, sh);
    while (running()) mixed.step();
    return;
  }
  for (uint64_t n = 0; running(); ++n) {
    switch (cfg.workload) {
      case Workload::kPut:
        do_put(w, sh, fmt::format("{}put/{}/{}", sh.prefix, w.index, n), written_id(w.index, n));
        break;
      case Workload::kGet:
        do_get(w, sh, any_object(w.rng));
        break;
      case Workload::kStat:
        do_stat(w, sh, any_object(w.rng));
        break;
      case Workload::kDelete: {
        uint64_t i = sh.next_delete.fetch_add(1, std::memory_order_relaxed);
        if (i >= cfg.objects) {
          sh.stop.store(true, std::memory_order_relaxed);
          return;
        }
        do_delete(w, sh, i);
        break;
      }
      case Workload::kList:
        do_list(w, sh);
        break;
      case Workload::kMultipart:
        do_multipart(w, sh, n);
        break;
      case Workload::kMixed:
        break;
    }
  }
}

}  // namespace silo::bench
