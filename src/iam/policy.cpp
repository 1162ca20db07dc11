#include "iam/policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/strings.h"
#include "common/time.h"

namespace silo::iam {

namespace {

using json = nlohmann::json;

Error malformed(std::string why) { return Error(ErrorCode::kMalformedPolicy, std::move(why)); }

// A JSON value that may be a string or an array of strings (numbers and
// booleans taken as their text, as condition values may be).
Result<std::vector<std::string>> strings_of(const json& v, std::string_view what) {
  std::vector<std::string> out;
  auto one = [&](const json& e) -> Status {
    if (e.is_string()) out.push_back(e.get<std::string>());
    else if (e.is_boolean()) out.push_back(e.get<bool>() ? "true" : "false");
    else if (e.is_number_integer()) out.push_back(std::to_string(e.get<int64_t>()));
    else if (e.is_number()) out.push_back(e.dump());
    else return fail(malformed(std::string(what) + " must be a string or a list of strings"));
    return {};
  };
  if (v.is_array()) {
    for (const auto& e : v) {
      if (auto s = one(e); !s) return std::unexpected(s.error());
    }
  } else if (auto s = one(v); !s) {
    return std::unexpected(s.error());
  }
  if (out.empty()) return fail(malformed(std::string(what) + " must not be empty"));
  return out;
}

std::optional<double> number_of(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A date as ISO 8601 (what aws:CurrentTime holds) or epoch seconds.
std::optional<int64_t> date_of(std::string_view s) {
  if (auto ns = parse_iso8601(s)) return *ns / 1'000'000'000;
  if (auto n = number_of(s)) return static_cast<int64_t>(*n);
  return std::nullopt;
}

// `cidr` ("10.0.0.0/8", "2001:db8::/32", or a bare address) contains `ip`.
bool ip_in(std::string_view cidr, std::string_view ip) {
  std::string net(cidr.substr(0, cidr.find('/')));
  int bits = -1;
  if (auto slash = cidr.find('/'); slash != std::string_view::npos) {
    auto n = number_of(cidr.substr(slash + 1));
    if (!n) return false;
    bits = static_cast<int>(*n);
  }
  unsigned char a[16], b[16];
  size_t len = 0;
  std::string addr(ip);
  if (inet_pton(AF_INET, net.c_str(), a) == 1 && inet_pton(AF_INET, addr.c_str(), b) == 1) {
    len = 4;
  } else if (inet_pton(AF_INET6, net.c_str(), a) == 1 && inet_pton(AF_INET6, addr.c_str(), b) == 1) {
    len = 16;
  } else {
    return false;
  }
  if (bits < 0) bits = static_cast<int>(len * 8);
  if (bits > static_cast<int>(len * 8)) return false;
  for (int i = 0; i < bits; ++i) {
    int mask = 0x80 >> (i % 8);
    if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
  }
  return true;
}

constexpr std::string_view kOperators[] = {
    "StringEquals",         "StringNotEquals",          "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase", "StringLike",          "StringNotLike",
    "NumericEquals",        "NumericNotEquals",         "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan",      "NumericGreaterThanEquals",
    "DateEquals",           "DateNotEquals",            "DateLessThan",
    "DateLessThanEquals",   "DateGreaterThan",          "DateGreaterThanEquals",
    "Bool",                 "IpAddress",                "NotIpAddress",
    "ArnEquals",            "ArnLike",                  "ArnNotEquals",
    "ArnNotLike",           "BinaryEquals",             "Null"};

bool negated(std::string_view op) {
  return op.find("Not") != std::string_view::npos;
}

// One request value against one policy value, for the positive form of `op`.
bool value_matches(std::string_view op, std::string_view policy, std::string_view request) {
  if (op == "StringEquals" || op == "StringNotEquals" || op == "ArnEquals" ||
      op == "ArnNotEquals" || op == "BinaryEquals") {
    return policy == request;
  }
  if (op == "StringEqualsIgnoreCase" || op == "StringNotEqualsIgnoreCase") {
    return iequals(policy, request);
  }
  if (op == "StringLike" || op == "StringNotLike" || op == "ArnLike" || op == "ArnNotLike") {
    return wildcard_match(policy, request);
  }
  if (op == "Bool") return iequals(policy, request);
  if (op == "IpAddress" || op == "NotIpAddress") return ip_in(policy, request);
  if (op.starts_with("Numeric")) {
    auto p = number_of(policy), r = number_of(request);
    if (!p || !r) return false;
    if (op == "NumericEquals" || op == "NumericNotEquals") return *r == *p;
    if (op == "NumericLessThan") return *r < *p;
    if (op == "NumericLessThanEquals") return *r <= *p;
    if (op == "NumericGreaterThan") return *r > *p;
    return *r >= *p;
  }
  if (op.starts_with("Date")) {
    auto p = date_of(policy), r = date_of(request);
    if (!p || !r) return false;
    if (op == "DateEquals" || op == "DateNotEquals") return *r == *p;
    if (op == "DateLessThan") return *r < *p;
    if (op == "DateLessThanEquals") return *r <= *p;
    if (op == "DateGreaterThan") return *r > *p;
    return *r >= *p;
  }
  return false;
}

// `pattern` with its policy variables (${aws:username}, ${aws:userid}, ...;
// also ${*}, ${?} and ${$} for the literal characters) replaced by the
// request's values. A variable the request lacks matches nothing: it
// becomes a character no name contains.
std::string expand_variables(std::string_view pattern, const ConditionValues* values) {
  std::string out;
  while (true) {
    size_t open = pattern.find("${");
    size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (close == std::string_view::npos) {
      out += pattern;
      return out;
    }
    out += pattern.substr(0, open);
    std::string name = to_lower(pattern.substr(open + 2, close - open - 2));
    if (name == "*" || name == "?" || name == "$") {
      out += name;
    } else {
      const std::vector<std::string>* found = nullptr;
      if (values) {
        auto it = values->find(name);
        if (it != values->end() && !it->second.empty()) found = &it->second;
      }
      if (found) {
        out += found->front();
      } else {
        out += '\0';
      }
    }
    pattern.remove_prefix(close + 1);
  }
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view text, bool fold) {
  for (const auto& p : patterns) {
    if (fold ? wildcard_match(p, to_lower(text)) : wildcard_match(p, text)) return true;
  }
  return false;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Iterative, with one backtrack point: linear in practice, never
  // exponential on hostile patterns.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string s3_arn(std::string_view bucket, std::string_view key) {
  std::string arn = "arn:aws:s3:::";
  arn += bucket;
  if (!key.empty()) {
    arn += '/';
    arn += key;
  }
  return arn;
}

Result<Policy> Policy::parse_bucket_policy(std::string_view text, std::string_view bucket) {
  return parse(text, &bucket);
}

Result<Policy> Policy::parse_identity_policy(std::string_view text) { return parse(text, nullptr); }

Result<Policy> Policy::parse(std::string_view text, const std::string_view* bucket) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(malformed("Policies must be valid JSON and the first byte must be '{'"));
  }
  for (const auto& [name, value] : doc.items()) {
    if (name != "Version" && name != "Id" && name != "Statement") {
      return fail(malformed("Unknown field " + name));
    }
    if (name == "Version" && (!value.is_string() || (value != "2012-10-17" && value != "2008-10-17"))) {
      return fail(malformed("The policy must contain a valid version string"));
    }
  }
  if (!doc.contains("Statement")) return fail(malformed("Missing required field Statement"));
  json statements = doc["Statement"];
  if (statements.is_object()) statements = json::array({statements});
  if (!statements.is_array() || statements.empty()) {
    return fail(malformed("Statement must be an object or a non-empty list"));
  }
  std::string bucket_arn = bucket ? s3_arn(*bucket) : std::string();
  Policy policy;
  for (const auto& st : statements) {
    if (!st.is_object()) return fail(malformed("Each statement must be an object"));
    Statement s;
    for (const auto& [name, value] : st.items()) {
      static constexpr std::string_view kKnown[] = {"Sid", "Effect", "Principal", "NotPrincipal",
                                                    "Action", "NotAction", "Resource",
                                                    "NotResource", "Condition"};
      if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
        return fail(malformed("Unknown field " + name));
      }
    }
    if (!st.contains("Effect") || !st["Effect"].is_string() ||
        (st["Effect"] != "Allow" && st["Effect"] != "Deny")) {
      return fail(malformed("Invalid effect"));
    }
    s.allow = st["Effect"] == "Allow";

    // Principal: "*", {"AWS": "*" | [...]}, or NotPrincipal of the same;
    // an identity policy names none (it applies to whoever holds it).
    bool has_p = st.contains("Principal"), has_np = st.contains("NotPrincipal");
    if (!bucket) {
      if (has_p || has_np) return fail(malformed("Policy document should not specify a principal"));
      s.principals = {"*"};
    } else {
      if (has_p == has_np) return fail(malformed("Policy has invalid principal"));
      s.not_principal = has_np;
      const json& p = st[has_p ? "Principal" : "NotPrincipal"];
      if (p.is_string()) {
        if (p != "*") return fail(malformed("Policy has invalid principal"));
        s.principals = {"*"};
      } else if (p.is_object() && p.contains("AWS") && p.size() == 1) {
        auto list = strings_of(p["AWS"], "Principal");
        if (!list) return fail(malformed("Policy has invalid principal"));
        s.principals = std::move(*list);
      } else {
        return fail(malformed("Policy has invalid principal"));
      }
    }

    bool has_a = st.contains("Action"), has_na = st.contains("NotAction");
    if (has_a == has_na) return fail(malformed("Policy has invalid action"));
    s.not_action = has_na;
    auto actions = strings_of(st[has_a ? "Action" : "NotAction"], "Action");
    if (!actions) return fail(malformed("Policy has invalid action"));
    bool only_service_actions = !s.not_action;
    for (auto& a : *actions) {
      bool s3 = a == "*" || starts_with_icase(a, "s3:");
      bool service = !bucket && (starts_with_icase(a, "admin:") || starts_with_icase(a, "sts:") ||
                                 starts_with_icase(a, "kms:"));
      if (!s3 && !service) return fail(malformed("Policy has invalid action"));
      if (!service) only_service_actions = false;
      s.actions.push_back(to_lower(a));
    }

    bool has_r = st.contains("Resource"), has_nr = st.contains("NotResource");
    if (!bucket && !has_r && !has_nr && only_service_actions) {
      // Admin actions act on no resource: a statement of them may omit it.
      s.resources = {"*"};
      has_r = true;
    } else if (has_r == has_nr) {
      return fail(malformed("Policy has invalid resource"));
    }
    s.not_resource = has_nr;
    auto resources = s.resources.empty()
                         ? strings_of(st[has_r ? "Resource" : "NotResource"], "Resource")
                         : Result<std::vector<std::string>>(std::vector<std::string>{});
    if (!resources) return fail(malformed("Policy has invalid resource"));
    for (auto& r : *resources) {
      if (!bucket) {
        if (!r.starts_with("arn:aws:s3:::") && r != "*") {
          return fail(malformed("Policy has invalid resource"));
        }
        s.resources.push_back(r);
        continue;
      }
      // Only this bucket and its objects: a bucket policy cannot grant
      // anything on another bucket.
      bool ours = r == "*" || wildcard_match(r, bucket_arn) ||
                  (r.starts_with(bucket_arn) && (r.size() == bucket_arn.size() ||
                                                 r[bucket_arn.size()] == '/' ||
                                                 r[bucket_arn.size()] == '*'));
      if (!r.starts_with("arn:aws:s3:::") && r != "*") {
        return fail(malformed("Policy has invalid resource"));
      }
      if (!ours) return fail(malformed("Action does not apply to any resource(s) in statement"));
      s.resources.push_back(r);
    }

    if (st.contains("Condition")) {
      const json& cond = st["Condition"];
      if (!cond.is_object()) return fail(malformed("Condition must be an object"));
      for (const auto& [op_name, block] : cond.items()) {
        Condition c;
        std::string_view op = op_name;
        if (op.starts_with("ForAnyValue:")) {
          c.set = SetOp::kForAnyValue;
          op.remove_prefix(12);
        } else if (op.starts_with("ForAllValues:")) {
          c.set = SetOp::kForAllValues;
          op.remove_prefix(13);
        }
        if (op.ends_with("IfExists")) {
          c.if_exists = true;
          op.remove_suffix(8);
        }
        if (std::find(std::begin(kOperators), std::end(kOperators), op) == std::end(kOperators)) {
          return fail(malformed("Invalid Condition type : " + op_name));
        }
        c.op = std::string(op);
        if (!block.is_object() || block.empty()) {
          return fail(malformed("Condition block of " + op_name + " must name keys"));
        }
        for (const auto& [key, values] : block.items()) {
          auto v = strings_of(values, "Condition value");
          if (!v) return std::unexpected(v.error());
          Condition one = c;
          one.key = to_lower(key);
          one.values = std::move(*v);
          s.conditions.push_back(std::move(one));
        }
      }
    }
    s.has_variables = std::any_of(s.resources.begin(), s.resources.end(), [](const auto& r) {
      return r.find("${") != std::string::npos;
    });
    policy.statements_.push_back(std::move(s));
  }
  return policy;
}

bool Policy::principal_matches(const Statement& s, const PolicyRequest& r) {
  bool named = false;
  for (const auto& p : s.principals) {
    if (p == "*" || (!r.anonymous && std::find(r.principals.begin(), r.principals.end(), p) !=
                                         r.principals.end())) {
      named = true;
      break;
    }
  }
  return s.not_principal ? !named : named;
}

bool Policy::condition_holds(const Condition& c, const ConditionValues* values) {
  const std::vector<std::string>* have = nullptr;
  if (values) {
    auto it = values->find(c.key);
    if (it != values->end() && !it->second.empty()) have = &it->second;
  }
  if (c.op == "Null") {
    // "true": the key must be absent; "false": present.
    bool want_absent = iequals(c.values.front(), "true");
    return want_absent == (have == nullptr);
  }
  if (!have) {
    if (c.if_exists) return true;
    // A missing key matches no value: the negated operators hold, and
    // ForAllValues holds over the empty set.
    return negated(c.op) || c.set == SetOp::kForAllValues;
  }
  auto matches = [&](const std::string& request_value) {
    return std::any_of(c.values.begin(), c.values.end(), [&](const std::string& policy_value) {
      if (policy_value.find("${") != std::string::npos) {
        return value_matches(c.op, expand_variables(policy_value, values), request_value);
      }
      return value_matches(c.op, policy_value, request_value);
    });
  };
  bool neg = negated(c.op);
  if (c.set == SetOp::kForAllValues) {
    bool all = std::all_of(have->begin(), have->end(), matches);
    return neg ? std::none_of(have->begin(), have->end(), matches) : all;
  }
  bool any = std::any_of(have->begin(), have->end(), matches);
  return neg ? !any : any;
}

bool Policy::matches_resource(const Statement& s, const PolicyRequest& r) {
  if (!s.has_variables) return matches_any(s.resources, r.resource, /*fold=*/false);
  for (const auto& pattern : s.resources) {
    if (wildcard_match(expand_variables(pattern, r.conditions), r.resource)) return true;
  }
  return false;
}

bool Policy::conditions_hold(const Statement& s, const ConditionValues* values) {
  return std::all_of(s.conditions.begin(), s.conditions.end(),
                     [&](const Condition& c) { return condition_holds(c, values); });
}

Decision Policy::evaluate(const PolicyRequest& r) const {
  bool allowed = false;
  for (const auto& s : statements_) {
    if (!principal_matches(s, r)) continue;
    bool action = matches_any(s.actions, r.action, /*fold=*/true);
    if (s.not_action ? action : !action) continue;
    bool resource = r.resource.empty() || matches_resource(s, r);
    if (s.not_resource ? resource : !resource) continue;
    if (!conditions_hold(s, r.conditions)) continue;
    if (!s.allow) return Decision::kDeny;
    allowed = true;
  }
  return allowed ? Decision::kAllow : Decision::kNoMatch;
}

bool Policy::grants_everyone(std::string_view action) const {
  std::string lower = to_lower(action);
  for (const auto& s : statements_) {
    if (!s.allow || s.not_principal || !s.conditions.empty()) continue;
    if (std::find(s.principals.begin(), s.principals.end(), "*") == s.principals.end()) continue;
    bool a = matches_any(s.actions, lower, false);
    if (s.not_action ? !a : a) return true;
  }
  return false;
}

}  // namespace silo::iam
