#include "client/config_xml.h"

#include <pugixml.hpp>

#include "common/strings.h"

namespace silo::client::xml {
namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

bool load(pugi::xml_document& doc, std::string_view body) {
  if (body.empty()) return false;
  return static_cast<bool>(
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8));
}

std::string text(pugi::xml_node node, const char* name) {
  return std::string(trim(node.child(name).text().as_string()));
}

int64_t number(pugi::xml_node node, const char* name) { return node.child(name).text().as_llong(); }

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

std::string to_string(const pugi::xml_document& doc, bool indent = false) {
  StringWriter w;
  auto flags = pugi::format_no_declaration | (indent ? pugi::format_indent : pugi::format_raw);
  doc.save(w, "  ", flags, pugi::encoding_utf8);
  return std::move(w.out);
}

// A new document whose root is `name` in the S3 namespace.
pugi::xml_node new_root(pugi::xml_document& doc, const char* name) {
  auto root = doc.append_child(name);
  root.append_attribute("xmlns") = kS3Namespace;
  return root;
}

void add_text(pugi::xml_node parent, const char* name, std::string_view value) {
  parent.append_child(name).text().set(std::string(value).c_str());
}

void add_tag(pugi::xml_node parent, const std::string& key, const std::string& value) {
  auto tag = parent.append_child("Tag");
  add_text(tag, "Key", key);
  add_text(tag, "Value", value);
}

}  // namespace

std::string versioning_body(std::string_view status) {
  pugi::xml_document doc;
  add_text(new_root(doc, "VersioningConfiguration"), "Status", status);
  return to_string(doc);
}

std::optional<std::string> parse_versioning(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("VersioningConfiguration");
  if (!root) return std::nullopt;
  return text(root, "Status");
}

std::string lock_config_body(const LockConfig& config) {
  pugi::xml_document doc;
  auto root = new_root(doc, "ObjectLockConfiguration");
  add_text(root, "ObjectLockEnabled", "Enabled");
  if (!config.mode.empty()) {
    auto retention = root.append_child("Rule").append_child("DefaultRetention");
    add_text(retention, "Mode", config.mode);
    if (config.years > 0) {
      add_text(retention, "Years", std::to_string(config.years));
    } else {
      add_text(retention, "Days", std::to_string(config.days));
    }
  }
  return to_string(doc);
}

std::optional<LockConfig> parse_lock_config(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("ObjectLockConfiguration");
  if (!root) return std::nullopt;
  LockConfig c;
  c.enabled = text(root, "ObjectLockEnabled") == "Enabled";
  auto retention = root.child("Rule").child("DefaultRetention");
  c.mode = text(retention, "Mode");
  c.days = number(retention, "Days");
  c.years = number(retention, "Years");
  return c;
}

std::string retention_body(const Retention& r) {
  pugi::xml_document doc;
  auto root = new_root(doc, "Retention");
  if (!r.mode.empty()) add_text(root, "Mode", r.mode);
  if (!r.retain_until.empty()) add_text(root, "RetainUntilDate", r.retain_until);
  return to_string(doc);
}

std::optional<Retention> parse_retention(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("Retention");
  if (!root) return std::nullopt;
  return Retention{text(root, "Mode"), text(root, "RetainUntilDate")};
}

std::string legal_hold_body(bool on) {
  pugi::xml_document doc;
  add_text(new_root(doc, "LegalHold"), "Status", on ? "ON" : "OFF");
  return to_string(doc);
}

std::optional<std::string> parse_legal_hold(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("LegalHold");
  if (!root) return std::nullopt;
  return text(root, "Status");
}

namespace {

// The prefix and tags of a rule's Filter (or of its old-style Prefix).
void read_filter(pugi::xml_node rule, LifecycleRule& out) {
  if (auto p = rule.child("Prefix")) out.prefix = p.text().as_string();
  auto filter = rule.child("Filter");
  if (!filter) return;
  auto conditions = filter.child("And") ? filter.child("And") : filter;
  if (auto p = conditions.child("Prefix")) out.prefix = p.text().as_string();
  for (auto tag : conditions.children("Tag")) {
    out.tags.emplace_back(tag.child("Key").text().as_string(),
                          tag.child("Value").text().as_string());
  }
}

void write_filter(pugi::xml_node rule, const LifecycleRule& r) {
  auto filter = rule.append_child("Filter");
  size_t conditions = (r.prefix.empty() ? 0 : 1) + r.tags.size();
  if (conditions == 0) return;  // an empty Filter: every object
  if (conditions == 1) {
    if (!r.prefix.empty())
      add_text(filter, "Prefix", r.prefix);
    else
      add_tag(filter, r.tags[0].first, r.tags[0].second);
    return;
  }
  auto all = filter.append_child("And");
  if (!r.prefix.empty()) add_text(all, "Prefix", r.prefix);
  for (const auto& [k, v] : r.tags) add_tag(all, k, v);
}

}  // namespace

std::optional<std::vector<LifecycleRule>> parse_lifecycle(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("LifecycleConfiguration");
  if (!root) return std::nullopt;
  std::vector<LifecycleRule> rules;
  for (auto r : root.children("Rule")) {
    LifecycleRule rule;
    rule.id = r.child("ID").text().as_string();
    rule.enabled = text(r, "Status") != "Disabled";
    read_filter(r, rule);
    auto expiration = r.child("Expiration");
    rule.expire_days = number(expiration, "Days");
    rule.expire_date = text(expiration, "Date");
    rule.expire_delete_marker = text(expiration, "ExpiredObjectDeleteMarker") == "true";
    auto noncurrent = r.child("NoncurrentVersionExpiration");
    rule.noncurrent_expire_days = number(noncurrent, "NoncurrentDays");
    rule.newer_noncurrent_versions = number(noncurrent, "NewerNoncurrentVersions");
    rule.abort_incomplete_days =
        number(r.child("AbortIncompleteMultipartUpload"), "DaysAfterInitiation");
    rule.has_transition = r.child("Transition") || r.child("NoncurrentVersionTransition");
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::optional<std::string> lifecycle_with_rule(std::string_view current,
                                               const LifecycleRule& rule) {
  pugi::xml_document doc;
  pugi::xml_node root;
  if (current.empty()) {
    root = new_root(doc, "LifecycleConfiguration");
  } else {
    if (!load(doc, current)) return std::nullopt;
    root = doc.child("LifecycleConfiguration");
    if (!root) return std::nullopt;
  }
  auto r = root.append_child("Rule");
  add_text(r, "ID", rule.id);
  add_text(r, "Status", rule.enabled ? "Enabled" : "Disabled");
  write_filter(r, rule);
  if (rule.expire_days > 0) {
    add_text(r.append_child("Expiration"), "Days", std::to_string(rule.expire_days));
  } else if (rule.expire_delete_marker) {
    add_text(r.append_child("Expiration"), "ExpiredObjectDeleteMarker", "true");
  }
  if (rule.noncurrent_expire_days > 0) {
    add_text(r.append_child("NoncurrentVersionExpiration"), "NoncurrentDays",
             std::to_string(rule.noncurrent_expire_days));
  }
  if (rule.abort_incomplete_days > 0) {
    add_text(r.append_child("AbortIncompleteMultipartUpload"), "DaysAfterInitiation",
             std::to_string(rule.abort_incomplete_days));
  }
  return to_string(doc);
}

std::optional<std::string> lifecycle_without_rule(std::string_view current, std::string_view id,
                                                  bool& removed) {
  removed = false;
  pugi::xml_document doc;
  if (!load(doc, current)) return std::nullopt;
  auto root = doc.child("LifecycleConfiguration");
  if (!root) return std::nullopt;
  for (auto r = root.child("Rule"); r;) {
    auto next = r.next_sibling("Rule");
    if (r.child("ID").text().as_string() == id) {
      root.remove_child(r);
      removed = true;
    }
    r = next;
  }
  return to_string(doc);
}

std::optional<std::vector<CorsRule>> parse_cors(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("CORSConfiguration");
  if (!root) return std::nullopt;
  std::vector<CorsRule> rules;
  auto all = [](pugi::xml_node rule, const char* name) {
    std::vector<std::string> out;
    for (auto e : rule.children(name)) out.emplace_back(trim(e.text().as_string()));
    return out;
  };
  for (auto r : root.children("CORSRule")) {
    CorsRule rule;
    rule.id = text(r, "ID");
    rule.allowed_origins = all(r, "AllowedOrigin");
    rule.allowed_methods = all(r, "AllowedMethod");
    rule.allowed_headers = all(r, "AllowedHeader");
    rule.expose_headers = all(r, "ExposeHeader");
    if (r.child("MaxAgeSeconds")) rule.max_age_seconds = number(r, "MaxAgeSeconds");
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::string pretty(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::string(body);
  return to_string(doc, /*indent=*/true);
}

}  // namespace silo::client::xml
