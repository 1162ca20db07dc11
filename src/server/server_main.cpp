#include "server/server_main.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <malloc.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <thread>
#include <tuple>

#include "common/buffer.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/units.h"
#include "crypto/kms.h"
#include "cluster/dist_locks.h"
#include "cluster/drive_service.h"
#include "cluster/endpoints.h"
#include "cluster/internode_auth.h"
#include "cluster/internode_client.h"
#include "cluster/internode_router.h"
#include "cluster/lock_service.h"
#include "cluster/peer_events.h"
#include "cluster/remote_lock_peer.h"
#include "cluster/topology.h"
#include "http/server.h"
#include "object/capacity.h"
#include "object/healer.h"
#include "server/iam_backend.h"
#include "server/lifecycle_runner.h"
#include "object/pool_jobs.h"
#include "object/pools.h"
#include "s3/handler.h"
#include "server/bootstrap.h"
#include "server/cluster_start.h"
#include "server/tls_setup.h"
#include "storage/managed_drive.h"

namespace silo::server {

namespace asio = boost::asio;

namespace {

constexpr const char* kDefaultUser = "siloadmin";
constexpr const char* kDefaultPassword = "siloadmin";

// "500ms", "90s", "30m", "24h", "7d" -> nanoseconds.
std::optional<int64_t> parse_duration_ns(std::string_view s) {
  if (s.size() > 2 && s.ends_with("ms")) {
    auto ms = parse_u64(s.substr(0, s.size() - 2));
    if (!ms) return std::nullopt;
    return static_cast<int64_t>(*ms) * 1'000'000;
  }
  if (s.size() < 2) return std::nullopt;
  auto n = parse_u64(s.substr(0, s.size() - 1));
  if (!n) return std::nullopt;
  int64_t unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  return static_cast<int64_t>(*n) * unit * 1'000'000'000;
}

// Splits host:port; an empty host stays empty (the caller picks the default).
bool parse_address(const std::string& address, std::string& host, uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto p = parse_u64(address.substr(colon + 1));
  if (!p || *p > 65535) return false;
  port = static_cast<uint16_t>(*p);
  return true;
}

// Connections, drive files and RocksDB all need descriptors: use the hard
// limit, not the (often 1024) soft one.
// limit, not the (often 1024) soft one. Returns the limit in effect.
size_t raise_descriptor_limit() {
  struct rlimit lim;
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? 1 << 20 : static_cast<size_t>(lim.rlim_cur);
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto a = asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

// Periodically aborts multipart uploads that were abandoned.
void schedule_upload_cleanup(asio::io_context& io, asio::thread_pool& pool,
                             object::ObjectLayer& layer, int64_t max_age_ns,
                             std::shared_ptr<asio::steady_timer> timer) {
  auto interval = std::chrono::nanoseconds(std::clamp<int64_t>(max_age_ns / 4, 1'000'000'000LL,
                                                              3600LL * 1'000'000'000));
  timer->expires_after(interval);
  timer->async_wait([&io, &pool, &layer, max_age_ns, timer](boost::system::error_code ec) {
    if (ec) return;
    asio::post(pool, [&layer, max_age_ns] {
      auto n = layer.cleanup_uploads(now_ns() - max_age_ns);
      if (n && *n > 0) spdlog::info("aborted {} abandoned multipart upload(s)", *n);
    });
    schedule_upload_cleanup(io, pool, layer, max_age_ns, timer);
  });
}

// Applies the buckets' lifecycle rules every `interval` (lifecycle_runner.h).
void schedule_lifecycle(asio::thread_pool& pool, object::ObjectLayer& layer,
                        std::chrono::seconds interval, server::LifecycleOptions options,
                        std::shared_ptr<asio::steady_timer> timer) {
  timer->expires_after(interval);
  timer->async_wait([&pool, &layer, interval, options, timer](boost::system::error_code ec) {
    if (ec) return;
    asio::post(pool, [&pool, &layer, interval, options, timer] {
      auto pass = server::run_lifecycle(layer, options, now_ns());
      if (pass.expired > 0 || pass.aborted > 0) {
        spdlog::info("lifecycle: {} object(s) expired, {} upload(s) aborted in {} bucket(s)",
                     pass.expired, pass.aborted, pass.buckets);
      }
      // The next pass is timed from the end of this one: passes never overlap.
      schedule_lifecycle(pool, layer, interval, options, timer);
    });
  });
}

// Every 10 s without a request in flight, hands memory kept for the next
// burst back to the system: the buffer pool's idle blocks and what glibc's
// arenas hold free (after a busy spell they keep hundreds of MiB otherwise).
void schedule_idle_trim(const http::Server& server, std::shared_ptr<asio::steady_timer> timer) {
  timer->expires_after(std::chrono::seconds(10));
  timer->async_wait([&server, timer](boost::system::error_code ec) {
    if (ec) return;
    if (server.active() == 0) {
      buffer_pool::release_idle();
      malloc_trim(0);
    }
    schedule_idle_trim(server, timer);
  });
}

// The parity for a storage class, from SILO_STORAGE_CLASS_<name> or the default.
Result<int> parity_from_env(const char* name, int fallback, size_t set_size) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::min<int>(fallback, static_cast<int>(set_size / 2));
  return cluster::parse_parity(v, set_size);
}

// SIGINT/SIGTERM while a node waits for the others to start: the wait ends
// (asio's signal_set takes the signals over once the node serves).
std::atomic<bool> g_stop_while_starting{false};

const std::atomic<bool>& stop_requested_while_starting() {
  struct sigaction action {};
  action.sa_handler = [](int) { g_stop_while_starting.store(true); };
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  return g_stop_while_starting;
}

// One node of the deployment as `admin info` shows it.
struct AdminNode {
  std::string endpoint;                         // http://host:port
  std::shared_ptr<cluster::PeerHealth> health;  // null: this node (always online)
  std::vector<size_t> drives;                   // its drives' indexes in set order
};

// The admin API over this server's layers.
class ServerAdmin final : public s3::AdminApi {
 public:
  ServerAdmin(object::Pools& pools, object::Healer& healer, object::PoolJobs& jobs,
              std::vector<std::shared_ptr<storage::Drive>>& drives,
              const std::vector<std::vector<std::shared_ptr<storage::Drive>>>& set_drives,
              std::string deployment_id, object::ErasureSetOptions options,
              std::vector<AdminNode> nodes)
      : pools_(pools), healer_(healer), jobs_(jobs), drives_(drives), set_drives_(set_drives),
        deployment_id_(std::move(deployment_id)), options_(options), nodes_(std::move(nodes)),
        started_ns_(now_ns()) {}

  std::string info_json() override {
    // Each drive's state and usage, asked once for the sets and the nodes.
    std::vector<nlohmann::json> drive_info;
    for (auto& d : drives_) {
      auto c = d->disk_info(Deadline::after(std::chrono::seconds(2)), true);
      // The state after the call: a call that found the drive's node gone
      // has just marked it offline.
      nlohmann::json drive = {{"path", d->endpoint()},
                              {"state", d->online() ? "online" : "offline"}};
      if (c) drive.update(capacity_json(*c));
      drive_info.push_back(std::move(drive));
    }
    nlohmann::json sets = nlohmann::json::array();
    size_t first = 0;
    for (size_t s = 0; s < set_drives_.size(); ++s) {
      nlohmann::json drives = nlohmann::json::array();
      for (size_t i = 0; i < set_drives_[s].size(); ++i) drives.push_back(drive_info[first + i]);
      first += set_drives_[s].size();
      auto room = pools_.set(s).room("", "", std::nullopt, false);
      sets.push_back({{"index", s}, {"drives", drives}, {"writable", room.ok()}});
    }
    nlohmann::json j = {{"version", "0.1.0"},
                        {"deployment_id", deployment_id_},
                        {"uptime_seconds", (now_ns() - started_ns_) / 1'000'000'000},
                        {"set_size", set_drives_[0].size()},
                        {"pools", nlohmann::json::parse(jobs_.pools_json())["pools"]},
                        {"standard_parity", options_.standard_parity},
                        {"reduced_redundancy_parity", options_.reduced_parity},
                        {"sets", sets},
                        {"nodes", nodes_json(drive_info)},
                        {"usage", usage_json()},
                        {"heal", nlohmann::json::parse(healer_.progress().to_json())},
                        {"scanner", nlohmann::json::parse(healer_.progress("scanner").to_json())}};
    return j.dump();
  }
  std::string heal_json(const std::string& bucket, const std::string& prefix) override {
    return healer_.heal_now(bucket, prefix).to_json();
  }
  std::string heal_start_json(const std::string& bucket, const std::string& prefix) override {
    return healer_.start_heal(bucket, prefix).to_json();
  }
  std::string heal_status_json(const std::string& kind) override {
    return (kind.empty() ? healer_.progress() : healer_.progress(kind)).to_json();
  }
  std::pair<bool, std::string> cluster_health() override {
    nlohmann::json sets = nlohmann::json::array();
    bool healthy = true;
    for (size_t s = 0; s < pools_.set_count(); ++s) {
      auto room = pools_.set(s).room("", "", std::nullopt, false);
      healthy = healthy && room.ok();
      std::string reason = room.ok()             ? ""
                           : room.out_of_space() ? "its drives are full"
                                                 : "too few of its drives are online";
      sets.push_back({{"index", s}, {"writable", room.ok()}, {"write_quorum", room.needed},
                      {"drives_online", room.online}, {"drives_with_room", room.writable},
                      {"reason", reason}});
    }
    return {healthy, nlohmann::json{{"writable", healthy}, {"sets", sets}}.dump()};
  }
  bool ready() override {
    for (size_t s = 0; s < pools_.set_count(); ++s) {
      auto room = pools_.set(s).room("", "", std::nullopt, false);
      if (room.online < room.needed) return false;
    }
    return true;
  }
  Result<std::string> quota_json(const std::string& bucket) override {
    auto quota = pools_.quotas().quota(bucket);
    if (!quota) return std::unexpected(quota.error());
    auto usage = pools_.quotas().usage(bucket);
    if (!usage) return std::unexpected(usage.error());
    nlohmann::json j = {{"bucket", bucket},
                        {"quota", *quota ? nlohmann::json(**quota) : nlohmann::json()},
                        {"usage", {{"objects", usage->objects}, {"bytes", usage->bytes}}}};
    return j.dump();
  }
  Result<std::string> pools_json(const std::string& job, const std::string& action,
                                 const std::string& pool) override {
    if (job.empty()) return jobs_.pools_json();
    if (job == "decommission") return jobs_.decommission(action, pool);
    if (job == "rebalance") return jobs_.rebalance(action);
    return fail(ErrorCode::kInvalidArgument, "job must be decommission or rebalance");
  }
  Result<std::string> set_quota(const std::string& bucket, std::optional<uint64_t> bytes) override {
    if (auto s = pools_.set_bucket_quota(bucket, bytes); !s) return std::unexpected(s.error());
    spdlog::info("bucket {}: quota {}", bucket, bytes ? format_size(*bytes) : "removed");
    return quota_json(bucket);
  }

 private:
  // Every node: its state, its drives (as in `sets`) and their totals.
  nlohmann::json nodes_json(const std::vector<nlohmann::json>& drive_info) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& node : nodes_) {
      nlohmann::json drives = nlohmann::json::array();
      size_t online = 0;
      uint64_t used = 0, free = 0, total = 0;
      for (size_t i : node.drives) {
        const auto& d = drive_info[i];
        if (d.value("state", "") == "online") ++online;
        used += d.value("used", uint64_t{0});
        free += d.value("free", uint64_t{0});
        total += d.value("total", uint64_t{0});
        drives.push_back(d);
      }
      bool up = !node.health || node.health->online();
      nodes.push_back({{"endpoint", node.endpoint}, {"this_node", !node.health},
                       {"state", up ? "online" : "offline"}, {"drives_online", online},
                       {"drives_total", node.drives.size()}, {"used", used}, {"free", free},
                       {"total", total}, {"drives", drives}});
    }
    return nodes;
  }
  static nlohmann::json capacity_json(const storage::DiskInfo& c) {
    return {{"total", c.total}, {"used", c.used()}, {"free", c.free}, {"reserve", c.reserve},
            {"full", c.full()}};
  }
  // Buckets, objects and bytes from the drives' usage counters.
  nlohmann::json usage_json() {
    nlohmann::json buckets = nlohmann::json::array();
    int64_t objects = 0, bytes = 0;
    auto list = pools_.list_buckets();
    for (const auto& b : list ? *list : std::vector<object::BucketInfo>{}) {
      auto u = pools_.quotas().usage(b.name);
      auto q = pools_.quotas().quota(b.name);
      if (!u) continue;
      objects += u->objects;
      bytes += u->bytes;
      buckets.push_back({{"name", b.name}, {"objects", u->objects}, {"bytes", u->bytes},
                         {"quota", q && *q ? nlohmann::json(**q) : nlohmann::json()}});
    }
    return {{"buckets", buckets.size()}, {"objects", objects}, {"bytes", bytes},
            {"by_bucket", buckets}};
  }

  object::Pools& pools_;
  object::Healer& healer_;
  object::PoolJobs& jobs_;
  std::vector<std::shared_ptr<storage::Drive>>& drives_;  // every drive, in set order
  const std::vector<std::vector<std::shared_ptr<storage::Drive>>>& set_drives_;
  std::string deployment_id_;
  object::ErasureSetOptions options_;
  std::vector<AdminNode> nodes_;
  int64_t started_ns_;
};

// Usable space: the free space of the drives above their reserves, times
// the data share of a stripe of their pool.
template <typename Parities>
uint64_t usable_bytes(const std::vector<std::vector<std::shared_ptr<storage::Drive>>>& set_drives,
                      const Parities& parities, const cluster::Deployment& deployment) {
  uint64_t total = 0;
  size_t set = 0;
  for (size_t p = 0; p < deployment.pools.size(); ++p) {
    size_t size = deployment.pools[p].set_size;
    size_t sets = deployment.pools[p].drives.size() / size;
    for (size_t s = 0; s < sets; ++s, ++set) {
      uint64_t free = 0;
      for (const auto& d : set_drives[set]) {
        auto c = d->disk_info(Deadline::after(std::chrono::seconds(2)), false);
        if (c && c->free > c->reserve) free += c->free - c->reserve;
      }
      total += free / size * (size - static_cast<size_t>(parities[p].standard));
    }
  }
  return total;
}

// The banner's lines of the drives: one line for one pool, else one per pool.
template <typename Parities>
std::string pool_lines(const cluster::Deployment& deployment, const Parities& parities) {
  std::string out;
  auto drives = [&](size_t p) {
    const auto& pool = deployment.pools[p];
    return std::to_string(pool.drives.size()) + " in " +
           std::to_string(pool.drives.size() / pool.set_size) + " erasure set(s) of " +
           std::to_string(pool.set_size);
  };
  auto parity = [&](size_t p) {
    return "EC:" + std::to_string(parities[p].standard) + " (STANDARD), EC:" +
           std::to_string(parities[p].reduced) + " (REDUCED_REDUNDANCY)";
  };
  if (deployment.pools.size() == 1) {
    return "  Drives:      " + drives(0) + "\n  Parity:      " + parity(0) + "\n";
  }
  for (size_t p = 0; p < deployment.pools.size(); ++p) {
    out += "  Pool " + std::to_string(p + 1) + ":      " + drives(p) + ", parity " + parity(p) +
           "\n";
  }
  return out;
}

// One banner line per drive at its reserve: it serves reads, not writes.
std::string full_drive_lines(const std::vector<std::shared_ptr<storage::Drive>>& drives) {
  std::string out;
  for (const auto& d : drives) {
    auto c = d->disk_info(Deadline::after(std::chrono::seconds(2)), true);
    if (!c || !c->full()) continue;
    out += "  Full:        " + d->endpoint() + ": " + format_size(c->free) + " free of " +
           format_size(c->total) + ", reserve " + format_size(c->reserve) +
           "; reads are served, writes to it are refused until space is freed\n";
  }
  return out;
}

// The banner's line on TLS (none for plain HTTP).
std::string tls_line(const ServerTls& tls) {
  if (!tls.certs) return "";
  std::string out = "  TLS:         " + tls.certs->dir() + "/" + http::TlsCerts::kCertFile +
                    " (TLS 1.2+; a changed certificate is served without a restart)";
  if (tls.extra_cas > 0) {
    out += "; peers verified with the system CAs and " + std::to_string(tls.extra_cas) +
           " from " + tls.certs->dir() + "/CAs";
  }
  return out + "\n";
}

// The nodes of the deployment and their drives; a single node is named by
// its --address.
std::vector<AdminNode> admin_nodes(const cluster::Topology& topology,
                                   const http::ServerOptions& http_options,
                                   const std::shared_ptr<cluster::InternodeClient>& client) {
  std::vector<AdminNode> nodes;
  if (!topology.distributed()) {
    std::string host = http_options.host == "0.0.0.0" ? asio::ip::host_name() : http_options.host;
    std::string scheme = http_options.tls ? "https://" : "http://";
    AdminNode self{scheme + host + ":" + std::to_string(http_options.port), nullptr, {}};
    for (size_t i = 0; i < topology.drives.size(); ++i) self.drives.push_back(i);
    nodes.push_back(std::move(self));
    return nodes;
  }
  for (const auto& name : topology.nodes) {
    AdminNode node{topology.url(name), nullptr, {}};
    if (name != topology.self) node.health = client->peer(node.endpoint);
    for (size_t i = 0; i < topology.drives.size(); ++i) {
      if (topology.drives[i].node == name) node.drives.push_back(i);
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace

int run_server(const ServerConfig& config) {
  init_logging(config.debug);
  // Listing pages and XML documents of a few hundred KiB are built and freed
  // by every request thread. glibc serves blocks that size with mmap and
  // gives them back at once (and trims arena tops past 128 KiB), so each
  // page costs fresh page faults. Keep them in the arenas instead; the idle
  // trim (schedule_idle_trim) still hands memory back between bursts.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  http::ServerOptions http_options;
  if (!parse_address(config.address, http_options.host, http_options.port)) {
    std::cerr << "silo server: --address must look like :9000 or 127.0.0.1:9000, not '"
              << config.address << "'\n";
    return 2;
  }
  auto deployment = cluster::parse_deployment(config.drives, http_options.host, http_options.port);
  if (!deployment) {
    std::cerr << "silo server: " << deployment.error().text() << "\n";
    return 2;
  }
  auto tls = setup_tls(config.certs_dir, *deployment);
  if (!tls) {
    std::cerr << "silo server: " << tls.error().text() << "\n";
    return 2;
  }
  http_options.tls = tls->certs;
  storage::ManagedDriveOptions drive_options;
  if (!config.min_free.empty()) {
    auto min_free = storage::parse_min_free(config.min_free);
    if (!min_free) {
      std::cerr << "silo server: " << min_free.error().text() << "\n";
      return 2;
    }
    drive_options.local.min_free = *min_free;
  }
  auto stale_age = parse_duration_ns(config.stale_uploads_expiry);
  if (!stale_age) {
    std::cerr << "silo server: --stale-uploads-expiry must look like 24h, 30m or 90s\n";
    return 2;
  }
  for (auto [name, value, field] :
       {std::tuple{"--idle-timeout", &config.idle_timeout, &http_options.idle_timeout},
        std::tuple{"--header-timeout", &config.header_timeout, &http_options.header_timeout},
        std::tuple{"--io-timeout", &config.io_timeout, &http_options.io_timeout}}) {
    auto ns = parse_duration_ns(*value);
    if (!ns || *ns <= 0) {
      std::cerr << "silo server: " << name << " must look like 90s, 5m or 1h\n";
      return 2;
    }
    *field = std::chrono::seconds(*ns / 1'000'000'000);
  }
  // A TLS handshake is the first thing a request sends: it gets the time a
  // header gets (a client that connects and says nothing is let go as soon).
  http_options.handshake_timeout = http_options.header_timeout;
  auto drive_timeout = parse_duration_ns(config.drive_timeout);
  if (!drive_timeout || *drive_timeout < 1'000'000) {
    std::cerr << "silo server: --drive-timeout must look like 30s, 500ms or 2m\n";
    return 2;
  }
  // Connections beyond what descriptors allow would starve the drives.
  http_options.max_connections = config.max_connections > 0
                                     ? config.max_connections
                                     : std::clamp<size_t>(raise_descriptor_limit() / 2, 16, 10000);
  // Parity is per pool: its sets may be of another size than the first's.
  struct PoolParity {
    int standard = 0;
    int reduced = 0;
    size_t read_quorum = 1;  // k = set size - parity drives of a set
  };
  std::vector<PoolParity> parities;
  for (const auto& pool : deployment->pools) {
    auto standard = parity_from_env("SILO_STORAGE_CLASS_STANDARD",
                                    cluster::default_parity(pool.set_size), pool.set_size);
    auto reduced = parity_from_env("SILO_STORAGE_CLASS_RRS", 1, pool.set_size);
    if (!standard || !reduced) {
      std::cerr << "silo server: " << (!standard ? standard.error() : reduced.error()).text() << "\n";
      return 2;
    }
    parities.push_back({*standard, std::min(*reduced, *standard == 0 ? 0 : *reduced),
                        pool.set_size - static_cast<size_t>(*standard)});
  }

  const char* user_env = std::getenv("SILO_ROOT_USER");
  const char* password_env = std::getenv("SILO_ROOT_PASSWORD");
  std::string user = user_env && *user_env ? user_env : kDefaultUser;
  std::string password = password_env && *password_env ? password_env : kDefaultPassword;
  bool default_credentials = !(user_env && *user_env) || !(password_env && *password_env);
  if (user.size() < 3 || password.size() < 8) {
    std::cerr << "silo server: SILO_ROOT_USER needs at least 3 characters and "
                 "SILO_ROOT_PASSWORD at least 8\n";
    return 2;
  }
  // Default credentials are public knowledge: serve them on loopback only.
  if (http_options.host.empty()) {
    http_options.host = default_credentials ? "127.0.0.1" : "0.0.0.0";
  } else if (default_credentials && !is_loopback_host(http_options.host)) {
    std::cerr << "silo server: refusing to listen on " << http_options.host
              << " with the default credentials: anyone who can reach it would have full "
                 "access.\n  Set SILO_ROOT_USER and SILO_ROOT_PASSWORD (at least 8 characters), "
                 "e.g.\n    export SILO_ROOT_USER=admin SILO_ROOT_PASSWORD=$(openssl rand -hex 16)\n"
                 "  or listen on loopback only (--address 127.0.0.1:"
              << http_options.port << ").\n";
    return 2;
  }

  // SSE-S3's master key; without it SSE-S3 requests are refused.
  auto kms = crypto::Kms::from_env();
  if (!kms) {
    std::cerr << "silo server: " << kms.error().text() << "\n";
    return 2;
  }

  unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  // Blocking threads mostly wait for fsync; small synced writes are grouped
  // by RocksDB only among threads that wait together, so the pool is sized
  // for many concurrent requests, not for the cores (measured: 32 threads
  // give ~10% more 4 KiB PUTs than 16 at 32 clients).
  asio::thread_pool blocking(std::max(32u, cores * 16));
  auto call_timeout = std::chrono::milliseconds(*drive_timeout / 1'000'000);
  // A drive whose calls wait a whole timeout without any answer hangs.
  drive_options.stall_after = call_timeout;
  std::string token = cluster::internode_token(user, password);
  std::shared_ptr<cluster::InternodeClient> internode_client;
  // Each pool's layout, in pool order; the first pool's deployment id is
  // every pool's.
  std::vector<PoolLayout> layouts;
  // Every drive of every pool in set order; the ones on this node are also
  // managed here (monitored, reopened, replaced).
  std::vector<std::shared_ptr<storage::Drive>> drives;
  struct OwnDrive {
    size_t index;  // in `drives`
    size_t pool;
    size_t slot;   // in its pool's layout
    std::shared_ptr<storage::ManagedDrive> drive;
  };
  std::vector<OwnDrive> local;
  auto add_pool = [&](PoolLayout layout, std::vector<std::shared_ptr<storage::Drive>> pool_drives,
                      std::vector<std::pair<size_t, std::shared_ptr<storage::ManagedDrive>>> own) {
    for (auto& [i, d] : own) local.push_back({drives.size() + i, layouts.size(), i, d});
    drives.insert(drives.end(), pool_drives.begin(), pool_drives.end());
    layouts.push_back(std::move(layout));
  };
  // Distributed: the node's lock table, served from the start (settling at
  // start takes key locks on every node) until the node stops.
  auto lock_server = std::make_shared<cluster::LockServer>();
  cluster::LockService lock_service(lock_server, token);
  std::unique_ptr<StartingListener> starting;
  if (deployment->distributed()) {
    cluster::InternodeOptions internode_options;
    internode_options.ca_pem = tls->peer_cas;
    internode_client = std::make_shared<cluster::InternodeClient>(token, internode_options);
    auto all = deployment->all_drives();
    std::cout << "Joining a deployment of " << deployment->nodes.size() << " nodes ("
              << all.drives.size() << " drives";
    if (deployment->pools.size() > 1) std::cout << " in " << deployment->pools.size() << " pools";
    std::cout << ") as " << deployment->self << std::endl;
    auto listener = StartingListener::start(all, http_options, token, lock_service);
    if (!listener) {
      std::cerr << "silo server: " << listener.error().text() << "\n";
      return 1;
    }
    starting = std::move(*listener);
  }
  // Each pool on its own; the first pool's deployment id is every pool's.
  for (size_t p = 0; p < deployment->pools.size(); ++p) {
    const auto& pool = deployment->pools[p];
    std::string id = layouts.empty() ? std::string() : layouts[0].deployment_id;
    Result<PoolLayout> layout = fail(ErrorCode::kInternalError, "no layout");
    if (deployment->distributed()) {
      layout = join_cluster(pool, internode_client, parities[p].read_quorum,
                            stop_requested_while_starting(), id);
    } else {
      std::vector<std::string> paths;
      for (const auto& d : pool.drives) paths.push_back(d.path);
      layout = prepare_drives(paths, pool.set_size, parities[p].read_quorum, id);
    }
    if (!layout) {
      std::cerr << "silo server: "
                << (deployment->pools.size() > 1 ? "pool " + std::to_string(p + 1) + ": " : "")
                << layout.error().text() << "\n";
      return 1;
    }
    // This node's drives by their folders from here on (replacements are
    // formatted there).
    if (deployment->distributed()) {
      for (size_t i = 0; i < pool.drives.size(); ++i) {
        if (pool.drives[i].local) layout->drives[i].path = pool.drives[i].path;
      }
    }
    std::vector<std::pair<size_t, std::shared_ptr<storage::ManagedDrive>>> own;
    auto pool_drives = cluster_drives(pool, *layout, drive_options, internode_client, own);
    add_pool(std::move(*layout), std::move(pool_drives), std::move(own));
  }
  if (deployment->distributed()) {
    spdlog::info("joined deployment {}: drives open", layouts[0].deployment_id);
  }
  const std::string& deployment_id = layouts[0].deployment_id;
  for (size_t p = 0; p < deployment->pools.size(); ++p) {
    const auto& pool = deployment->pools[p];
    if (pool.distributed() && pool.max_per_node > static_cast<size_t>(parities[p].standard)) {
      spdlog::warn("one node holds {} drives of an erasure set but the parity is EC:{}: reads "
                   "stop while that node is down",
                   pool.max_per_node, parities[p].standard);
    }
  }
  object::ErasureSetOptions set_options;
  set_options.standard_parity = parities[0].standard;
  set_options.reduced_parity = parities[0].reduced;
  set_options.drive_timeout = call_timeout;
  object::PoolsOptions pools_options;
  if (deployment->distributed()) {
    // Key and upload locks on a majority of the nodes, one peer per node.
    std::vector<std::shared_ptr<cluster::LockPeer>> lock_peers;
    for (const auto& node : deployment->nodes) {
      if (node == deployment->self) {
        lock_peers.push_back(std::make_shared<cluster::LocalLockPeer>(lock_server));
      } else {
        lock_peers.push_back(
            std::make_shared<cluster::RemoteLockPeer>(internode_client, deployment->url(node)));
      }
    }
    auto dist_locks = [&](std::string prefix) {
      cluster::DistLocksOptions o;
      o.owner = deployment->self;
      o.prefix = std::move(prefix);
      return std::make_shared<cluster::DistLocks>(lock_peers, o);
    };
    set_options.key_locks = dist_locks("k:");
    set_options.upload_locks = dist_locks("u:");
    if (deployment->pools.size() > 1) pools_options.pool_locks = dist_locks("p:");
  }
  std::vector<object::Pool> pools;
  // Every set's drives, in set order (for the admin API).
  std::vector<std::vector<std::shared_ptr<storage::Drive>>> set_drives;
  size_t first = 0;
  for (size_t p = 0; p < deployment->pools.size(); ++p) {
    const auto& pool = deployment->pools[p];
    object::ErasureSetOptions options = set_options;
    options.standard_parity = parities[p].standard;
    options.reduced_parity = parities[p].reduced;
    object::Pool made;
    made.name = pool.spec;
    for (size_t s = 0; s < pool.drives.size() / pool.set_size; ++s) {
      auto begin = drives.begin() + static_cast<long>(first + s * pool.set_size);
      std::vector<std::shared_ptr<storage::Drive>> members(begin, begin + static_cast<long>(pool.set_size));
      set_drives.push_back(members);
      made.sets.push_back(std::make_unique<object::ErasureSet>(std::move(members), options));
    }
    first += pool.drives.size();
    pools.push_back(std::move(made));
  }
  // Bucket configuration changes made here are told to the other nodes.
  std::unique_ptr<cluster::PeerEvents> peer_events;
  if (deployment->distributed()) {
    std::vector<std::string> peers;
    for (const auto& node : deployment->nodes) {
      if (node != deployment->self) peers.push_back(deployment->url(node));
    }
    peer_events = std::make_unique<cluster::PeerEvents>(internode_client, peers);
  }
  pools_options.events = peer_events.get();
  object::Pools layer(std::move(pools), deployment_id, pools_options);
  // Before serving: settle the changes a crash interrupted between drives.
  if (size_t settled = layer.resolve_pending()) {
    spdlog::info("settled {} change(s) interrupted by the last stop", settled);
  }
  // A pool added to the deployment gets the buckets the others have.
  layer.sync_buckets();
  object::HealerOptions heal_options;
  if (const char* rate = std::getenv("SILO_HEAL_RATE")) heal_options.scan_rate = std::atof(rate);
  if (const char* every = std::getenv("SILO_SCANNER_INTERVAL")) {
    if (auto ns = parse_duration_ns(every)) heal_options.scan_interval_s = *ns / 1'000'000'000;
  }
  object::Healer healer(layer, heal_options);
  bool any_replaced = false;
  for (const auto& layout : layouts) {
    for (const auto& slot : layout.drives) any_replaced = any_replaced || slot.replaced;
  }
  if (any_replaced) healer.start_background_heal("replaced drive(s)");
  // A drive folder that comes back empty while running is a replacement too.
  for (auto& own : local) {
    own.drive->set_replacement(
        [&layout = layouts[own.pool], slot = own.slot] { return format_replacement(layout, slot); },
        [&healer] { healer.start_background_heal("replaced drive"); });
  }
  // Decommission and rebalance; resumed here when this node ran them.
  object::PoolJobsOptions jobs_options;
  if (deployment->distributed()) jobs_options.self = deployment->self;
  object::PoolJobs pool_jobs(layer, jobs_options);
  pool_jobs.start();
  ServerAdmin admin(layer, healer, pool_jobs, drives, set_drives, deployment_id, set_options,
                    admin_nodes(deployment->all_drives(), http_options, internode_client));

  // Watches drive identity; takes vanished drives offline and brings them back.
  // Stopped and joined on every way out of this function.
  std::jthread monitor([&local](std::stop_token stop) {
    while (!stop.stop_requested()) {
      for (auto& own : local) own.drive->check();
      for (int i = 0; i < 10 && !stop.stop_requested(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });

  // Users, groups, policies and access keys: the deployment's, kept in the
  // system bucket; loaded now (a node that cannot read them yet serves the
  // root user and keeps trying) and reloaded when a peer changes them.
  server::DeploymentIamBackend iam_backend(layer);
  iam::IamStore iam(user, password, &iam_backend);
  if (auto s = iam.reload(); !s) spdlog::error("IAM: {}", s.error().text());
  iam.start_refresh(std::chrono::seconds(5));

  // The main loop runs the acceptor, signals and timers; connections get
  // one event loop per core of their own (http::Server).
  asio::io_context io(1);
  http_options.threads = cores;
  s3::S3Config s3_config;
  s3_config.region = config.region;
  s3_config.domains = config.domains;
  s3_config.stale_upload_age_ns = *stale_age;
  s3_config.scheme = tls->certs ? "https" : "http";
  s3::Services services{layer, iam, blocking, std::move(s3_config), &admin};
  if (*kms) services.kms = &**kms;
  // This node's drives and locks for the other nodes, and their news of
  // bucket changes.
  std::unique_ptr<cluster::DriveService> drive_service;
  std::unique_ptr<cluster::PeerEventService> event_service;
  std::unique_ptr<cluster::InternodeRouter> internode_router;
  if (deployment->distributed()) {
    std::map<std::string, std::shared_ptr<storage::Drive>> own;
    auto all = deployment->all_drives();
    for (auto& o : local) own[all.drives[o.index].path] = o.drive;
    drive_service = std::make_unique<cluster::DriveService>(std::move(own), token, blocking);
    event_service = std::make_unique<cluster::PeerEventService>(
        token, [&layer, &iam](std::string_view bucket) {
          layer.forget_bucket(bucket);
          if (bucket == object::kSystemBucket) iam.poke();
        });
    internode_router = std::make_unique<cluster::InternodeRouter>(
        drive_service.get(), &lock_service, event_service.get());
    services.internode = internode_router.get();
  }
  s3::S3Handler handler(services);
  http::Server server(io, http_options, handler);
  // The starting listener hands the address over.
  if (starting) starting->stop();
  if (auto s = server.start(); !s) {
    std::cerr << "silo server: " << s.error().text() << "\n";
    return 1;
  }

  std::string shown_host = http_options.host == "0.0.0.0" ? "127.0.0.1" : http_options.host;
  std::cout << "Silo object storage server\n"
            << "  API:         " << (tls->certs ? "https://" : "http://") << shown_host << ":"
            << server.port() << "\n"
            << tls_line(*tls)
            << pool_lines(*deployment, parities)
            << "  Capacity:    " << format_size(usable_bytes(set_drives, parities, *deployment))
            << " usable (free space above each drive's reserve, less parity)\n"
            << full_drive_lines(drives)
            << "  Region:      "
            << (config.region.empty()
                    ? std::string("any (requests signed for any region are accepted; --region NAME "
                                  "restricts them)")
                    : config.region + " only (requests signed for another region are refused)")
            << "\n"
            << "  RootUser:    " << user
            << (user_env && *user_env ? " (from SILO_ROOT_USER)" : " (default)") << "\n"
            << "  RootPass:    "
            << (password_env && *password_env ? "from SILO_ROOT_PASSWORD (not shown)"
                                              : "the default (see README; not shown)")
            << "\n"
            << "  KMS:         "
            << (*kms ? "key '" + (*kms)->key_name() + "' from SILO_KMS_SECRET_KEY (SSE-S3 on)"
                     : std::string("none (SSE-S3 refused; set SILO_KMS_SECRET_KEY)"))
            << "\n";
  if (default_credentials) {
    std::cout << "\nWARNING: default credentials in use, so the server listens on loopback "
                 "only.\n         Set SILO_ROOT_USER and SILO_ROOT_PASSWORD to change them and "
                 "serve other interfaces.\n";
  }
  std::cout << std::flush;

  auto cleanup_timer = std::make_shared<asio::steady_timer>(io);
  schedule_upload_cleanup(io, blocking, layer, *stale_age, cleanup_timer);
  auto trim_timer = std::make_shared<asio::steady_timer>(io);
  schedule_idle_trim(server, trim_timer);
  // SILO_LIFECYCLE_INTERVAL: seconds between lifecycle passes (default an
  // hour); SILO_LIFECYCLE_DAY: seconds in a lifecycle "day" (tests).
  server::LifecycleOptions lifecycle;
  std::chrono::seconds lifecycle_every(3600);
  if (const char* v = std::getenv("SILO_LIFECYCLE_INTERVAL"); v && std::atoll(v) > 0) {
    lifecycle_every = std::chrono::seconds(std::atoll(v));
  }
  if (const char* v = std::getenv("SILO_LIFECYCLE_DAY"); v && std::atoll(v) > 0) {
    lifecycle.day_ns = std::atoll(v) * 1'000'000'000LL;
  }
  auto lifecycle_timer = std::make_shared<asio::steady_timer>(io);
  schedule_lifecycle(blocking, layer, lifecycle_every, lifecycle, lifecycle_timer);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(io);
  auto deadline = std::chrono::steady_clock::time_point::max();
  // Polls until in-flight requests are done (or 30 s passed), then stops the
  // event loop. Lives as long as run_server, which outlives the loop.
  std::function<void()> wait_drain = [&] {
    if (server.active() == 0 || std::chrono::steady_clock::now() > deadline) {
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(50));
    drain_timer.async_wait([&](boost::system::error_code) { wait_drain(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: finishing in-flight requests", sig);
    server.stop();
    cleanup_timer->cancel();
    trim_timer->cancel();
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    wait_drain();
  });

  io.run();
  server.join();
  blocking.join();
  monitor.request_stop();
  monitor.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace silo::server
