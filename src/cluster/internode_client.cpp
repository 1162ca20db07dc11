#include "cluster/internode_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cluster/internode_auth.h"
#include "cluster/wire.h"

namespace silo::cluster {

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (!next) return;
  (void)list.release();
  list.reset(next);
}

long millis(std::chrono::steady_clock::duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

bool unreachable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:  // a TLS handshake cut short, like a reset
      return true;
    default:
      return false;
  }
}

}  // namespace

// Where a response body goes: a string, or the caller's buffer. An error
// response's body (its message) always goes to `error`.
struct InternodeClient::Sink {
  CURL* curl = nullptr;
  std::string* text = nullptr;
  std::span<uint8_t> head;  // filled before `into`
  size_t head_filled = 0;
  std::span<uint8_t> into;
  size_t filled = 0;
  long status = -1;
  std::string error;
  bool overflow = false;
};

namespace {

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<InternodeClient::Sink*>(user);
  size_t len = size * n;
  if (sink->status < 0) curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &sink->status);
  if (sink->status != 200) {
    if (sink->error.size() < 4096) sink->error.append(data, std::min<size_t>(len, 4096));
  } else if (sink->text) {
    sink->text->append(data, len);
  } else {
    if (sink->head_filled < sink->head.size()) {
      size_t n = std::min(len, sink->head.size() - sink->head_filled);
      std::memcpy(sink->head.data() + sink->head_filled, data, n);
      sink->head_filled += n;
      data += n;
      if (n == len) return len;
      len -= n;
      size_t rest = on_write(data, 1, len, user);
      return rest == 0 ? 0 : n + rest;
    }
    if (len > sink->into.size() - sink->filled) {
      sink->overflow = true;
      return 0;
    }
    std::memcpy(sink->into.data() + sink->filled, data, len);
    sink->filled += len;
  }
  return len;
}

// The call failed on a reused connection before anything of the answer
// came: the peer had closed it while it sat idle in the cache.
bool stale_connection(CURL* c, CURLcode rc, const InternodeClient::Sink& sink) {
  if (rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR && rc != CURLE_GOT_NOTHING) return false;
  long connects = -1;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  bool nothing = sink.error.empty() && sink.filled == 0 && sink.head_filled == 0 &&
                 (!sink.text || sink.text->empty());
  return connects == 0 && nothing;
}

}  // namespace

// Idle easy handles, and the connection cache and DNS cache they share.
struct InternodeClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;
  CURLSH* share = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];
  const std::string& ca_pem;  // the client's options, which outlive the pool

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Pool*>(user)->locks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Pool*>(user)->locks[data].unlock();
  }

  explicit Pool(const std::string& ca_pem) : ca_pem(ca_pem) {
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Pool::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Pool::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    // A new TLS connection to a peer resumes the session of an earlier one
    // (an abbreviated handshake).
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  ~Pool() {
    for (CURL* c : idle) curl_easy_cleanup(c);
    curl_share_cleanup(share);
  }

  CURL* acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* c = idle.back();
        idle.pop_back();
        return c;
      }
    }
    CURL* c = curl_easy_init();
    if (!c) return nullptr;
    curl_easy_setopt(c, CURLOPT_SHARE, share);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    // The shared cache keeps this many idle connections (libcurl's default
    // is 5): below the calls in flight to all peers, every call would open
    // a connection of its own and close it after.
    curl_easy_setopt(c, CURLOPT_MAXCONNECTS, 1024L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_write);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "silo-internode/1");
    if (!ca_pem.empty()) {
      // Not copied: the text lives as long as the client.
      curl_blob blob{const_cast<char*>(ca_pem.data()), ca_pem.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    return c;
  }
  void release(CURL* c) {
    std::lock_guard lock(mu);
    idle.push_back(c);
  }
};

// ---- PeerHealth

PeerHealth::PeerHealth(InternodeClient& client, std::string base_url)
    : client_(client), base_url_(std::move(base_url)) {
  thread_ = std::thread([this] { run(); });
}

PeerHealth::~PeerHealth() { stop(); }

void PeerHealth::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  batch_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (batch_thread_.joinable()) batch_thread_.join();
}

void PeerHealth::mark_offline(std::string_view why) {
  mark_down(why);
  suspect();
}

void PeerHealth::suspect() {
  {
    std::lock_guard lock(mu_);
    suspect_ = true;
  }
  cv_.notify_all();
}

void PeerHealth::send_later(std::string path_and_query) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || later_.size() > 10000) return;
    later_.push_back(std::move(path_and_query));
  }
  cv_.notify_all();
}

void PeerHealth::send_batched(std::string path_and_query, std::string item) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || batched_ > 100'000) return;
    if (!batch_thread_.joinable()) batch_thread_ = std::thread([this] { send_batches(); });
    batches_[std::move(path_and_query)].push_back(std::move(item));
    ++batched_;
  }
  batch_cv_.notify_one();
}

void PeerHealth::send_batches() {
  const auto timeout = client_.options_.background_timeout;
  std::unique_lock lock(mu_);
  while (true) {
    batch_cv_.wait(lock, [&] { return stopping_ || batched_ > 0; });
    if (stopping_) return;
    // While one call is out, the next items gather: the busier the peer,
    // the larger the batches.
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (auto it = batches_.begin(); it != batches_.end();) {
      auto& items = it->second;
      size_t take = std::min(items.size(), kMaxBatch);
      std::vector<std::string> part(std::make_move_iterator(items.begin()),
                                    std::make_move_iterator(items.begin() + take));
      items.erase(items.begin(), items.begin() + take);
      batched_ -= take;
      out.emplace_back(it->first, std::move(part));
      it = items.empty() ? batches_.erase(it) : std::next(it);
    }
    lock.unlock();
    for (const auto& [path, items] : out) {
      std::string body = encode_batch(items);
      for (int attempt = 0; attempt < 3 && online(); ++attempt) {
        InternodeClient::Sink sink;
        std::string ignored;
        sink.text = &ignored;
        int code = 0;
        auto began = std::chrono::steady_clock::now();
        auto r = client_.exchange(base_url_, path,
                                  {reinterpret_cast<const uint8_t*>(body.data()), body.size()},
                                  Deadline::after(timeout), sink, &code, this);
        if (r) break;
        // One that let the call time out is not waited for again.
        if (std::chrono::steady_clock::now() - began >= timeout / 2) break;
      }
    }
    lock.lock();
  }
}

void PeerHealth::run() {
  const auto interval = client_.options_.probe_interval;
  auto next_probe = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_until(lock, next_probe, [&] { return stopping_ || suspect_ || !later_.empty(); });
    if (stopping_) break;
    std::deque<std::string> later;
    later.swap(later_);
    bool probe_now = suspect_ || std::chrono::steady_clock::now() >= next_probe;
    suspect_ = false;
    lock.unlock();
    for (const auto& call : later) {
      if (!online()) break;
      InternodeClient::Sink sink;
      std::string ignored;
      sink.text = &ignored;
      int code = 0;
      (void)client_.exchange(base_url_, call, {},
                             Deadline::after(client_.options_.background_timeout), sink, &code);
    }
    if (probe_now) {
      probe();
      next_probe = std::chrono::steady_clock::now() + interval;
    }
    lock.lock();
  }
}

// Online when the node answers at all: one that refuses our token is
// reachable, and its calls say why they fail.
void PeerHealth::probe() {
  int cause = 0;
  auto ping = [&] {
    return client_.ping(base_url_, Deadline::after(client_.options_.probe_timeout), &cause);
  };
  auto answered = [](const Status& r) {
    return r || (r.error().code != ErrorCode::kDriveOffline &&
                 r.error().code != ErrorCode::kDriveTimeout);
  };
  bool was = online();
  auto r = ping();
  // One late answer from a loaded machine is not a dead node: a second
  // ping confirms before every call to the peer starts failing fast (a
  // refused connection needs no second opinion).
  if (was && !r && r.error().code == ErrorCode::kDriveTimeout) r = ping();
  bool now = answered(r);
  if (!now) {
    mark_down(r.error().text(), cause);
  } else if (!online_.exchange(true, std::memory_order_relaxed)) {
    spdlog::info("node {} answers again", base_url_);
  }
}

void PeerHealth::mark_down(std::string_view why, int cause) {
  int last_cause = down_cause_.exchange(cause, std::memory_order_relaxed);
  if (online_.exchange(false, std::memory_order_relaxed)) {
    spdlog::warn("node {} does not answer ({}); calls to it fail at once until it does",
                 base_url_, why);
  } else if (cause != 0 && cause != last_cause) {
    spdlog::warn("node {} still does not answer, now: {}", base_url_, why);
  }
}

// ---- InternodeClient

InternodeClient::InternodeClient(std::string token, InternodeOptions options)
    : token_(std::move(token)), options_(options) {
  global_init_once();
  pool_ = std::make_unique<Pool>(options_.ca_pem);
}

InternodeClient::~InternodeClient() {
  // Probe threads call exchange(): stop them before the pool goes.
  std::lock_guard lock(peers_mu_);
  for (auto& [url, peer] : peers_) peer->stop();
}

std::shared_ptr<PeerHealth> InternodeClient::peer(const std::string& base_url) {
  std::lock_guard lock(peers_mu_);
  auto& p = peers_[base_url];
  if (!p) p = std::make_shared<PeerHealth>(*this, base_url);
  return p;
}

Result<std::string> InternodeClient::call(PeerHealth& peer, std::string_view path_and_query,
                                          std::span<const uint8_t> body, Deadline deadline) {
  std::string out;
  Sink sink;
  sink.text = &out;
  auto r = checked(peer, path_and_query, body, deadline, sink);
  if (!r) return std::unexpected(std::move(r.error()));
  return out;
}

Status InternodeClient::ping(const std::string& base_url, Deadline deadline, int* curl_code) {
  Sink sink;
  std::string body;
  sink.text = &body;
  int code = 0;
  std::string path(kDrivePrefix);
  path += "ping";
  auto r = exchange(base_url, path, {}, deadline, sink, &code);
  if (curl_code) *curl_code = code;
  if (!r) return std::unexpected(std::move(r.error()));
  return {};
}

Result<size_t> InternodeClient::call_into(PeerHealth& peer, std::string_view path_and_query,
                                          std::span<const uint8_t> body, Deadline deadline,
                                          std::span<uint8_t> out) {
  Sink sink;
  sink.into = out;
  return checked(peer, path_and_query, body, deadline, sink);
}

Result<size_t> InternodeClient::call_into(PeerHealth& peer, std::string_view path_and_query,
                                          std::span<const uint8_t> body, Deadline deadline,
                                          std::span<uint8_t> head, std::span<uint8_t> out) {
  Sink sink;
  sink.head = head;
  sink.into = out;
  auto r = checked(peer, path_and_query, body, deadline, sink);
  if (!r) return r;
  return sink.head_filled + sink.filled;
}

Result<size_t> InternodeClient::checked(PeerHealth& peer, std::string_view path_and_query,
                                        std::span<const uint8_t> body, Deadline deadline,
                                        Sink& sink) {
  if (!peer.online()) {
    return fail(ErrorCode::kDriveOffline, "peer " + peer.base_url() + " is offline");
  }
  int code = 0;
  auto r = exchange(peer.base_url(), path_and_query, body, deadline, sink, &code, &peer);
  if (!r) {
    if (unreachable(static_cast<CURLcode>(code))) peer.mark_offline(r.error().text());
    if (code == CURLE_OPERATION_TIMEDOUT) peer.suspect();
  }
  return r;
}

namespace {

// libcurl's progress callback: called during a transfer, and about once a
// second while it waits; nonzero aborts it.
int abandon_when_offline(void* watched, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const PeerHealth*>(watched)->online() ? 0 : 1;
}

}  // namespace

Result<size_t> InternodeClient::exchange(const std::string& base_url,
                                         std::string_view path_and_query,
                                         std::span<const uint8_t> body, Deadline deadline,
                                         Sink& sink, int* curl_code, const PeerHealth* watched) {
  *curl_code = CURLE_OK;
  if (deadline.expired()) {
    return fail(ErrorCode::kDriveTimeout, "internode call to " + base_url + " started too late");
  }
  CURL* c = pool_->acquire();
  if (!c) return fail(ErrorCode::kInternalError, "curl_easy_init failed");
  std::string url = base_url;
  url += path_and_query;
  Slist headers;
  append(headers, std::string(kTokenHeader) + ": " + token_);
  append(headers, "Expect:");
  append(headers, "Content-Type: application/octet-stream");
  long total_ms = 0;  // none
  long connect_ms = millis(options_.connect_timeout);
  if (!deadline.is_never()) {
    total_ms = std::max(1L, millis(deadline.remaining()));
    connect_ms = std::min(connect_ms, total_ms);
    append(headers, std::string(kDeadlineHeader) + ": " + std::to_string(total_ms));
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  // Not copied: libcurl reads the caller's buffer while perform() runs.
  curl_easy_setopt(c, CURLOPT_POSTFIELDS,
                   body.empty() ? "" : reinterpret_cast<const char*>(body.data()));
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  sink.curl = c;
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, watched ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, watched ? &abandon_when_offline : nullptr);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<PeerHealth*>(watched));
  CURLcode rc = curl_easy_perform(c);
  if (stale_connection(c, rc, sink) && !deadline.expired()) {
    // A kept-alive connection the peer had closed (it restarted, or swapped
    // its starting listener for the serving one) fails the call before any
    // answer: that says nothing of the peer, so the call is sent once more,
    // on a new connection, before it counts as a failure.
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     deadline.is_never() ? 0L : std::max(1L, millis(deadline.remaining())));
    errbuf[0] = 0;
    rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 0L);
  }
  if (sink.status < 0) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sink.status);
  std::string error_name;
  curl_header* h = nullptr;
  if (rc == CURLE_OK && curl_easy_header(c, std::string(kErrorHeader).c_str(), 0, CURLH_HEADER, -1,
                                         &h) == CURLHE_OK) {
    error_name = h->value;
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  pool_->release(c);

  *curl_code = rc;
  if (rc != CURLE_OK) {
    if (sink.overflow) return fail(ErrorCode::kInternalError, "internode: answer too large");
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return fail(ErrorCode::kDriveTimeout, base_url + " did not answer in time: " + why);
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return fail(ErrorCode::kDriveOffline, "peer " + base_url + " went offline during the call");
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION) {
      why += " (every node must trust the CA of the others' certificates: put it in the "
             "certs folder's CAs/ on every node)";
    }
    return fail(ErrorCode::kDriveOffline, base_url + " unreachable: " + why);
  }
  if (sink.status == 200) return sink.text ? sink.text->size() : sink.filled;
  if (!error_name.empty()) return fail(Error(error_code_from_name(error_name), sink.error));
  if (sink.status == 403) {
    return fail(ErrorCode::kAccessDenied, base_url + " refused the internode token");
  }
  return fail(ErrorCode::kInternalError,
              base_url + " answered HTTP " + std::to_string(sink.status) + " to an internode call");
}

}  // namespace silo::cluster
