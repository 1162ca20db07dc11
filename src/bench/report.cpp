#include "bench/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/units.h"

namespace silo::bench {
namespace {

using nlohmann::json;
// Fields in the documented order, so a person reading the JSON finds "op" first.
using ordered = nlohmann::ordered_json;

constexpr double kMiB = 1024.0 * 1024.0;

double ms(uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

double rate(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

uint64_t sum_errors(const std::map<std::string, uint64_t>& errors) {
  uint64_t n = 0;
  for (const auto& [code, count] : errors) n += count;
  return n;
}

OpSummary summary_of(std::string name, const OpStats& s, double seconds) {
  OpSummary o;
  o.op = std::move(name);
  o.ops = s.ops;
  o.bytes = s.bytes;
  o.keys = s.keys;
  o.ops_per_s = rate(s.ops, seconds);
  o.mib_per_s = rate(s.bytes, seconds) / kMiB;
  o.keys_per_s = rate(s.keys, seconds);
  o.p50_ms = ms(s.latency.percentile(50));
  o.p90_ms = ms(s.latency.percentile(90));
  o.p99_ms = ms(s.latency.percentile(99));
  o.max_ms = ms(s.latency.max());
  o.errors = s.errors;
  return o;
}

// Fields shared by the top level and the breakdown entries.
void put_fields(ordered& j, const OpSummary& s, bool with_keys) {
  j["ops"] = s.ops;
  j["bytes"] = s.bytes;
  j["ops_per_s"] = s.ops_per_s;
  j["mib_per_s"] = s.mib_per_s;
  j["latency_ms"] = {{"p50", s.p50_ms}, {"p90", s.p90_ms}, {"p99", s.p99_ms}, {"max", s.max_ms}};
  j["errors"] = s.errors;
  if (with_keys) {
    j["keys"] = s.keys;
    j["keys_per_s"] = s.keys_per_s;
  }
}

OpSummary get_fields(const json& j, std::string op) {
  OpSummary s;
  s.op = std::move(op);
  s.ops = j.value("ops", uint64_t{0});
  s.bytes = j.value("bytes", uint64_t{0});
  s.keys = j.value("keys", uint64_t{0});
  s.ops_per_s = j.value("ops_per_s", 0.0);
  s.mib_per_s = j.value("mib_per_s", 0.0);
  s.keys_per_s = j.value("keys_per_s", 0.0);
  if (auto l = j.find("latency_ms"); l != j.end() && l->is_object()) {
    s.p50_ms = l->value("p50", 0.0);
    s.p90_ms = l->value("p90", 0.0);
    s.p99_ms = l->value("p99", 0.0);
    s.max_ms = l->value("max", 0.0);
  }
  if (auto e = j.find("errors"); e != j.end() && e->is_object()) {
    for (const auto& [code, n] : e->items()) s.errors[code] = n.get<uint64_t>();
  }
  return s;
}

std::string errors_text(const std::map<std::string, uint64_t>& errors) {
  std::string out;
  for (const auto& [code, n] : errors) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", code, n);
  }
  return out;
}

std::string table_row(const OpSummary& s) {
  return fmt::format(
      "{:<10} {:>10} {:>11.1f} {:>10.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>7}\n", s.op, s.ops,
      s.ops_per_s, s.mib_per_s, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms, s.error_count());
}

std::string ratio(double a, double b) {
  if (a == 0) return b == 0 ? "=" : "-";
  return fmt::format("{:.2f}x", b / a);
}

std::string compare_rows(const OpSummary& a, const OpSummary& b, bool with_keys) {
  std::string out;
  auto row = [&](std::string_view what, double x, double y, int decimals) {
    out += fmt::format("  {:<14} {:>14.{}f} {:>14.{}f} {:>9}\n", what, x, decimals, y, decimals,
                       ratio(x, y));
  };
  row("ops/s", a.ops_per_s, b.ops_per_s, 1);
  row("MiB/s", a.mib_per_s, b.mib_per_s, 2);
  if (with_keys) row("keys/s", a.keys_per_s, b.keys_per_s, 0);
  row("p50 ms", a.p50_ms, b.p50_ms, 2);
  row("p90 ms", a.p90_ms, b.p90_ms, 2);
  row("p99 ms", a.p99_ms, b.p99_ms, 2);
  row("max ms", a.max_ms, b.max_ms, 2);
  row("errors", static_cast<double>(a.error_count()), static_cast<double>(b.error_count()), 0);
  return out;
}

std::string run_title(const Report& r) {
  return fmt::format("{} {} x{} {}", r.op, format_size(r.size), r.concurrency,
                     format_seconds(r.duration_s));
}

}  // namespace

std::string_view op_name(Op op) {
  static constexpr std::string_view kNames[kOpCount] = {"put",  "get",  "stat",     "delete",
                                                        "list", "part", "multipart"};
  return kNames[static_cast<size_t>(op)];
}

void OpStats::merge(const OpStats& other) {
  ops += other.ops;
  bytes += other.bytes;
  keys += other.keys;
  for (const auto& [code, n] : other.errors) errors[code] += n;
  latency.merge(other.latency);
}

uint64_t OpStats::error_count() const { return sum_errors(errors); }
uint64_t OpSummary::error_count() const { return sum_errors(errors); }

OpSummary summarize(Op op, const OpStats& stats, double seconds) {
  return summary_of(std::string(op_name(op)), stats, seconds);
}

OpSummary summarize_all(std::string_view name, const OpStatsSet& stats, double seconds) {
  OpStats all;
  for (const auto& s : stats) all.merge(s);
  return summary_of(std::string(name), all, seconds);
}

std::string to_json(const Report& r) {
  ordered j;
  j["op"] = r.op;
  j["size"] = r.size;
  j["concurrency"] = r.concurrency;
  j["duration_s"] = r.duration_s;
  j["objects"] = r.objects;
  j["endpoint"] = r.endpoint;
  put_fields(j, r.total, r.op == "list");
  if (!r.breakdown.empty()) {
    ordered b = ordered::object();
    for (const auto& s : r.breakdown) put_fields(b[s.op], s, s.op == "list");
    j["breakdown"] = std::move(b);
  }
  return j.dump(2) + "\n";
}

Result<Report> from_json(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("op") || !j["op"].is_string()) {
    return fail(ErrorCode::kInvalidArgument, "not a `silo bench --json` document");
  }
  // Wrong types inside would throw from get<>(); nothing may throw out of here.
  try {
    Report r;
    r.op = j["op"].get<std::string>();
    r.size = j.value("size", uint64_t{0});
    r.concurrency = j.value("concurrency", 0);
    r.duration_s = j.value("duration_s", 0.0);
    r.objects = j.value("objects", uint64_t{0});
    r.endpoint = j.value("endpoint", std::string());
    r.total = get_fields(j, r.op);
    if (auto b = j.find("breakdown"); b != j.end() && b->is_object()) {
      for (const auto& [op, fields] : b->items()) r.breakdown.push_back(get_fields(fields, op));
    }
    return r;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string("bad bench document: ") + e.what());
  }
}

std::string format_table(const Report& r) {
  std::string out =
      fmt::format("silo bench {}: {} objects, concurrency {}, {}, {}\n", r.op, format_size(r.size),
                  r.concurrency, format_seconds(r.duration_s), r.endpoint);
  out += fmt::format("{:<10} {:>10} {:>11} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7}\n", "op", "ops",
                     "ops/s", "MiB/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors");
  for (const auto& s : r.breakdown) out += table_row(s);
  if (r.breakdown.empty() || r.op == "mixed") out += table_row(r.total);
  if (r.op == "list" && r.total.ops > 0) {
    out +=
        fmt::format("list: {} keys per listing, {:.0f} keys/s, {:.3f} s per full listing (p50)\n",
                    r.total.keys / r.total.ops, r.total.keys_per_s, r.total.p50_ms / 1000);
  }
  if (r.total.error_count() > 0) out += "errors: " + errors_text(r.total.errors) + "\n";
  return out;
}

std::string format_compare(const Report& a, const Report& b, std::string_view a_name,
                           std::string_view b_name) {
  std::string out =
      fmt::format("A: {}  ({})\nB: {}  ({})\n", run_title(a), a_name, run_title(b), b_name);
  if (a.op != b.op || a.size != b.size || a.concurrency != b.concurrency) {
    out += "note: the runs differ in workload, size or concurrency\n";
  }
  out += fmt::format("  {:<14} {:>14} {:>14} {:>9}\n", a.op, "A", "B", "B/A");
  out += compare_rows(a.total, b.total, a.op == "list");
  for (const auto& sa : a.breakdown) {
    for (const auto& sb : b.breakdown) {
      if (sa.op != sb.op) continue;
      out += fmt::format("  {:<14}\n", sa.op);
      out += compare_rows(sa, sb, false);
    }
  }
  return out;
}

}  // namespace silo::bench
