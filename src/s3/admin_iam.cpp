#include "s3/admin_iam.h"

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "s3/access.h"
#include "s3/body.h"
#include "s3/ops_util.h"
#include "s3/response.h"

namespace silo::s3 {

namespace {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;
using json = nlohmann::json;

constexpr size_t kMaxAdminBody = 256 << 10;

std::string status_name(bool enabled) { return enabled ? "enabled" : "disabled"; }

Result<bool> parse_status(std::string_view s) {
  if (s == "enabled") return true;
  if (s == "disabled") return false;
  return fail(ErrorCode::kInvalidArgument, "status must be enabled or disabled");
}

Result<json> parse_body(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "The request body must be a JSON object");
  }
  return doc;
}

std::string string_field(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings_field(const json& doc, const char* name) {
  std::vector<std::string> out;
  auto it = doc.find(name);
  if (it == doc.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& e : *it) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> groups_of(const iam::IamState& s, std::string_view user) {
  std::vector<std::string> out;
  for (const auto& [name, g] : s.groups) {
    if (g.members.contains(std::string(user))) out.push_back(name);
  }
  return out;
}

json user_json(const iam::IamState& s, const std::string& name, const iam::UserRecord& u) {
  return {{"accessKey", name},
          {"status", status_name(u.enabled)},
          {"policies", u.policies},
          {"memberOf", groups_of(s, name)}};
}

json access_key_json(const std::string& key, const iam::AccessKeyRecord& k) {
  json e = {{"accessKey", key},
            {"parent", k.parent},
            {"name", k.name},
            {"description", k.description},
            {"status", status_name(k.enabled)},
            {"created", format_iso8601(k.created_ns)},
            {"expiration", k.expires_ns ? json(format_iso8601(k.expires_ns)) : json(nullptr)},
            {"hasPolicy", k.policy.has_value()}};
  return e;
}

// An expiration as RFC 3339 text or Unix seconds; 0 when absent.
Result<int64_t> parse_expiration(const json& doc) {
  auto it = doc.find("expiration");
  if (it == doc.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>() * 1'000'000'000;
  if (it->is_string()) {
    if (auto ns = parse_iso8601(it->get<std::string>())) return *ns;
  }
  return fail(ErrorCode::kInvalidArgument,
              "expiration must be a date such as 2030-01-01T00:00:00Z or Unix seconds");
}

// One admin IAM call being served.
class Call {
 public:
  Call(Context& ctx, std::string_view name) : ctx_(ctx), name_(name) {}

  awaitable<std::optional<Status>> serve();

 private:
  auto method() const { return ctx_.request().method(); }
  bool is(bhttp::verb m, std::string_view name) const { return method() == m && name_ == name; }
  std::string query(std::string_view name) const { return std::string(ctx_.query.value(name)); }
  iam::IamStore& store() { return ctx_.services.iam; }
  // The caller is the user `user` (managing what is its own).
  bool caller_is(std::string_view user) const {
    return ctx_.identity &&
           (ctx_.identity->kind == iam::IdentityKind::kUser ||
            ctx_.identity->kind == iam::IdentityKind::kRoot) &&
           ctx_.identity->user == user;
  }
  Status allow(std::string_view action, bool self = false) {
    if (self || admin_allowed(ctx_, action)) return {};
    return fail(ErrorCode::kAccessDenied);
  }
  awaitable<Result<json>> body() {
    auto text = co_await read_small_body(ctx_, kMaxAdminBody);
    if (!text) co_return std::unexpected(text.error());
    co_return parse_body(*text);
  }
  // Applies a change to the stored state (on a blocking thread).
  awaitable<Status> change(std::function<Status(iam::IamState&)> f) {
    co_return co_await blocking(ctx_, [&] { return store().change(f); });
  }
  awaitable<Status> reply(const json& doc) {
    auto res = make_response(ctx_, 200);
    res.set(bhttp::field::content_type, "application/json");
    res.body() = doc.dump();
    co_return co_await send(ctx_, std::move(res));
  }

  awaitable<Status> users();
  awaitable<Status> groups();
  awaitable<Status> policies();
  awaitable<Status> access_keys();

  Context& ctx_;
  std::string_view name_;
};

awaitable<Status> Call::users() {
  std::string user = query("accessKey");
  const std::string& root = store().root_access_key();
  if (is(bhttp::verb::put, "add-user")) {
    if (auto s = allow("admin:CreateUser"); !s) co_return s;
    auto doc = co_await body();
    if (!doc) co_return std::unexpected(doc.error());
    std::string secret = string_field(*doc, "secretKey");
    std::string status = string_field(*doc, "status");
    bool enabled = true;
    if (!status.empty()) {
      auto e = parse_status(status);
      if (!e) co_return std::unexpected(e.error());
      enabled = *e;
    }
    auto s = co_await change([&](iam::IamState& st) -> Status {
      if (auto r = iam::add_user(st, root, user, secret); !r) return r;
      return iam::set_user_enabled(st, user, enabled);
    });
    if (!s) co_return s;
    const json answer1 = {{"accessKey", user}, {"status", status_name(enabled)}};
    co_return co_await reply(answer1);
  }
  if (is(bhttp::verb::delete_, "remove-user")) {
    if (auto s = allow("admin:DeleteUser"); !s) co_return s;
    auto s = co_await change([&](iam::IamState& st) { return iam::remove_user(st, user); });
    if (!s) co_return s;
    const json answer2 = {{"accessKey", user}, {"removed", true}};
    co_return co_await reply(answer2);
  }
  if (is(bhttp::verb::put, "set-user-status")) {
    auto enabled = parse_status(query("status"));
    if (!enabled) co_return std::unexpected(enabled.error());
    if (auto s = allow(*enabled ? "admin:EnableUser" : "admin:DisableUser"); !s) co_return s;
    auto s = co_await change(
        [&](iam::IamState& st) { return iam::set_user_enabled(st, user, *enabled); });
    if (!s) co_return s;
    const json answer3 = {{"accessKey", user}, {"status", status_name(*enabled)}};
    co_return co_await reply(answer3);
  }
  if (is(bhttp::verb::get, "list-users")) {
    if (auto s = allow("admin:ListUsers"); !s) co_return s;
    auto st = store().state();
    json list = json::array();
    for (const auto& [name, u] : st.users) list.push_back(user_json(st, name, u));
    const json answer4 = {{"users", list}};
    co_return co_await reply(answer4);
  }
  // user-info
  if (auto s = allow("admin:GetUser", caller_is(user)); !s) co_return s;
  auto st = store().state();
  auto it = st.users.find(user);
  if (it == st.users.end()) co_return fail(ErrorCode::kNoSuchUser);
  co_return co_await reply(user_json(st, it->first, it->second));
}

awaitable<Status> Call::groups() {
  if (is(bhttp::verb::put, "update-group-members")) {
    auto doc = co_await body();
    if (!doc) co_return std::unexpected(doc.error());
    std::string group = string_field(*doc, "group");
    auto members = strings_field(*doc, "members");
    bool remove = doc->value("isRemove", false);
    if (auto s = allow(remove ? "admin:RemoveUserFromGroup" : "admin:AddUserToGroup"); !s) {
      co_return s;
    }
    auto s = co_await change(
        [&](iam::IamState& st) { return iam::update_group(st, group, members, remove); });
    if (!s) co_return s;
    const json answer5 = {{"group", group}, {"members", members}, {"isRemove", remove}};
    co_return co_await reply(answer5);
  }
  std::string group = query("group");
  if (is(bhttp::verb::put, "set-group-status")) {
    auto enabled = parse_status(query("status"));
    if (!enabled) co_return std::unexpected(enabled.error());
    if (auto s = allow(*enabled ? "admin:EnableGroup" : "admin:DisableGroup"); !s) co_return s;
    auto s = co_await change(
        [&](iam::IamState& st) { return iam::set_group_enabled(st, group, *enabled); });
    if (!s) co_return s;
    const json answer6 = {{"group", group}, {"status", status_name(*enabled)}};
    co_return co_await reply(answer6);
  }
  if (is(bhttp::verb::get, "groups")) {
    if (auto s = allow("admin:ListGroups"); !s) co_return s;
    json list = json::array();
    for (const auto& [name, g] : store().state().groups) list.push_back(name);
    const json answer7 = {{"groups", list}};
    co_return co_await reply(answer7);
  }
  // group
  if (auto s = allow("admin:GetGroup"); !s) co_return s;
  auto st = store().state();
  auto it = st.groups.find(group);
  if (it == st.groups.end()) co_return fail(ErrorCode::kNoSuchGroup);
  const json answer8 = {{"group", group},
                            {"status", status_name(it->second.enabled)},
                            {"members", it->second.members},
                            {"policies", it->second.policies}};
  co_return co_await reply(answer8);
}

awaitable<Status> Call::policies() {
  std::string name = query("name");
  if (is(bhttp::verb::put, "add-canned-policy")) {
    if (auto s = allow("admin:CreatePolicy"); !s) co_return s;
    auto text = co_await read_small_body(ctx_, kMaxAdminBody);
    if (!text) co_return std::unexpected(text.error());
    auto s = co_await change([&](iam::IamState& st) { return iam::put_policy(st, name, *text); });
    if (!s) co_return s;
    const json answer9 = {{"name", name}};
    co_return co_await reply(answer9);
  }
  if (is(bhttp::verb::delete_, "remove-canned-policy")) {
    if (auto s = allow("admin:DeletePolicy"); !s) co_return s;
    auto s = co_await change([&](iam::IamState& st) { return iam::remove_policy(st, name); });
    if (!s) co_return s;
    const json answer10 = {{"name", name}, {"removed", true}};
    co_return co_await reply(answer10);
  }
  if (is(bhttp::verb::post, "idp/builtin/policy/attach") ||
      is(bhttp::verb::post, "idp/builtin/policy/detach")) {
    if (auto s = allow("admin:AttachUserOrGroupPolicy"); !s) co_return s;
    auto doc = co_await body();
    if (!doc) co_return std::unexpected(doc.error());
    auto names = strings_field(*doc, "policies");
    std::string user = string_field(*doc, "user"), group = string_field(*doc, "group");
    bool detach = name_.ends_with("detach");
    auto s = co_await change([&](iam::IamState& st) {
      return iam::attach_policies(st, names, user, group, detach);
    });
    if (!s) co_return s;
    json answer = {{"policies", names}};
    answer[user.empty() ? "group" : "user"] = user.empty() ? group : user;
    answer[detach ? "detached" : "attached"] = true;
    co_return co_await reply(answer);
  }
  auto st = store().state();
  auto describe = [&](const std::string& n, std::string_view doc) {
    json policy = json::parse(doc, nullptr, false);
    return json{{"name", n},
                {"builtin", iam::builtin_policies().contains(n)},
                {"policy", policy.is_discarded() ? json(std::string(doc)) : policy}};
  };
  if (is(bhttp::verb::get, "list-canned-policies")) {
    if (auto s = allow("admin:ListUserPolicies"); !s) co_return s;
    json list = json::array();
    for (const auto& [n, doc] : iam::builtin_policies()) list.push_back(describe(n, doc));
    for (const auto& [n, doc] : st.policies) list.push_back(describe(n, doc));
    const json answer11 = {{"policies", list}};
    co_return co_await reply(answer11);
  }
  // info-canned-policy
  if (auto s = allow("admin:GetPolicy"); !s) co_return s;
  auto doc = st.policy_document(name);
  if (!doc) co_return fail(ErrorCode::kNoSuchPolicy);
  json info = describe(name, *doc);
  json users = json::array(), groups = json::array();
  for (const auto& [n, u] : st.users) {
    if (std::find(u.policies.begin(), u.policies.end(), name) != u.policies.end()) users.push_back(n);
  }
  for (const auto& [n, g] : st.groups) {
    if (std::find(g.policies.begin(), g.policies.end(), name) != g.policies.end()) groups.push_back(n);
  }
  info["users"] = users;
  info["groups"] = groups;
  co_return co_await reply(info);
}

awaitable<Status> Call::access_keys() {
  const std::string& root = store().root_access_key();
  // Whose keys: the named user, else the caller's own.
  auto owner_or_caller = [&](std::string named) {
    if (named.empty() && ctx_.identity) named = ctx_.identity->user;
    return named;
  };
  if (is(bhttp::verb::put, "add-service-account")) {
    auto doc = co_await body();
    if (!doc) co_return std::unexpected(doc.error());
    std::string parent = owner_or_caller(string_field(*doc, "targetUser"));
    if (auto s = allow("admin:CreateServiceAccount", caller_is(parent)); !s) co_return s;
    // A key that acts as the root user is the root user's to make: an admin
    // right to make keys must not become every right.
    if (parent == root && !ctx_.unlimited()) co_return fail(ErrorCode::kAccessDenied);
    iam::AccessKeySpec spec;
    spec.access_key = string_field(*doc, "accessKey");
    spec.secret = string_field(*doc, "secretKey");
    spec.name = string_field(*doc, "name");
    spec.description = string_field(*doc, "description");
    if (auto it = doc->find("policy"); it != doc->end() && !it->is_null()) {
      spec.policy = it->is_string() ? it->get<std::string>() : it->dump();
      if (spec.policy->empty()) spec.policy.reset();
    }
    auto expires = parse_expiration(*doc);
    if (!expires) co_return std::unexpected(expires.error());
    spec.expires_ns = *expires;
    std::string created;
    int64_t now = now_ns();
    auto s = co_await change([&](iam::IamState& st) -> Status {
      auto key = iam::add_access_key(st, root, parent, spec, now);
      if (!key) return std::unexpected(key.error());
      created = *key;
      return {};
    });
    if (!s) co_return s;
    auto st = store().state();
    const auto& record = st.access_keys.at(created);
    json answer = access_key_json(created, record);
    answer["secretKey"] = record.secret;
    co_return co_await reply(answer);
  }
  if (is(bhttp::verb::get, "list-service-accounts")) {
    std::string parent = owner_or_caller(query("user"));
    if (auto s = allow("admin:ListServiceAccounts", caller_is(parent)); !s) co_return s;
    json list = json::array();
    for (const auto& [key, k] : store().state().access_keys) {
      if (k.parent == parent) list.push_back(access_key_json(key, k));
    }
    const json answer12 = {{"user", parent}, {"accessKeys", list}};
    co_return co_await reply(answer12);
  }
  std::string key = query("accessKey");
  auto st = store().state();
  auto it = st.access_keys.find(key);
  // Whether the caller owns it decides without telling whether it exists.
  bool own = it != st.access_keys.end() && caller_is(it->second.parent);
  if (is(bhttp::verb::delete_, "delete-service-account")) {
    if (auto s = allow("admin:RemoveServiceAccount", own); !s) co_return s;
    auto s = co_await change([&](iam::IamState& state) { return iam::remove_access_key(state, key); });
    if (!s) co_return s;
    const json answer13 = {{"accessKey", key}, {"removed", true}};
    co_return co_await reply(answer13);
  }
  // info-service-account
  if (auto s = allow("admin:ListServiceAccounts", own); !s) co_return s;
  if (it == st.access_keys.end()) co_return fail(ErrorCode::kNoSuchAccessKey);
  json info = access_key_json(key, it->second);
  if (it->second.policy) {
    json policy = json::parse(*it->second.policy, nullptr, false);
    info["policy"] = policy.is_discarded() ? json(*it->second.policy) : policy;
  } else {
    info["policy"] = nullptr;
  }
  co_return co_await reply(info);
}

awaitable<std::optional<Status>> Call::serve() {
  static constexpr std::pair<std::string_view, int> kCalls[] = {
      {"add-user", 0},          {"remove-user", 0},           {"set-user-status", 0},
      {"list-users", 0},        {"user-info", 0},             {"update-group-members", 1},
      {"set-group-status", 1},  {"groups", 1},                {"group", 1},
      {"add-canned-policy", 2}, {"remove-canned-policy", 2},  {"list-canned-policies", 2},
      {"info-canned-policy", 2}, {"idp/builtin/policy/attach", 2},
      {"idp/builtin/policy/detach", 2}, {"add-service-account", 3},
      {"list-service-accounts", 3}, {"delete-service-account", 3},
      {"info-service-account", 3}};
  static constexpr std::pair<std::string_view, bhttp::verb> kMethods[] = {
      {"add-user", bhttp::verb::put},
      {"remove-user", bhttp::verb::delete_},
      {"set-user-status", bhttp::verb::put},
      {"list-users", bhttp::verb::get},
      {"user-info", bhttp::verb::get},
      {"update-group-members", bhttp::verb::put},
      {"set-group-status", bhttp::verb::put},
      {"groups", bhttp::verb::get},
      {"group", bhttp::verb::get},
      {"add-canned-policy", bhttp::verb::put},
      {"remove-canned-policy", bhttp::verb::delete_},
      {"list-canned-policies", bhttp::verb::get},
      {"info-canned-policy", bhttp::verb::get},
      {"idp/builtin/policy/attach", bhttp::verb::post},
      {"idp/builtin/policy/detach", bhttp::verb::post},
      {"add-service-account", bhttp::verb::put},
      {"list-service-accounts", bhttp::verb::get},
      {"delete-service-account", bhttp::verb::delete_},
      {"info-service-account", bhttp::verb::get}};
  int family = -1;
  for (const auto& [n, f] : kCalls) {
    if (n == name_) family = f;
  }
  if (family < 0) co_return std::nullopt;
  for (const auto& [n, m] : kMethods) {
    if (n == name_ && m != method()) co_return fail(ErrorCode::kMethodNotAllowed);
  }
  switch (family) {
    case 0:
      co_return co_await users();
    case 1:
      co_return co_await groups();
    case 2:
      co_return co_await policies();
    default:
      co_return co_await access_keys();
  }
}

}  // namespace

awaitable<std::optional<Status>> serve_iam_admin(Context& ctx, std::string_view call) {
  Call c(ctx, call);
  co_return co_await c.serve();
}

}  // namespace silo::s3
