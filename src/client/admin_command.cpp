#include "client/admin_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/admin_iam.h"
#include "client/alias_config.h"
#include "client/s3_client.h"
#include "client/trust.h"
#include "common/strings.h"

namespace silo::client {

namespace {

std::string env_or(const char* a, const char* b) {
  if (const char* v = std::getenv(a); v && *v) return v;
  if (const char* v = std::getenv(b); v && *v) return v;
  return {};
}

// 1.5 GiB, 12 MiB, 300 B.
std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (b >= 1024 && u < 5) b /= 1024, ++u;
  char out[32];
  std::snprintf(out, sizeof out, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return out;
}

std::string human_seconds(double s) {
  char out[32];
  int whole = static_cast<int>(s);
  if (s < 60) {
    std::snprintf(out, sizeof out, "%.1f s", s);
  } else if (s < 3600) {
    std::snprintf(out, sizeof out, "%dm%02ds", whole / 60, whole % 60);
  } else {
    std::snprintf(out, sizeof out, "%dh%02dm", whole / 3600, whole % 3600 / 60);
  }
  return out;
}

uint64_t u64(const nlohmann::json& j, const char* key) { return j.value(key, uint64_t{0}); }

// "1200 of 5000 objects (1.2 GiB of 4.0 GiB) scanned, 3 healed (2 shards,
// 12 MiB), 240 objects/s, 80 MiB/s, ETA 16 s": a heal or scanner run.
std::string heal_line(const nlohmann::json& j) {
  std::string line = std::to_string(u64(j, "objects_scanned"));
  if (j.value("running", false) && u64(j, "objects_total")) {
    line += " of " + std::to_string(u64(j, "objects_total"));
  }
  line += " objects (" + human_bytes(static_cast<double>(u64(j, "bytes_scanned")));
  if (j.value("running", false) && u64(j, "bytes_total")) {
    line += " of " + human_bytes(static_cast<double>(u64(j, "bytes_total")));
  }
  line += ") scanned, " + std::to_string(u64(j, "objects_healed")) + " healed (" +
          std::to_string(u64(j, "shards_healed")) + " shards, " +
          human_bytes(static_cast<double>(u64(j, "bytes_healed"))) + "), " +
          std::to_string(static_cast<uint64_t>(j.value("objects_per_second", 0.0))) +
          " objects/s, " + human_bytes(j.value("bytes_per_second", 0.0)) + "/s";
  if (j.value("running", false)) {
    const auto& eta = j.contains("eta_seconds") ? j["eta_seconds"] : nlohmann::json();
    line += eta.is_number() ? ", ETA " + human_seconds(eta.get<double>()) : ", ETA unknown";
  } else {
    line += ", in " + human_seconds(j.value("seconds", 0.0));
  }
  uint64_t errors = u64(j, "errors");
  if (errors) line += ", " + std::to_string(errors) + " error(s)";
  return line;
}

// The scanner's state for `silo admin info`.
void print_scanner(const nlohmann::json& j) {
  if (!j.is_object() || u64(j, "id") == 0) {
    std::cout << "Scanner: no run yet\n";
  } else if (j.value("running", false)) {
    std::cout << "Scanner: running (" << j.value("scope", "") << "): " << heal_line(j) << "\n";
  } else {
    std::cout << "Scanner: last run finished " << j.value("finished", "") << ": " << heal_line(j)
              << "\n";
  }
  if (j.is_object() && u64(j, "queued")) {
    std::cout << "Heal queue: " << u64(j, "queued") << " object(s) reported by reads\n";
  }
}

// One line per node: "online   http://10.0.0.1:9000 (this node)  2/2 drives
// online, 1.2 GiB used of 3.6 TiB".
void print_nodes(const nlohmann::json& nodes) {
  if (!nodes.is_array() || nodes.empty()) return;
  size_t up = 0;
  for (const auto& n : nodes) up += n.value("state", "") == "online";
  std::cout << "Nodes: " << up << " of " << nodes.size() << " online\n";
  for (const auto& n : nodes) {
    bool online = n.value("state", "") == "online";
    std::cout << "  " << (online ? "online " : "OFFLINE") << "  " << n.value("endpoint", "")
              << (n.value("this_node", false) ? " (this node)" : "") << "  "
              << u64(n, "drives_online") << "/" << u64(n, "drives_total") << " drives online, ";
    if (u64(n, "total")) {
      std::cout << human_bytes(static_cast<double>(u64(n, "used"))) << " used of "
                << human_bytes(static_cast<double>(u64(n, "total")));
    } else {
      std::cout << "usage unknown";
    }
    std::cout << "\n";
  }
}

void print_info(const nlohmann::json& j) {
  std::cout << "Silo " << j.value("version", "?") << ", up " << j.value("uptime_seconds", 0)
            << " s, deployment " << j.value("deployment_id", "?") << "\n";
  std::cout << "Parity: EC:" << j.value("standard_parity", 0) << " (STANDARD), EC:"
            << j.value("reduced_redundancy_parity", 0) << " (REDUCED_REDUNDANCY)\n";
  print_nodes(j.contains("nodes") ? j["nodes"] : nlohmann::json());
  auto pools = j.value("pools", nlohmann::json::array());
  if (pools.size() > 1) {
    std::cout << "Pools:\n";
    for (const auto& p : pools) {
      std::cout << "  " << p.value("number", 0) << "  " << p.value("name", "") << "  "
                << human_bytes(static_cast<double>(u64(p, "used"))) << " used, "
                << human_bytes(static_cast<double>(u64(p, "free"))) << " free";
      std::string state = p.contains("decommission") ? p["decommission"].value("state", "") : "";
      if (state == "running") std::cout << ", being decommissioned (takes no new objects)";
      else if (state == "complete") std::cout << ", decommissioned: remove it from the command line";
      else if (!p.value("accepting", true)) std::cout << ", takes no new objects";
      std::cout << "\n";
    }
  }
  for (const auto& set : j.value("sets", nlohmann::json::array())) {
    std::cout << "Erasure set " << set.value("index", 0) << ":\n";
    for (const auto& d : set.value("drives", nlohmann::json::array())) {
      bool online = d.value("state", "") == "online";
      bool full = online && d.value("full", false);
      std::cout << "  " << (!online ? "OFFLINE" : full ? "FULL   " : "online ") << "  "
                << d.value("path", "");
      if (online && d.contains("total")) {
        double total = static_cast<double>(u64(d, "total"));
        std::cout << "  " << human_bytes(static_cast<double>(u64(d, "free"))) << " free of "
                  << human_bytes(total) << ", reserve "
                  << human_bytes(static_cast<double>(u64(d, "reserve")));
        if (total > 0) {
          std::cout << ", " << static_cast<int>(100.0 * static_cast<double>(u64(d, "used")) / total)
                    << "% used";
        }
      }
      std::cout << "\n";
    }
    if (!set.value("writable", true)) {
      std::cout << "  (this set cannot take writes: too few drives online with room)\n";
    }
  }
}

// Buckets, objects and bytes, summed from listings (the info answer has no usage).
S3Result<nlohmann::json> usage(S3Client& c) {
  auto buckets = c.list_buckets();
  if (!buckets) return std::unexpected(buckets.error());
  uint64_t objects = 0, bytes = 0;
  for (const auto& b : *buckets) {
    ListOptions o;
    while (true) {
      auto page = c.list_objects_v2(b.name, o);
      if (!page) return std::unexpected(page.error());
      for (const auto& obj : page->objects) ++objects, bytes += obj.size;
      if (!page->is_truncated || page->next_continuation_token.empty()) break;
      o.continuation_token = page->next_continuation_token;
    }
  }
  return nlohmann::json{{"buckets", buckets->size()}, {"objects", objects}, {"bytes", bytes}};
}

void print_usage(const nlohmann::json& u) {
  std::cout << "Usage: " << u.value("bytes", 0ull) << " bytes in " << u.value("objects", 0ull)
            << " objects, " << u.value("buckets", 0ull) << " buckets\n";
}

void print_heal(const nlohmann::json& j) {
  std::cout << "Healed " << u64(j, "objects_healed") << " of " << u64(j, "objects_scanned")
            << " objects (" << u64(j, "shards_healed") << " shards, "
            << human_bytes(static_cast<double>(u64(j, "bytes_healed"))) << "); scanned "
            << human_bytes(static_cast<double>(u64(j, "bytes_scanned"))) << " in "
            << human_seconds(j.value("seconds", 0.0)) << " ("
            << static_cast<uint64_t>(j.value("objects_per_second", 0.0)) << " objects/s, "
            << human_bytes(j.value("bytes_per_second", 0.0)) << "/s)";
  uint64_t errors = u64(j, "errors");
  if (errors) std::cout << "; " << errors << " object(s) could not be healed: see the server log";
  std::cout << "\n";
}

// Starts a heal in the background and follows it until it ends, showing its
// progress on stderr (one line, redrawn, on a terminal); returns the final
// progress as the server's JSON.
S3Result<std::string> follow_heal(S3Client& c, const std::string& query, bool show) {
  auto started = c.admin("POST", "heal", query + (query.empty() ? "" : "&") + "background=true");
  if (!started) return started;
  auto first = nlohmann::json::parse(*started, nullptr, false);
  // A server that heals only synchronously answers when it is done.
  if (!first.is_object() || !first.value("running", false)) return started;
  uint64_t id = u64(first, "id");
  bool tty = show && ::isatty(STDERR_FILENO);
  auto last_line = std::chrono::steady_clock::now();
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto now_json = c.admin("GET", "heal", "kind=heal");
    if (!now_json) return now_json;
    auto j = nlohmann::json::parse(*now_json, nullptr, false);
    if (!j.is_object()) return now_json;
    bool done = !j.value("running", false) || u64(j, "id") != id;
    auto now = std::chrono::steady_clock::now();
    if (show && !done && (tty || now - last_line >= std::chrono::seconds(5))) {
      std::cerr << (tty ? "\r\033[K" : "") << "Healing " << j.value("scope", "") << ": "
                << heal_line(j) << (tty ? "" : "\n") << std::flush;
      last_line = now;
    }
    if (done) {
      if (tty) std::cerr << "\r\033[K" << std::flush;
      return now_json;
    }
  }
}

// An error on stderr, or as a --json record on stdout; returns `rc`.
int fail(const AdminOptions& o, int rc, const std::string& code, int http_status,
         const std::string& message) {
  if (o.json) {
    nlohmann::json err = {{"command", "admin " + o.action}, {"target", o.alias},
                          {"code", code}, {"httpStatus", http_status}, {"message", message}};
    std::cout << nlohmann::json{{"status", "error"}, {"error", err}}.dump() << "\n";
  } else {
    std::cerr << "silo admin" << (o.action.empty() ? "" : " " + o.action) << ": " << message << "\n";
  }
  return rc;
}

}  // namespace

// ---- decommission and rebalance

namespace {

std::string job_line(const nlohmann::json& j) {
  char line[256];
  double eta = j.contains("eta_seconds") && j["eta_seconds"].is_number()
                   ? j["eta_seconds"].get<double>()
                   : -1;
  std::snprintf(line, sizeof line, "%s: %.1f%%, %llu object(s) and %s moved, %s left, %s/s%s%s",
                j.value("state", "").c_str(), j.value("percent", 0.0),
                static_cast<unsigned long long>(u64(j, "objects_moved")),
                human_bytes(static_cast<double>(u64(j, "bytes_moved"))).c_str(), human_bytes(static_cast<double>(u64(j, "bytes_left"))).c_str(),
                human_bytes(j.value("bytes_per_second", 0.0)).c_str(),
                eta >= 0 ? ", about " : "",
                eta >= 0 ? (std::to_string(static_cast<long long>(eta + 0.5)) + " s left").c_str()
                         : "");
  std::string out = line;
  if (u64(j, "objects_failed")) out += ", " + std::to_string(u64(j, "objects_failed")) + " failed";
  return out;
}

}  // namespace

S3Result<int> run_pool_job(const AdminOptions& o, S3Client& c) {
  std::string path = "pools/" + o.action;
  std::string query = o.pool.empty() ? "" : "pool=" + uri_encode(o.pool, false);
  std::string what = o.action == "decommission" ? "Decommission of pool " + o.pool : "Rebalance";
  S3Result<std::string> body = o.job_action == "status"
                                   ? c.admin("GET", path, query)
                                   : c.admin("POST", path,
                                             query + (query.empty() ? "" : "&") + "action=" +
                                                 o.job_action);
  if (!body) return std::unexpected(body.error());
  auto j = nlohmann::json::parse(*body, nullptr, false);
  bool follow = !o.no_wait && !o.json && o.job_action != "cancel" && o.job_action != "stop" &&
                j.is_object() && j.value("state", "") == "running";
  bool tty = ::isatty(STDERR_FILENO);
  auto last_line = std::chrono::steady_clock::now() - std::chrono::hours(1);
  while (follow) {
    auto now = std::chrono::steady_clock::now();
    if (tty || now - last_line >= std::chrono::seconds(5)) {
      std::cerr << (tty ? "\r\033[K" : "") << what << " " << job_line(j) << (tty ? "" : "\n")
                << std::flush;
      last_line = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    body = c.admin("GET", path, query);
    if (!body) return std::unexpected(body.error());
    j = nlohmann::json::parse(*body, nullptr, false);
    if (!j.is_object() || j.value("state", "") != "running") {
      if (tty) std::cerr << "\r\033[K" << std::flush;
      break;
    }
  }
  if (o.json) {
    if (j.is_object()) j["status"] = "success";
    std::cout << (j.is_object() ? j.dump() : *body) << "\n";
    return 0;
  }
  if (!j.is_object()) {
    std::cout << *body << "\n";
    return 0;
  }
  std::string state = j.value("state", "");
  std::cout << what << " " << job_line(j) << "\n";
  if (!j.value("error", "").empty()) std::cout << "  last error: " << j.value("error", "") << "\n";
  if (o.action == "decommission" && state == "complete") {
    std::cout << "  The pool is empty: remove its argument from the command line of every node "
                 "and restart them.\n";
  }
  if (state == "running" && (o.no_wait || o.job_action == "start")) {
    std::cout << "  Follow it with: silo admin " << o.action << " status " << o.alias
              << (o.pool.empty() ? "" : " " + o.pool) << "\n";
  }
  return state == "failed" ? 1 : 0;
}

CLI::App* add_admin_command(CLI::App& app, AdminOptions& o) {
  auto* cmd = app.add_subcommand(
      "admin",
      "Administer a Silo server (info, heal, decommission, rebalance, user, group, policy, "
      "accesskey)");
  cmd->add_option("ACTION", o.action,
                  "info, heal, decommission, rebalance, user, group, policy or accesskey")
      ->required()
      ->check(CLI::IsMember({"info", "heal", "decommission", "rebalance", "user", "group",
                             "policy", "accesskey"}));
  cmd->add_option("ALIAS", o.words,
                  "Alias of the server (instead of --endpoint and the keys); heal takes "
                  "ALIAS[/BUCKET[/PREFIX]]; decommission takes start|status|cancel ALIAS POOL, "
                  "rebalance start|status|stop ALIAS");
  cmd->add_option("--endpoint", o.endpoint, "Server URL (default http://127.0.0.1:9000)");
  cmd->add_option("--access-key", o.access_key,
                  "Access key to sign with, when no ALIAS is given (or SILO_ACCESS_KEY / "
                  "SILO_ROOT_USER); accesskey create with an ALIAS: the new key");
  cmd->add_option("--secret-key", o.secret_key,
                  "Secret key to sign with, when no ALIAS is given (or SILO_SECRET_KEY / "
                  "SILO_ROOT_PASSWORD); accesskey create with an ALIAS: the new secret");
  cmd->add_option("--user", o.iam_user, "policy attach|detach: the user");
  cmd->add_option("--group", o.iam_group, "policy attach|detach: the group");
  cmd->add_option("--policy", o.policy_file, "accesskey create: a policy file narrowing the key");
  cmd->add_option("--name", o.key_name, "accesskey create: a name for the key");
  cmd->add_option("--description", o.key_description, "accesskey create: a description");
  cmd->add_option("--expiry", o.expiry, "accesskey create: when the key expires (2030-01-01T00:00:00Z)");
  cmd->add_option("--expiry-duration", o.expiry_duration,
                  "accesskey create: how long the key lives (e.g. 24h)");
  cmd->add_option("--region", o.region, "Region to sign for (default us-east-1)");
  cmd->add_option("--bucket", o.bucket, "heal: only this bucket");
  cmd->add_option("--prefix", o.prefix, "heal: only keys with this prefix (with --bucket)");
  cmd->add_flag("--json", o.json, "Print the server's JSON answer");
  cmd->add_flag("--insecure", o.insecure, "Do not verify the server's TLS certificate");
  cmd->add_flag("--no-wait", o.no_wait,
                "decommission, rebalance: answer at once instead of following the progress");
  return cmd;
}

int run_admin(const AdminOptions& options) {
  AdminOptions o = options;
  std::vector<std::string> iam_args;
  if (is_iam_admin_action(o.action)) {
    // user|group|policy|accesskey SUB ALIAS [ARGS...]
    if (o.words.size() < 2) {
      return fail(o, 2, "LocalError", 0,
                  "usage: silo admin " + o.action + " SUBCOMMAND ALIAS [ARGS...]");
    }
    o.iam_action = o.words[0];
    o.alias = o.words[1];
    iam_args.assign(o.words.begin() + 2, o.words.end());
    // With an ALIAS, --access-key/--secret-key name the key `accesskey create` makes.
    o.new_access_key = o.access_key;
    o.new_secret_key = o.secret_key;
    o.access_key.clear();
    o.secret_key.clear();
  } else if (o.action == "decommission" || o.action == "rebalance") {
    bool decommission = o.action == "decommission";
    // The ALIAS may be left out for --endpoint.
    size_t want = decommission ? 3 : 2;
    if (o.words.size() != want && o.words.size() != want - 1) {
      return fail(o, 2, "LocalError", 0,
                  decommission ? "usage: silo admin decommission start|status|cancel ALIAS POOL"
                               : "usage: silo admin rebalance start|status|stop ALIAS");
    }
    o.job_action = o.words[0];
    auto valid = decommission ? std::vector<std::string>{"start", "status", "cancel"}
                              : std::vector<std::string>{"start", "status", "stop"};
    if (std::find(valid.begin(), valid.end(), o.job_action) == valid.end()) {
      return fail(o, 2, "LocalError", 0,
                  "'" + o.job_action + "' is not one of " + valid[0] + ", " + valid[1] + ", " +
                      valid[2]);
    }
    if (o.words.size() == want) o.alias = o.words[1];
    if (decommission) o.pool = o.words.back();
  } else if (o.words.size() > 1) {
    return fail(o, 2, "LocalError", 0, "too many arguments: " + o.words[1]);
  } else if (!o.words.empty()) {
    o.alias = o.words[0];
  }
  if (auto slash = o.alias.find('/'); slash != std::string::npos && iam_args.empty() &&
                                      o.iam_action.empty()) {
    // ALIAS/BUCKET/PREFIX: what to heal.
    std::string path = o.alias.substr(slash + 1);
    o.alias.resize(slash);
    auto next = path.find('/');
    o.bucket = path.substr(0, next);
    if (next != std::string::npos) o.prefix = path.substr(next + 1);
  }
  if (!o.prefix.empty() && o.bucket.empty()) {
    return fail(o, 2, "LocalError", 0, "a prefix needs a bucket (ALIAS/BUCKET/PREFIX)");
  }
  if (!o.alias.empty()) {
    auto aliases = AliasConfig::load(AliasConfig::default_dir());
    auto alias = aliases ? aliases->find(o.alias) : std::nullopt;
    if (!alias) return fail(o, 2, "LocalError", 0, "no alias named '" + o.alias + "' (see silo alias ls)");
    o.endpoint = alias->url;
    o.access_key = alias->access_key;
    o.secret_key = alias->secret_key;
    o.region = alias->region;
  }
  if (o.access_key.empty()) o.access_key = env_or("SILO_ACCESS_KEY", "SILO_ROOT_USER");
  if (o.secret_key.empty()) o.secret_key = env_or("SILO_SECRET_KEY", "SILO_ROOT_PASSWORD");
  if (o.access_key.empty() || o.secret_key.empty()) {
    return fail(o, 2, "LocalError", 0,
                "give the root credentials with --access-key/--secret-key or "
                "SILO_ROOT_USER/SILO_ROOT_PASSWORD");
  }
  ClientConfig config;
  config.endpoint = o.endpoint;
  config.credentials.access_key = o.access_key;
  config.credentials.secret_key = o.secret_key;
  config.region = o.region;
  // The server answers a heal only when it is done; that takes as long as it takes.
  config.stall_timeout = std::chrono::hours(24);
  if (auto trusted = apply_trust(config, AliasConfig::default_dir(), o.insecure); !trusted) {
    return fail(o, 2, "LocalError", 0, std::string(trusted.error().text()));
  }
  auto client = S3Client::create(config);
  if (!client) return fail(o, 2, "LocalError", 0, std::string(client.error().text()));
  if (!o.iam_action.empty()) {
    auto r = run_admin_iam(o, iam_args, **client);
    if (!r) {
      auto e = r.error();
      return fail(o, e.code == "LocalError" ? 2 : 1, e.code, e.http_status,
                  o.json || e.code == "LocalError" ? e.message : e.describe());
    }
    return *r;
  }
  if (o.action == "decommission" || o.action == "rebalance") {
    auto r = run_pool_job(o, **client);
    if (!r) {
      auto e = r.error();
      return fail(o, 1, e.code, e.http_status, o.json ? e.message : e.describe());
    }
    return *r;
  }
  std::string query;
  if (!o.bucket.empty()) query = "bucket=" + uri_encode(o.bucket, false);
  if (!o.prefix.empty()) query += (query.empty() ? "" : "&") + std::string("prefix=") + uri_encode(o.prefix, false);
  if (o.action == "heal" && !o.json) std::cerr << "Healing (reads every shard; this can take a while)...\n";
  auto body = o.action == "heal" ? follow_heal(**client, query, !o.json)
                                 : (*client)->admin("GET", "info");
  if (!body) {
    auto e = body.error();
    if (e.http_status == 404 || e.http_status == 405 || e.http_status == 501) {
      e.message += " (the admin API is Silo's own; is this a Silo server?)";
    }
    return fail(o, 1, e.code, e.http_status, o.json ? e.message : e.describe());
  }
  auto j = nlohmann::json::parse(*body, nullptr, false);
  // Silo counts usage with every write; other servers' usage is listed.
  if (o.action == "info" && j.is_object() && !j.contains("usage")) {
    auto u = usage(**client);
    if (!u) {
      auto e = u.error();
      return fail(o, 1, e.code, e.http_status, "usage: " + (o.json ? e.message : e.describe()));
    }
    j["usage"] = *u;
  }
  if (o.json && j.is_object()) {
    // One record like every client command's, with the server's answer in it.
    j["status"] = "success";
    std::cout << j.dump() << "\n";
    return o.action == "heal" && j.value("errors", 0) != 0 ? 1 : 0;
  }
  if (o.json) {
    std::cout << *body << "\n";
    return 0;
  }
  if (j.is_discarded()) {
    std::cout << *body << "\n";
    return 0;
  }
  if (o.action == "heal") {
    print_heal(j);
    return j.value("errors", 0) == 0 ? 0 : 1;
  }
  print_info(j);
  print_scanner(j.contains("scanner") ? j["scanner"] : nlohmann::json());
  print_usage(j["usage"]);
  return 0;
}

}  // namespace silo::client
