// Bucket lifecycle configurations (PutBucketLifecycleConfiguration): the
// rules, checked against S3's schema when put, and which of them applies
// to an object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silo::s3 {

struct LifecycleFilter {
  std::string prefix;
  std::vector<std::pair<std::string, std::string>> tags;  // all must be on the object
  std::optional<int64_t> size_greater_than;
  std::optional<int64_t> size_less_than;
};

struct LifecycleRule {
  std::string id;
  bool enabled = true;
  LifecycleFilter filter;
  // Expiration of current versions: after `expiration_days` days, or from
  // `expiration_date_ns` on.
  std::optional<int64_t> expiration_days;
  std::optional<int64_t> expiration_date_ns;
  bool expired_object_delete_marker = false;
  std::optional<int64_t> noncurrent_days;
  std::optional<int64_t> newer_noncurrent_versions;
  std::optional<int64_t> abort_incomplete_upload_days;
};

// A LifecycleConfiguration, validated as AWS does: 1 to 1000 rules with
// unique IDs of at most 255 characters, Status Enabled or Disabled, at most
// one of Filter and Prefix, positive day counts, dates at midnight UTC, at
// least one action. MalformedXML or InvalidArgument (with the reason).
// Transitions are checked, then refused (NotImplemented): Silo has no
// other tier.
Result<std::vector<LifecycleRule>> parse_lifecycle_xml(std::string_view body);

// The configuration `body` (already checked) with an ID for each rule that
// has none, as AWS gives them: rules are named in what GET gives back.
std::string lifecycle_with_ids(std::string_view body);

// Whether `rule`'s filter selects an object of `key`, `size` bytes and
// `tags`.
bool lifecycle_selects(const LifecycleRule& rule, std::string_view key, int64_t size,
                       const std::vector<std::pair<std::string, std::string>>& tags);

}  // namespace silo::s3
