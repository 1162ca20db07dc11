// Object lock (WORM): what keeps a version from being removed.
//
// A version's retention (mode GOVERNANCE or COMPLIANCE, and a date until
// which it holds) and legal hold ride in its metadata under the names of
// the headers S3 answers them with, so GET and HEAD send them back and
// PutObjectRetention/PutObjectLegalHold change them in place like tags. A
// bucket's lock configuration ("object-lock", kept in a normalized form of
// its own) says whether lock is enabled and which retention new versions
// get by default. The rules are here, once: the S3 operations check a
// change against them, and the object layer checks every removal of a
// version under the key's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "storage/record.h"

namespace silo::object {

inline constexpr std::string_view kLockModeMeta = "x-amz-object-lock-mode";
inline constexpr std::string_view kLockUntilMeta = "x-amz-object-lock-retain-until-date";
inline constexpr std::string_view kLegalHoldMeta = "x-amz-object-lock-legal-hold";
// The bucket configuration holding the bucket's LockConfig.
inline constexpr std::string_view kObjectLockConfig = "object-lock";

struct Retention {
  std::string mode;  // GOVERNANCE or COMPLIANCE
  int64_t until_ns = 0;
};

// The retention `meta` holds, if any.
std::optional<Retention> retention_of(const storage::KeyValues& meta);
// Whether `meta` holds a legal hold that is ON.
bool legal_hold_on(const storage::KeyValues& meta);
// Whether `meta` holds a legal hold setting at all (ON or OFF).
bool has_legal_hold(const storage::KeyValues& meta);
// Sets (nullopt: removes) the retention in `meta`.
void set_retention(storage::KeyValues& meta, const std::optional<Retention>& retention);
// Drops every lock entry from `meta` (a copy gets its own).
void clear_lock(storage::KeyValues& meta);
// Whether `meta` has any lock entry.
bool has_lock(const storage::KeyValues& meta);

// AccessDenied when the version whose metadata is `meta` may not be removed
// at `now_ns`: a legal hold, an unexpired COMPLIANCE retention, or an
// unexpired GOVERNANCE one without `bypass_governance`.
Status check_removable(const storage::KeyValues& meta, int64_t now_ns, bool bypass_governance);
// AccessDenied when `current` may not become `wanted` at `now_ns`: an
// unexpired COMPLIANCE retention may only be lengthened, never changed to
// GOVERNANCE or removed; an unexpired GOVERNANCE one may be shortened,
// changed or removed only with `bypass_governance`.
Status check_retention_change(const std::optional<Retention>& current,
                              const std::optional<Retention>& wanted, int64_t now_ns,
                              bool bypass_governance);

// A bucket's lock configuration, stored as "Enabled" or
// "Enabled <MODE> <days|years> <N>".
struct LockConfig {
  std::string mode;   // default retention mode; empty: none
  int64_t days = 0;   // the default retention, in days...
  int64_t years = 0;  // ...or years
};
std::string encode_lock_config(const LockConfig& config);
std::optional<LockConfig> decode_lock_config(std::string_view document);
// Gives `meta` the bucket's default retention, from `now_ns` on, when it
// has none of its own.
void apply_default_retention(storage::KeyValues& meta, const LockConfig& config, int64_t now_ns);

}  // namespace silo::object
