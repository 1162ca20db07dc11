#include "object/object_lock.h"

#include <algorithm>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "object/object_meta.h"

namespace silo::object {

namespace {

std::string_view value_of(const storage::KeyValues& meta, std::string_view name) {
  for (const auto& [k, v] : meta) {
    if (k == name) return v;
  }
  return {};
}

constexpr int64_t kDayNs = 86'400LL * 1'000'000'000;

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t space = s.find(' ');
    if (space != 0) out.push_back(s.substr(0, space));
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

}  // namespace

std::optional<Retention> retention_of(const storage::KeyValues& meta) {
  std::string_view mode = value_of(meta, kLockModeMeta);
  auto until = parse_iso8601(value_of(meta, kLockUntilMeta));
  if (mode.empty() || !until) return std::nullopt;
  return Retention{std::string(mode), *until};
}

bool legal_hold_on(const storage::KeyValues& meta) { return value_of(meta, kLegalHoldMeta) == "ON"; }

bool has_legal_hold(const storage::KeyValues& meta) {
  return !value_of(meta, kLegalHoldMeta).empty();
}

void set_retention(storage::KeyValues& meta, const std::optional<Retention>& retention) {
  set_meta(meta, kLockModeMeta, retention ? retention->mode : "");
  set_meta(meta, kLockUntilMeta, retention ? format_iso8601(retention->until_ns) : "");
}

void clear_lock(storage::KeyValues& meta) {
  set_retention(meta, std::nullopt);
  set_meta(meta, kLegalHoldMeta, "");
}

bool has_lock(const storage::KeyValues& meta) {
  return !value_of(meta, kLockModeMeta).empty() || has_legal_hold(meta);
}

Status check_removable(const storage::KeyValues& meta, int64_t now_ns, bool bypass_governance) {
  if (legal_hold_on(meta)) {
    return fail(ErrorCode::kAccessDenied, "The object is under a legal hold.");
  }
  auto r = retention_of(meta);
  if (!r || r->until_ns <= now_ns) return {};
  if (r->mode == "GOVERNANCE" && bypass_governance) return {};
  return fail(ErrorCode::kAccessDenied, "The object is protected by its " + r->mode +
                                            " retention until " + format_iso8601(r->until_ns) +
                                            ".");
}

Status check_retention_change(const std::optional<Retention>& current,
                              const std::optional<Retention>& wanted, int64_t now_ns,
                              bool bypass_governance) {
  if (!current || current->until_ns <= now_ns) return {};
  bool lengthens = wanted && wanted->mode == current->mode && wanted->until_ns >= current->until_ns;
  if (lengthens) return {};
  if (current->mode == "COMPLIANCE") {
    return fail(ErrorCode::kAccessDenied,
                "A COMPLIANCE retention can only be lengthened until it expires.");
  }
  if (!bypass_governance) {
    return fail(ErrorCode::kAccessDenied,
                "Shortening, changing or removing a GOVERNANCE retention needs "
                "x-amz-bypass-governance-retention: true.");
  }
  return {};
}

std::string encode_lock_config(const LockConfig& config) {
  std::string out = "Enabled";
  if (config.mode.empty()) return out;
  out.push_back(' ');
  out.append(config.mode);
  out.append(config.days ? " days " : " years ");
  out.append(std::to_string(config.days ? config.days : config.years));
  return out;
}

std::optional<LockConfig> decode_lock_config(std::string_view document) {
  auto parts = words(document);
  if (parts.empty() || parts[0] != "Enabled") return std::nullopt;
  LockConfig config;
  if (parts.size() == 4) {
    auto n = parse_i64(parts[3]);
    if (!n) return std::nullopt;
    config.mode = std::string(parts[1]);
    (parts[2] == "days" ? config.days : config.years) = *n;
  }
  return config;
}

void apply_default_retention(storage::KeyValues& meta, const LockConfig& config, int64_t now_ns) {
  if (config.mode.empty() || !value_of(meta, kLockModeMeta).empty()) return;
  int64_t days = config.days ? config.days : config.years * 365;
  set_retention(meta, Retention{config.mode, now_ns + days * kDayNs});
}

}  // namespace silo::object
