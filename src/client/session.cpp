#include "client/session.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "client/interrupt.h"
#include "client/trust.h"

namespace silo::client {

uint64_t choose_part_size(uint64_t size, uint64_t configured) {
  constexpr uint64_t kMiB = 1ull << 20;
  constexpr uint64_t kMaxParts = 10000;
  uint64_t part = std::max<uint64_t>(configured, 5 * kMiB);
  uint64_t needed = (size + kMaxParts - 1) / kMaxParts;
  needed = (needed + kMiB - 1) / kMiB * kMiB;
  return std::max(part, needed);
}

Session::Session(GlobalOptions options, AliasConfig aliases, uint64_t part_size)
    : options_(std::move(options)),
      aliases_(std::move(aliases)),
      part_size_(part_size),
      out_(options_.json, options_.quiet),
      slots_(std::clamp(options_.parallel, 1, 4096)) {
  retry_.max_attempts = std::max(options_.retries, 1);
}

Target Session::target(std::string_view text) const {
  return parse_target(text, [this](std::string_view a) { return aliases_.contains(a); });
}

S3Result<S3Client*> Session::client(const std::string& alias) {
  // One cache per thread: S3Client is not thread-safe, and its kept-alive
  // connection is what makes small requests cheap.
  thread_local std::map<std::string, std::unique_ptr<S3Client>> cache;
  if (auto it = cache.find(alias); it != cache.end()) return it->second.get();
  auto a = aliases_.find(alias);
  if (!a) return std::unexpected(local_error("no alias named '" + alias + "' (see silo alias ls)"));
  ClientConfig config;
  config.endpoint = a->url;
  config.credentials.access_key = a->access_key;
  config.credentials.secret_key = a->secret_key;
  config.region = a->region;
  if (auto trusted = apply_trust(config, aliases_.dir(), options_.insecure); !trusted) {
    return std::unexpected(local_error(std::string(trusted.error().text())));
  }
  Output* out = &out_;
  config.on_bytes = [out](uint64_t n) { out->add_done(n); };
  config.cancel = &interrupt_signal();
  auto c = S3Client::create(std::move(config));
  if (!c) return std::unexpected(local_error("alias " + alias + ": " + std::string(c.error().text())));
  S3Client* raw = c->get();
  cache[alias] = std::move(*c);
  return raw;
}

bool Session::same_endpoint(const std::string& a, const std::string& b) const {
  if (a == b) return true;
  auto x = aliases_.find(a), y = aliases_.find(b);
  return x && y && x->url == y->url && x->access_key == y->access_key &&
         x->secret_key == y->secret_key;
}

void run_parallel(int threads, size_t count, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    // Once interrupted, nothing new starts (what runs stops by itself).
    for (size_t i = next++; i < count && !interrupted(); i = next++) fn(i);
  };
  size_t n = std::min<size_t>(std::max(threads, 1), count);
  if (n <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (size_t i = 0; i < n; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
}

}  // namespace silo::client
