#include "bench/command.h"

#include "common/files.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench/mixed.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "client/alias_config.h"
#include "client/trust.h"
#include "common/units.h"

namespace silo::bench {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::optional<Workload> workload_of(std::string_view op) {
  static constexpr std::pair<std::string_view, Workload> kOps[] = {
      {"put", Workload::kPut},
      {"get", Workload::kGet},
      {"stat", Workload::kStat},
      {"delete", Workload::kDelete},
      {"list", Workload::kList},
      {"mixed", Workload::kMixed},
      {"multipart", Workload::kMultipart}};
  for (const auto& [name, w] : kOps) {
    if (name == op) return w;
  }
  return std::nullopt;
}

// Enough objects that reads spread over many keys, bounded to about 1 GiB of
// data so large sizes do not fill the disk, and at least one per worker.
uint64_t default_objects(Workload w, uint64_t size, int concurrency) {
  uint64_t base = (w == Workload::kList || w == Workload::kDelete) ? 10000 : 1000;
  uint64_t by_bytes =
      std::max<uint64_t>(2ull * concurrency, (1ull << 30) / std::max<uint64_t>(size, 1));
  return std::max<uint64_t>(std::min(base, by_bytes), static_cast<uint64_t>(concurrency));
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

Result<Config> credentials(const Options& o, Config c) {
  c.client.credentials.access_key = o.access_key;
  c.client.credentials.secret_key = o.secret_key;
  auto& creds = c.client.credentials;
  if (creds.access_key.empty()) creds.access_key = env("SILO_ACCESS_KEY");
  if (creds.access_key.empty()) creds.access_key = env("AWS_ACCESS_KEY_ID");
  if (creds.secret_key.empty()) creds.secret_key = env("SILO_SECRET_KEY");
  if (creds.secret_key.empty()) creds.secret_key = env("AWS_SECRET_ACCESS_KEY");
  if (creds.access_key.empty() || creds.secret_key.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "credentials needed: --access-key/--secret-key or SILO_ACCESS_KEY/SILO_SECRET_KEY");
  }
  return c;
}

Result<Config> make_config(const Options& o) {
  Config c;
  auto w = workload_of(o.op);
  if (!w) {
    return fail(ErrorCode::kInvalidArgument,
                "choose an operation: put, get, stat, list, delete, mixed or multipart");
  }
  c.workload = *w;
  c.name = o.op;
  if (o.endpoint.empty()) return fail(ErrorCode::kInvalidArgument, "--endpoint is required");
  c.client.endpoint = o.endpoint;
  c.client.region = o.region;
  Options with_keys = o;
  if (o.endpoint.find("://") == std::string::npos) {
    // Not a URL: the name of a `silo alias`, which brings its keys.
    auto aliases = client::AliasConfig::load(client::AliasConfig::default_dir());
    auto alias = aliases ? aliases->find(o.endpoint) : std::nullopt;
    if (!alias) return fail(ErrorCode::kInvalidArgument, "--endpoint: not a URL nor an alias: " + o.endpoint);
    c.client.endpoint = alias->url;
    c.client.region = alias->region;
    if (with_keys.access_key.empty()) with_keys.access_key = alias->access_key;
    if (with_keys.secret_key.empty()) with_keys.secret_key = alias->secret_key;
  }
  if (auto trusted = client::apply_trust(c.client, client::AliasConfig::default_dir(), o.insecure);
      !trusted) {
    return std::unexpected(trusted.error());
  }
  c.bucket = o.bucket;
  c.delimiter = o.delimiter;
  if (o.sse == "s3") {
    c.write_headers = {{"x-amz-server-side-encryption", "AES256"}};
  } else if (!o.sse.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--sse: only s3 (SSE-S3) is supported");
  }
  c.keep = o.keep;
  if (o.concurrency < 1 || o.concurrency > 4096) {
    return fail(ErrorCode::kInvalidArgument, "--concurrency must be 1..4096");
  }
  c.concurrency = o.concurrency;
  std::string size_text = o.size.empty() ? (*w == Workload::kMultipart ? "64MiB" : "4KiB") : o.size;
  auto size = parse_size(size_text);
  // The payload is held in memory; 5 GiB is also S3's largest single PUT.
  if (!size || *size > (5ull << 30)) {
    return fail(ErrorCode::kInvalidArgument,
                "--size: expected e.g. 4KiB, 1MiB, 1000 (at most 5GiB)");
  }
  c.size = *size;
  auto duration = parse_duration(o.duration);
  if (!duration)
    return fail(ErrorCode::kInvalidArgument, "--duration: expected e.g. 10s, 1m, 1m30s");
  c.duration = *duration;
  auto shares = parse_mixed(o.mixed);
  if (!shares)
    return fail(ErrorCode::kInvalidArgument, "--mixed: expected GET:STAT:PUT:DELETE shares");
  c.shares = *shares;
  auto part = parse_size(o.part_size);
  if (!part || *part == 0)
    return fail(ErrorCode::kInvalidArgument, "--part-size: expected e.g. 5MiB");
  c.part_size = *part;
  if (*w == Workload::kMultipart &&
      (c.size == 0 || (c.size + c.part_size - 1) / c.part_size > 10000)) {
    return fail(ErrorCode::kInvalidArgument,
                "multipart: --size must be 1 to 10000 parts of --part-size");
  }
  c.objects = o.objects ? o.objects : default_objects(*w, c.size, c.concurrency);
  if (*w == Workload::kMixed && c.objects < static_cast<uint64_t>(c.concurrency)) {
    return fail(ErrorCode::kInvalidArgument, "mixed: --objects must be at least --concurrency");
  }
  return credentials(with_keys, std::move(c));
}

Result<std::string> read_file(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return fail(ErrorCode::kInvalidArgument, "cannot read " + path);
  return std::move(*text);
}

int run_compare(const Options& o) {
  std::vector<Report> runs;
  for (const auto& path : o.compare) {
    auto text = read_file(path);
    auto report = text ? from_json(*text) : Result<Report>(std::unexpected(text.error()));
    if (!report) {
      std::fprintf(stderr, "silo bench: %s: %s\n", path.c_str(),
                   std::string(report.error().text()).c_str());
      return kExitUsage;
    }
    runs.push_back(std::move(*report));
  }
  std::fputs(format_compare(runs[0], runs[1], o.compare[0], o.compare[1]).c_str(), stdout);
  return kExitOk;
}

}  // namespace

CLI::App* add_command(CLI::App& app, Options& o) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Measure an S3 endpoint: ops/s, MiB/s and latency percentiles\n\n"
      "  silo bench put --endpoint http://127.0.0.1:9000 --size 1MiB --concurrency 16\n"
      "  silo bench get --size 4KiB --duration 10s --json > a.json\n"
      "  silo bench --compare a.json b.json\n");
  cmd->add_option("OP", o.op, "put, get, stat, list, delete, mixed or multipart");
  cmd->add_option("--endpoint", o.endpoint, "S3 endpoint, http(s)://host:port, or a silo alias name");
  cmd->add_option("--access-key", o.access_key, "Access key (or SILO_ACCESS_KEY)");
  cmd->add_option("--secret-key", o.secret_key, "Secret key (or SILO_SECRET_KEY)");
  cmd->add_option("--region", o.region, "Region to sign for (default us-east-1)");
  cmd->add_option("--bucket", o.bucket, "Bucket to use (created if missing; default: a new one)");
  cmd->add_option("--size", o.size, "Object size, e.g. 4KiB, 1MiB, 1000 (default 4KiB)");
  cmd->add_option("--concurrency", o.concurrency, "Parallel workers (default 32)");
  cmd->add_option("--duration", o.duration, "How long to measure, e.g. 10s, 1m (default 30s)");
  cmd->add_option("--objects", o.objects, "Objects prepared for get/stat/delete/list/mixed");
  cmd->add_option("--mixed", o.mixed, "mixed: GET:STAT:PUT:DELETE shares (default 45:30:15:10)");
  cmd->add_option("--part-size", o.part_size, "multipart: part size (default 5MiB)");
  cmd->add_option("--delimiter", o.delimiter, "list: delimiter sent with each listing");
  cmd->add_option("--sse", o.sse, "s3: write objects with SSE-S3 (x-amz-server-side-encryption)");
  cmd->add_flag("--keep", o.keep, "Keep the bucket and objects afterwards");
  cmd->add_flag("--json", o.json, "Print the result as JSON on stdout (table on stderr)");
  cmd->add_flag("--insecure", o.insecure, "Do not verify TLS certificates");
  cmd->add_option("--compare", o.compare, "Compare two --json results: A.json B.json")->expected(2);
  return cmd;
}

int run(const Options& o) {
  if (!o.compare.empty()) return run_compare(o);
  auto config = make_config(o);
  if (!config) {
    std::fprintf(stderr, "silo bench: %s\n", std::string(config.error().text()).c_str());
    return kExitUsage;
  }
  auto outcome = run_workload(*config);
  if (!outcome) {
    std::fprintf(stderr, "silo bench: %s\n", std::string(outcome.error().text()).c_str());
    return kExitFailed;
  }
  const Report& r = outcome->report;
  std::string table = format_table(r);
  if (o.json) {
    std::fputs(table.c_str(), stderr);
    std::fputs(to_json(r).c_str(), stdout);
  } else {
    std::fputs(table.c_str(), stdout);
  }
  for (const auto& n : outcome->notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  for (const auto& p : outcome->problems) std::fprintf(stderr, "silo bench: %s\n", p.c_str());
  bool failed = r.total.error_count() > 0 || !outcome->problems.empty();
  for (const auto& s : r.breakdown) failed = failed || s.error_count() > 0;
  return failed ? kExitFailed : kExitOk;
}

}  // namespace silo::bench
