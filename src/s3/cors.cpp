#include "s3/cors.h"

#include <algorithm>

#include "common/strings.h"
#include "iam/policy.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

constexpr size_t kMaxRules = 100;
constexpr std::string_view kMethods[] = {"GET", "PUT", "HEAD", "POST", "DELETE"};

bool at_most_one_star(std::string_view s) { return std::count(s.begin(), s.end(), '*') <= 1; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

bool header_allowed(const CorsRule& rule, std::string_view header) {
  return std::any_of(rule.headers.begin(), rule.headers.end(), [&](const std::string& pattern) {
    return iam::wildcard_match(pattern, header);
  });
}

}  // namespace

std::vector<std::string> split_header_list(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (!item.empty()) out.push_back(to_lower(item));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

Result<std::vector<CorsRule>> parse_cors_xml(std::string_view body) {
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != "CORSConfiguration") return fail(ErrorCode::kMalformedXML);
  std::vector<CorsRule> rules;
  for (auto r : root.children()) {
    if (r.type() != pugi::node_element) continue;
    if (local_name(r) != "CORSRule") return fail(ErrorCode::kMalformedXML);
    if (rules.size() == kMaxRules) {
      return fail(ErrorCode::kInvalidRequest, "The number of CORS rules should not exceed allowed limit of 100 rules.");
    }
    CorsRule rule;
    for (auto e : r.children()) {
      if (e.type() != pugi::node_element) continue;
      auto name = local_name(e);
      std::string value(trim(e.child_value()));
      if (name == "ID") {
        rule.id = value;
      } else if (name == "AllowedOrigin") {
        if (!at_most_one_star(value)) {
          return fail(ErrorCode::kInvalidRequest,
                      "AllowedOrigin \"" + value + "\" can not have more than one wildcard.");
        }
        rule.origins.push_back(value);
      } else if (name == "AllowedMethod") {
        if (std::find(std::begin(kMethods), std::end(kMethods), value) == std::end(kMethods)) {
          return fail(ErrorCode::kInvalidRequest,
                      "Found unsupported HTTP method in CORS config. Unsupported method is " + value);
        }
        rule.methods.push_back(value);
      } else if (name == "AllowedHeader") {
        if (!at_most_one_star(value)) {
          return fail(ErrorCode::kInvalidRequest,
                      "AllowedHeader \"" + value + "\" can not have more than one wildcard.");
        }
        rule.headers.push_back(to_lower(value));
      } else if (name == "ExposeHeader") {
        rule.expose.push_back(value);
      } else if (name == "MaxAgeSeconds") {
        auto n = parse_i64(value);
        if (!n) return fail(ErrorCode::kMalformedXML);
        rule.max_age_seconds = *n;
      } else {
        return fail(ErrorCode::kMalformedXML);
      }
    }
    if (rule.origins.empty() || rule.methods.empty()) return fail(ErrorCode::kMalformedXML);
    rules.push_back(std::move(rule));
  }
  if (rules.empty()) return fail(ErrorCode::kMalformedXML);
  return rules;
}

std::string cors_xml(const std::vector<CorsRule>& rules) {
  XmlDoc doc("CORSConfiguration");
  for (const auto& r : rules) {
    auto rule = doc.root().append_child("CORSRule");
    if (!r.id.empty()) add_text(rule, "ID", r.id);
    for (const auto& h : r.headers) add_text(rule, "AllowedHeader", h);
    for (const auto& m : r.methods) add_text(rule, "AllowedMethod", m);
    for (const auto& o : r.origins) add_text(rule, "AllowedOrigin", o);
    for (const auto& e : r.expose) add_text(rule, "ExposeHeader", e);
    if (r.max_age_seconds) add_text(rule, "MaxAgeSeconds", std::to_string(*r.max_age_seconds));
  }
  return doc.str();
}

const CorsRule* match_cors(const std::vector<CorsRule>& rules, std::string_view origin,
                           std::string_view method,
                           const std::vector<std::string>& request_headers) {
  for (const auto& rule : rules) {
    bool origin_ok = std::any_of(rule.origins.begin(), rule.origins.end(),
                                 [&](const std::string& o) { return iam::wildcard_match(o, origin); });
    if (!origin_ok) continue;
    if (std::find(rule.methods.begin(), rule.methods.end(), method) == rule.methods.end()) continue;
    bool headers_ok = std::all_of(request_headers.begin(), request_headers.end(),
                                  [&](const std::string& h) { return header_allowed(rule, h); });
    if (!headers_ok) continue;
    return &rule;
  }
  return nullptr;
}

HeaderList cors_headers(const CorsRule& rule, std::string_view origin, bool preflight,
                        const std::vector<std::string>& request_headers) {
  HeaderList h;
  bool any_origin = std::find(rule.origins.begin(), rule.origins.end(), "*") != rule.origins.end();
  h.emplace_back("Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin));
  if (!any_origin) h.emplace_back("Access-Control-Allow-Credentials", "true");
  h.emplace_back("Access-Control-Allow-Methods", join(rule.methods));
  if (preflight && !request_headers.empty()) {
    h.emplace_back("Access-Control-Allow-Headers", join(request_headers));
  }
  if (!rule.expose.empty()) h.emplace_back("Access-Control-Expose-Headers", join(rule.expose));
  if (preflight && rule.max_age_seconds) {
    h.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  }
  h.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return h;
}

}  // namespace silo::s3
