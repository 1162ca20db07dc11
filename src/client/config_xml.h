// The XML documents of bucket and object settings the client commands read
// and write: versioning, object lock (the bucket's default retention, an
// object's retention and legal hold), lifecycle rules and CORS rules.
// Pure functions over strings built and parsed with pugixml, testable
// without a server. Parsers accept the S3 namespace or none and ignore
// elements they do not know; they return nullopt only when the document is
// not XML or its root element is not the expected one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/s3_xml.h"

namespace silo::client::xml {

// <VersioningConfiguration><Status>Enabled|Suspended</Status>...
std::string versioning_body(std::string_view status);
// The Status of a VersioningConfiguration: "" for a bucket that was never
// versioned.
std::optional<std::string> parse_versioning(std::string_view body);

// A bucket's object lock configuration. `mode` is empty when the bucket has
// no default retention; otherwise exactly one of days and years is > 0.
struct LockConfig {
  bool enabled = false;
  std::string mode;  // GOVERNANCE or COMPLIANCE
  int64_t days = 0;
  int64_t years = 0;
};
std::string lock_config_body(const LockConfig& config);
std::optional<LockConfig> parse_lock_config(std::string_view body);

// An object version's retention. An empty mode and date (a <Retention/>
// without children) clears it.
struct Retention {
  std::string mode;
  std::string retain_until;  // ISO 8601, as S3 sends it
};
std::string retention_body(const Retention& r);
std::optional<Retention> parse_retention(std::string_view body);

// <LegalHold><Status>ON|OFF</Status></LegalHold>
std::string legal_hold_body(bool on);
// The Status ("ON" or "OFF").
std::optional<std::string> parse_legal_hold(std::string_view body);

// One lifecycle rule as `silo ilm` adds and lists it. The actions that are
// unset are 0/false/empty.
struct LifecycleRule {
  std::string id;
  bool enabled = true;
  std::string prefix;
  Tags tags;
  int64_t expire_days = 0;
  std::string expire_date;  // listed only (rules made elsewhere)
  bool expire_delete_marker = false;
  int64_t noncurrent_expire_days = 0;
  int64_t newer_noncurrent_versions = 0;  // listed only
  int64_t abort_incomplete_days = 0;
  bool has_transition = false;  // listed only: Silo refuses transitions
};

// The rules of a LifecycleConfiguration, in document order.
std::optional<std::vector<LifecycleRule>> parse_lifecycle(std::string_view body);
// `current` (a LifecycleConfiguration, or "" for none) with `rule` appended.
// Rules already there are kept as they are, elements this client does not
// know included. nullopt when `current` is not a LifecycleConfiguration.
std::optional<std::string> lifecycle_with_rule(std::string_view current, const LifecycleRule& rule);
// `current` without the rule whose ID is `id`; `removed` tells whether there
// was one. nullopt when `current` is not a LifecycleConfiguration.
std::optional<std::string> lifecycle_without_rule(std::string_view current, std::string_view id,
                                                  bool& removed);

// One CORSRule.
struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods;
  std::vector<std::string> allowed_headers;
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;
};
std::optional<std::vector<CorsRule>> parse_cors(std::string_view body);

// The document indented two spaces per level, for people; `body` unchanged
// when it is not XML.
std::string pretty(std::string_view body);

}  // namespace silo::client::xml
