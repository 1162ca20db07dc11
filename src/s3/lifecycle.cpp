#include "s3/lifecycle.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "common/time.h"
#include "common/uuid.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

constexpr size_t kMaxRules = 1000;
constexpr int64_t kDayNs = 86'400LL * 1'000'000'000;

Error invalid(std::string why) { return Error(ErrorCode::kInvalidArgument, std::move(why)); }

Result<int64_t> positive(const pugi::xml_node& n, std::string_view what) {
  auto v = parse_i64(trim(n.child_value()));
  if (!v) return fail(ErrorCode::kMalformedXML);
  if (*v <= 0) {
    std::string why(what);
    why += " must be a positive integer";
    return fail(invalid(std::move(why)));
  }
  return *v;
}

Result<std::optional<int64_t>> optional_size(const pugi::xml_node& parent, std::string_view name) {
  auto n = xml_child(parent, name);
  if (!n) return std::optional<int64_t>();
  auto v = parse_i64(trim(n.child_value()));
  if (!v || *v < 0) return fail(ErrorCode::kMalformedXML);
  return std::optional<int64_t>(*v);
}

Result<std::pair<std::string, std::string>> tag_of(const pugi::xml_node& tag) {
  auto k = xml_child(tag, "Key");
  if (!k) return fail(ErrorCode::kMalformedXML);
  return std::make_pair(std::string(k.child_value()),
                        std::string(xml_child(tag, "Value").child_value()));
}

Status parse_filter(const pugi::xml_node& f, LifecycleFilter& out) {
  size_t parts = 0;
  for (auto e : f.children()) {
    if (e.type() != pugi::node_element) continue;
    ++parts;
    auto name = local_name(e);
    if (name == "Prefix") {
      out.prefix = e.child_value();
    } else if (name == "Tag") {
      auto t = tag_of(e);
      if (!t) return std::unexpected(t.error());
      out.tags.push_back(std::move(*t));
    } else if (name == "ObjectSizeGreaterThan" || name == "ObjectSizeLessThan") {
      auto v = parse_i64(trim(e.child_value()));
      if (!v || *v < 0) return fail(ErrorCode::kMalformedXML);
      (name == "ObjectSizeGreaterThan" ? out.size_greater_than : out.size_less_than) = *v;
    } else if (name == "And") {
      for (auto a : e.children()) {
        if (a.type() != pugi::node_element) continue;
        auto an = local_name(a);
        if (an == "Prefix") {
          out.prefix = a.child_value();
        } else if (an == "Tag") {
          auto t = tag_of(a);
          if (!t) return std::unexpected(t.error());
          out.tags.push_back(std::move(*t));
        } else if (an != "ObjectSizeGreaterThan" && an != "ObjectSizeLessThan") {
          return fail(ErrorCode::kMalformedXML);
        }
      }
      auto gt = optional_size(e, "ObjectSizeGreaterThan");
      auto lt = optional_size(e, "ObjectSizeLessThan");
      if (!gt || !lt) return fail(ErrorCode::kMalformedXML);
      out.size_greater_than = *gt;
      out.size_less_than = *lt;
    } else {
      return fail(ErrorCode::kMalformedXML);
    }
  }
  // A filter holds one condition; several go inside And.
  if (parts > 1) return fail(ErrorCode::kMalformedXML);
  if (out.size_greater_than && out.size_less_than &&
      *out.size_greater_than >= *out.size_less_than) {
    return fail(invalid("ObjectSizeGreaterThan must be less than ObjectSizeLessThan"));
  }
  return {};
}

Result<LifecycleRule> parse_rule(const pugi::xml_node& r) {
  LifecycleRule rule;
  bool has_status = false, has_filter = false, has_prefix = false, has_action = false;
  bool has_transition = false;
  for (auto e : r.children()) {
    if (e.type() != pugi::node_element) continue;
    auto name = local_name(e);
    if (name == "ID") {
      rule.id = e.child_value();
      if (rule.id.size() > 255) return fail(invalid("ID length should not exceed allowed limit of 255"));
    } else if (name == "Status") {
      std::string_view s = trim(e.child_value());
      if (s != "Enabled" && s != "Disabled") return fail(ErrorCode::kMalformedXML);
      rule.enabled = s == "Enabled";
      has_status = true;
    } else if (name == "Prefix") {
      rule.filter.prefix = e.child_value();
      has_prefix = true;
    } else if (name == "Filter") {
      if (auto s = parse_filter(e, rule.filter); !s) return std::unexpected(s.error());
      has_filter = true;
    } else if (name == "Expiration") {
      has_action = true;
      if (auto d = xml_child(e, "Days")) {
        auto v = positive(d, "Days");
        if (!v) return std::unexpected(v.error());
        rule.expiration_days = *v;
      }
      if (auto d = xml_child(e, "Date")) {
        auto ns = parse_iso8601(trim(d.child_value()));
        if (!ns) return fail(invalid("Invalid date"));
        if (*ns % kDayNs != 0) return fail(invalid("'Date' must be at midnight GMT"));
        rule.expiration_date_ns = *ns;
      }
      if (auto m = xml_child(e, "ExpiredObjectDeleteMarker")) {
        rule.expired_object_delete_marker = iequals(trim(m.child_value()), "true");
      }
      int given = (rule.expiration_days ? 1 : 0) + (rule.expiration_date_ns ? 1 : 0) +
                  (xml_child(e, "ExpiredObjectDeleteMarker") ? 1 : 0);
      if (given != 1) return fail(ErrorCode::kMalformedXML);
    } else if (name == "NoncurrentVersionExpiration") {
      has_action = true;
      auto d = xml_child(e, "NoncurrentDays");
      if (!d) return fail(ErrorCode::kMalformedXML);
      auto v = positive(d, "NoncurrentDays");
      if (!v) return std::unexpected(v.error());
      rule.noncurrent_days = *v;
      if (auto n = xml_child(e, "NewerNoncurrentVersions")) {
        auto k = positive(n, "NewerNoncurrentVersions");
        if (!k) return std::unexpected(k.error());
        rule.newer_noncurrent_versions = *k;
      }
    } else if (name == "AbortIncompleteMultipartUpload") {
      has_action = true;
      auto d = xml_child(e, "DaysAfterInitiation");
      if (!d) return fail(ErrorCode::kMalformedXML);
      auto v = positive(d, "DaysAfterInitiation");
      if (!v) return std::unexpected(v.error());
      rule.abort_incomplete_upload_days = *v;
    } else if (name == "Transition" || name == "NoncurrentVersionTransition") {
      // Checked like the rest, then refused once the whole rule is valid.
      has_action = true;
      has_transition = true;
      bool noncurrent = name == "NoncurrentVersionTransition";
      auto days = xml_child(e, noncurrent ? "NoncurrentDays" : "Days");
      auto date = noncurrent ? pugi::xml_node() : xml_child(e, "Date");
      if (!xml_child(e, "StorageClass") || (!days && !date) || (days && date)) {
        return fail(ErrorCode::kMalformedXML);
      }
      if (days) {
        auto v = parse_i64(trim(days.child_value()));
        if (!v) return fail(ErrorCode::kMalformedXML);
        if (*v < 0) return fail(invalid("Days must be a non-negative integer"));
      }
      if (date) {
        auto ns = parse_iso8601(trim(date.child_value()));
        if (!ns) return fail(invalid("Invalid date"));
        if (*ns % kDayNs != 0) return fail(invalid("'Date' must be at midnight GMT"));
      }
    } else {
      return fail(ErrorCode::kMalformedXML);
    }
  }
  if (!has_status) return fail(ErrorCode::kMalformedXML);
  if (has_filter && has_prefix) return fail(ErrorCode::kMalformedXML);
  if (!has_action) {
    return fail(invalid("At least one action needs to be specified in a rule"));
  }
  if (rule.abort_incomplete_upload_days && !rule.filter.tags.empty()) {
    return fail(invalid("AbortIncompleteMultipartUpload cannot be specified with Tags."));
  }
  if (has_transition) {
    return fail(ErrorCode::kNotImplemented,
                "Transitions are not supported: this deployment has no other storage tier.");
  }
  return rule;
}

}  // namespace

Result<std::vector<LifecycleRule>> parse_lifecycle_xml(std::string_view body) {
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != "LifecycleConfiguration") return fail(ErrorCode::kMalformedXML);
  std::vector<LifecycleRule> rules;
  std::set<std::string> ids;
  for (auto r : root.children()) {
    if (r.type() != pugi::node_element) continue;
    if (local_name(r) != "Rule") return fail(ErrorCode::kMalformedXML);
    if (rules.size() == kMaxRules) {
      return fail(invalid("The number of lifecycle rules should not exceed allowed limit of 1000 rules"));
    }
    auto rule = parse_rule(r);
    if (!rule) return std::unexpected(rule.error());
    if (!rule->id.empty() && !ids.insert(rule->id).second) {
      return fail(invalid("Rule ID must be unique. Found same ID for more than one rule"));
    }
    rules.push_back(std::move(*rule));
  }
  if (rules.empty()) return fail(ErrorCode::kMalformedXML);
  return rules;
}

bool lifecycle_selects(const LifecycleRule& rule, std::string_view key, int64_t size,
                       const std::vector<std::pair<std::string, std::string>>& tags) {
  const auto& f = rule.filter;
  if (!key.starts_with(f.prefix)) return false;
  if (f.size_greater_than && !(size > *f.size_greater_than)) return false;
  if (f.size_less_than && !(size < *f.size_less_than)) return false;
  for (const auto& t : f.tags) {
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) return false;
  }
  return true;
}

std::string lifecycle_with_ids(std::string_view body) {
  auto doc = parse_xml(body);
  if (!doc) return std::string(body);
  bool added = false;
  for (auto r : doc->document_element().children()) {
    if (r.type() != pugi::node_element || xml_child(r, "ID")) continue;
    std::string id = new_uuid();
    std::erase(id, '-');
    r.prepend_child("ID").text().set(id.c_str());
    added = true;
  }
  return added ? xml_string(*doc) : std::string(body);
}

}  // namespace silo::s3
