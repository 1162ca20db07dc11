// InternodeClient: the blocking HTTP/1.1 client a node uses to call its
// peers (RemoteDrive's RPCs), over libcurl.
//
// - Connections are kept alive and reused: easy handles come from a pool and
//   share one connection cache (a curl share), so a call to a peer takes an
//   idle connection to it when there is one, whichever thread makes it.
// - Every call ends by its Deadline (the whole transfer, connect included);
//   the time left is sent along so the peer gives its drive the same limit.
// - Failures: a peer that cannot be reached (refused, reset, no answer) is
//   kDriveOffline and marks the peer offline; a call that outlives its
//   deadline is kDriveTimeout and has the peer probed at once (a slow drive
//   is not a dead node; a frozen node fails its probe); an error the remote
//   drive returned comes back as that Error (code and message).
// - PeerHealth: one per peer, shared by every RemoteDrive on it. While the
//   peer is offline, calls fail at once with kDriveOffline; a background
//   thread pings each peer every probe_interval and brings it back online.
//   A ping that times out is repeated once before the peer is taken
//   offline: a loaded machine answers late, a dead or frozen one never.
//   Each change of a peer's state is logged.
// - TLS: peers named https:// are called over TLS, their certificate
//   verified (chain and host name) against InternodeOptions::ca_pem; a peer
//   whose certificate fails is unreachable, and the log says why.
//
// Thread-safe: call from any number of threads (never a network thread: a
// call blocks for up to its deadline).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/deadline.h"
#include "common/error.h"

namespace silo::cluster {

class InternodeClient;

struct InternodeOptions {
  // Longest wait for a TCP connection (shorter when the deadline is nearer).
  std::chrono::milliseconds connect_timeout{2000};
  // How often each peer is pinged, and how long a ping may take.
  std::chrono::milliseconds probe_interval{1000};
  std::chrono::milliseconds probe_timeout{1000};
  // Deadline of best-effort background calls (lease releases).
  std::chrono::milliseconds background_timeout{5000};
  // For https:// peers: the CAs (PEM) their certificates are verified
  // against, read_ca_bundle() of the node's certs folder. Empty: libcurl's
  // default bundle.
  std::string ca_pem;
};

// Whether one peer node answers. Made by InternodeClient::peer().
class PeerHealth {
 public:
  PeerHealth(InternodeClient& client, std::string base_url);
  ~PeerHealth();
  PeerHealth(const PeerHealth&) = delete;
  PeerHealth& operator=(const PeerHealth&) = delete;

  // `http://host:port`, no trailing slash.
  const std::string& base_url() const { return base_url_; }
  bool online() const { return online_.load(std::memory_order_relaxed); }
  // A call could not reach the peer (`why`): calls fail fast until a probe
  // answers.
  void mark_offline(std::string_view why);
  // A call timed out: probe now instead of at the next interval.
  void suspect();
  // Sends `path_and_query` (a call with no body) from the probe thread, best
  // effort: dropped when the peer is offline or the call fails. For cleanup
  // that must not block the thread that triggers it (lease releases).
  void send_later(std::string path_and_query);
  // Queues `item` (encoded by the caller) for `path_and_query`: a sender
  // thread of its own posts the items queued for one path together, as one
  // call whose body is encode_batch() of them (at most kMaxBatch a call),
  // so many one-way calls cost few round trips. Best effort: dropped while
  // the peer is offline; a call that fails fast is tried twice more.
  void send_batched(std::string path_and_query, std::string item);
  static constexpr size_t kMaxBatch = 512;
  // Stops the probe thread. Idempotent; the destructor calls it.
  void stop();

 private:
  void run();
  void probe();
  void send_batches();
  // Offline from now, logged once when it was online.
  // `cause` (a libcurl code, 0: unknown) is logged again when a peer
  // already offline fails for another cause: a node that comes up with a
  // certificate this one does not trust then says so, not only "offline".
  void mark_down(std::string_view why, int cause = 0);
  InternodeClient& client_;
  const std::string base_url_;
  std::atomic<bool> online_{true};
  std::atomic<int> down_cause_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool suspect_ = false;
  std::deque<std::string> later_;
  std::thread thread_;
  // send_batched: its own thread, so a slow batch never delays a probe.
  std::condition_variable batch_cv_;
  std::map<std::string, std::vector<std::string>> batches_;
  size_t batched_ = 0;
  std::thread batch_thread_;
};

class InternodeClient {
 public:
  // `token`: internode_token() of the root credentials.
  explicit InternodeClient(std::string token, InternodeOptions options = {});
  ~InternodeClient();
  InternodeClient(const InternodeClient&) = delete;
  InternodeClient& operator=(const InternodeClient&) = delete;

  const InternodeOptions& options() const { return options_; }
  // Where one response body goes (internal to the implementation).
  struct Sink;

  // The health of the peer at `base_url` (`http://host:port`): made and its
  // probe started on first use, then shared.
  std::shared_ptr<PeerHealth> peer(const std::string& base_url);

  // POSTs `body` to base_url + `path_and_query` and returns the response
  // body. Fails fast with kDriveOffline while the peer is offline.
  Result<std::string> call(PeerHealth& peer, std::string_view path_and_query,
                           std::span<const uint8_t> body, Deadline deadline);
  // One round trip to the peer's drive service, whatever its known state
  // (a probe): success, or why it failed.
  // `curl_code`, when given, receives libcurl's code of the attempt.
  Status ping(const std::string& base_url, Deadline deadline, int* curl_code = nullptr);
  // As call(), the response body read straight into `out`; returns its size.
  // A body larger than `out` is kInternalError.
  Result<size_t> call_into(PeerHealth& peer, std::string_view path_and_query,
                           std::span<const uint8_t> body, Deadline deadline,
                           std::span<uint8_t> out);
  // As call_into, the response body filling `head` first, then `out`.
  Result<size_t> call_into(PeerHealth& peer, std::string_view path_and_query,
                           std::span<const uint8_t> body, Deadline deadline,
                           std::span<uint8_t> head, std::span<uint8_t> out);

 private:
  friend class PeerHealth;
  struct Pool;
  // One HTTP exchange whatever the peer's state, without touching it.
  // With `watched`, the exchange is abandoned (kDriveOffline) as soon as
  // that peer is found offline: a call to a node that froze ends when its
  // probe fails, within about a second, not at its deadline.
  Result<size_t> exchange(const std::string& base_url, std::string_view path_and_query,
                          std::span<const uint8_t> body, Deadline deadline, Sink& sink,
                          int* curl_code, const PeerHealth* watched = nullptr);
  Result<size_t> checked(PeerHealth& peer, std::string_view path_and_query,
                         std::span<const uint8_t> body, Deadline deadline, Sink& sink);

  const std::string token_;
  const InternodeOptions options_;
  std::unique_ptr<Pool> pool_;
  std::mutex peers_mu_;
  std::map<std::string, std::shared_ptr<PeerHealth>> peers_;
};

}  // namespace silo::cluster
