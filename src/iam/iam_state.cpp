#include "iam/iam_state.h"

#include <openssl/rand.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "iam/policy.h"

namespace silo::iam {

namespace {

using json = nlohmann::json;

// Names of users, groups, policies and access keys: what MinIO and AWS
// accept, so that names carry over (and none can smuggle a path or a quote).
bool valid_name(std::string_view name, size_t min, size_t max) {
  if (name.size() < min || name.size() > max) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
  });
}

Status check_access_key(std::string_view key) {
  if (!valid_name(key, 3, 128)) {
    return fail(ErrorCode::kInvalidArgument,
                "An access key (user name) has 3 to 128 characters among letters, digits and "
                "_+=,.@-");
  }
  return {};
}

Status check_secret(std::string_view secret) {
  if (secret.size() < 8 || secret.size() > 40) {
    return fail(ErrorCode::kInvalidArgument, "A secret key has 8 to 40 characters");
  }
  if (std::any_of(secret.begin(), secret.end(),
                  [](unsigned char c) { return c < 0x21 || c > 0x7e; })) {
    return fail(ErrorCode::kInvalidArgument,
                "A secret key has printable ASCII characters only, no spaces");
  }
  return {};
}

Status check_group_name(std::string_view name) {
  if (!valid_name(name, 1, 128)) {
    return fail(ErrorCode::kInvalidArgument,
                "A group name has 1 to 128 characters among letters, digits and _+=,.@-");
  }
  return {};
}

Status check_policy_name(std::string_view name) {
  if (!valid_name(name, 1, 128)) {
    return fail(ErrorCode::kInvalidArgument,
                "A policy name has 1 to 128 characters among letters, digits and _+=,.@-");
  }
  return {};
}

std::string random_text(size_t n, std::string_view alphabet) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n));
  std::string out;
  out.reserve(n);
  for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
  return out;
}

void detach_everywhere(IamState& s, std::string_view policy) {
  auto drop = [&](std::vector<std::string>& list) { std::erase(list, std::string(policy)); };
  for (auto& [_, u] : s.users) drop(u.policies);
  for (auto& [_, g] : s.groups) drop(g.policies);
}

}  // namespace

const std::map<std::string, std::string, std::less<>>& builtin_policies() {
  static const std::map<std::string, std::string, std::less<>> policies = {
      {"readonly",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::*"]}]})"},
      {"readwrite",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]})"},
      {"writeonly",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::*"]}]})"},
      {"diagnostics",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:ServerInfo","admin:ServerTrace","admin:ConsoleLog","admin:Prometheus","admin:Profiling","admin:OBDInfo","admin:TopLocksInfo","admin:BandwidthMonitor"],"Resource":["arn:aws:s3:::*"]}]})"},
      {"consoleAdmin",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:*"]},{"Effect":"Allow","Action":["kms:*"]},{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]})"},
  };
  return policies;
}

std::string IamState::to_json() const {
  json doc = json::object();
  doc["version"] = 1;
  json& users_j = doc["users"] = json::object();
  for (const auto& [name, u] : users) {
    users_j[name] = {{"secret", u.secret}, {"enabled", u.enabled}, {"policies", u.policies}};
  }
  json& groups_j = doc["groups"] = json::object();
  for (const auto& [name, g] : groups) {
    groups_j[name] = {{"members", g.members}, {"enabled", g.enabled}, {"policies", g.policies}};
  }
  doc["policies"] = policies;
  json& keys_j = doc["accessKeys"] = json::object();
  for (const auto& [key, k] : access_keys) {
    json& e = keys_j[key] = {{"secret", k.secret},      {"parent", k.parent},
                             {"name", k.name},          {"description", k.description},
                             {"created", k.created_ns}, {"expires", k.expires_ns},
                             {"enabled", k.enabled}};
    if (k.policy) e["policy"] = *k.policy;
  }
  return doc.dump();
}

Result<IamState> IamState::from_json(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorCode::kInternalError, "the stored IAM state does not parse");
  }
  try {
    IamState s;
    // Bound to names: iterating items() of a temporary would dangle.
    const json users = doc.value("users", json::object());
    const json groups = doc.value("groups", json::object());
    const json policies = doc.value("policies", json::object());
    const json keys = doc.value("accessKeys", json::object());
    for (const auto& [name, u] : users.items()) {
      s.users[name] = {u.at("secret").get<std::string>(), u.value("enabled", true),
                       u.value("policies", std::vector<std::string>{})};
    }
    for (const auto& [name, g] : groups.items()) {
      s.groups[name] = {g.value("members", std::set<std::string>{}), g.value("enabled", true),
                        g.value("policies", std::vector<std::string>{})};
    }
    for (const auto& [name, p] : policies.items()) {
      s.policies[name] = p.get<std::string>();
    }
    for (const auto& [key, k] : keys.items()) {
      AccessKeyRecord r;
      r.secret = k.at("secret").get<std::string>();
      r.parent = k.at("parent").get<std::string>();
      if (k.contains("policy")) r.policy = k["policy"].get<std::string>();
      r.name = k.value("name", "");
      r.description = k.value("description", "");
      r.created_ns = k.value("created", int64_t{0});
      r.expires_ns = k.value("expires", int64_t{0});
      r.enabled = k.value("enabled", true);
      s.access_keys[key] = std::move(r);
    }
    return s;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInternalError, std::string("the stored IAM state is damaged: ") + e.what());
  }
}

std::optional<std::string_view> IamState::policy_document(std::string_view name) const {
  if (auto it = builtin_policies().find(name); it != builtin_policies().end()) return it->second;
  if (auto it = policies.find(name); it != policies.end()) return it->second;
  return std::nullopt;
}

bool IamState::key_taken(std::string_view access_key, std::string_view root) const {
  return access_key == root || users.contains(access_key) || access_keys.contains(access_key);
}

Status add_user(IamState& s, std::string_view root, std::string_view name, std::string_view secret) {
  if (auto st = check_access_key(name); !st) return st;
  if (auto st = check_secret(secret); !st) return st;
  if (name == root || s.access_keys.contains(name)) return fail(ErrorCode::kAccessKeyExists);
  // Adding a user that exists sets its secret (and keeps its policies), as mc does.
  s.users[std::string(name)].secret = secret;
  return {};
}

Status remove_user(IamState& s, std::string_view name) {
  auto it = s.users.find(name);
  if (it == s.users.end()) return fail(ErrorCode::kNoSuchUser);
  s.users.erase(it);
  for (auto& [_, g] : s.groups) g.members.erase(std::string(name));
  std::erase_if(s.access_keys, [&](const auto& e) { return e.second.parent == name; });
  return {};
}

Status set_user_enabled(IamState& s, std::string_view name, bool enabled) {
  auto it = s.users.find(name);
  if (it == s.users.end()) return fail(ErrorCode::kNoSuchUser);
  it->second.enabled = enabled;
  return {};
}

Status update_group(IamState& s, std::string_view group, const std::vector<std::string>& members,
                    bool remove) {
  if (auto st = check_group_name(group); !st) return st;
  auto it = s.groups.find(group);
  if (remove) {
    if (it == s.groups.end()) return fail(ErrorCode::kNoSuchGroup);
    if (members.empty()) {
      if (!it->second.members.empty()) return fail(ErrorCode::kGroupNotEmpty);
      s.groups.erase(it);
      return {};
    }
    for (const auto& m : members) it->second.members.erase(m);
    return {};
  }
  for (const auto& m : members) {
    if (!s.users.contains(m)) return fail(ErrorCode::kNoSuchUser, "The user " + m + " does not exist.");
  }
  auto& g = s.groups[std::string(group)];
  g.members.insert(members.begin(), members.end());
  return {};
}

Status set_group_enabled(IamState& s, std::string_view group, bool enabled) {
  auto it = s.groups.find(group);
  if (it == s.groups.end()) return fail(ErrorCode::kNoSuchGroup);
  it->second.enabled = enabled;
  return {};
}

Status put_policy(IamState& s, std::string_view name, std::string_view document) {
  if (auto st = check_policy_name(name); !st) return st;
  if (builtin_policies().contains(name)) {
    return fail(ErrorCode::kInvalidArgument, "A built-in policy cannot be replaced");
  }
  if (auto p = Policy::parse_identity_policy(document); !p) return std::unexpected(p.error());
  s.policies[std::string(name)] = document;
  return {};
}

Status remove_policy(IamState& s, std::string_view name) {
  if (builtin_policies().contains(name)) {
    return fail(ErrorCode::kInvalidArgument, "A built-in policy cannot be removed");
  }
  auto it = s.policies.find(name);
  if (it == s.policies.end()) return fail(ErrorCode::kNoSuchPolicy);
  s.policies.erase(it);
  // Nothing may refer to a policy that does not exist.
  detach_everywhere(s, name);
  return {};
}

Status attach_policies(IamState& s, const std::vector<std::string>& policies, std::string_view user,
                       std::string_view group, bool detach) {
  if (user.empty() == group.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Name exactly one of a user and a group");
  }
  if (policies.empty()) return fail(ErrorCode::kInvalidArgument, "Name at least one policy");
  std::vector<std::string>* list = nullptr;
  if (!user.empty()) {
    auto it = s.users.find(user);
    if (it == s.users.end()) return fail(ErrorCode::kNoSuchUser);
    list = &it->second.policies;
  } else {
    auto it = s.groups.find(group);
    if (it == s.groups.end()) return fail(ErrorCode::kNoSuchGroup);
    list = &it->second.policies;
  }
  for (const auto& p : policies) {
    bool attached = std::find(list->begin(), list->end(), p) != list->end();
    if (detach) {
      if (!attached) {
        return fail(ErrorCode::kInvalidArgument, "The policy " + p + " is not attached");
      }
      std::erase(*list, p);
    } else {
      if (!s.policy_document(p)) {
        return fail(ErrorCode::kNoSuchPolicy, "The canned policy " + p + " does not exist.");
      }
      if (!attached) list->push_back(p);
    }
  }
  return {};
}

Result<std::string> add_access_key(IamState& s, std::string_view root, std::string_view parent,
                                   AccessKeySpec spec, int64_t now_ns) {
  if (parent != root && !s.users.contains(parent)) return fail(ErrorCode::kNoSuchUser);
  if (spec.access_key.empty()) {
    do spec.access_key = random_access_key();
    while (s.key_taken(spec.access_key, root));
  }
  if (spec.secret.empty()) spec.secret = random_secret_key();
  if (auto st = check_access_key(spec.access_key); !st) return std::unexpected(st.error());
  if (auto st = check_secret(spec.secret); !st) return std::unexpected(st.error());
  if (s.key_taken(spec.access_key, root)) return fail(ErrorCode::kAccessKeyExists);
  if (spec.policy) {
    if (auto p = Policy::parse_identity_policy(*spec.policy); !p) return std::unexpected(p.error());
  }
  if (spec.expires_ns != 0 && spec.expires_ns <= now_ns) {
    return fail(ErrorCode::kInvalidArgument, "The expiration must be in the future");
  }
  if (spec.name.size() > 32 || spec.description.size() > 256) {
    return fail(ErrorCode::kInvalidArgument,
                "An access key's name has at most 32 characters, its description 256");
  }
  AccessKeyRecord r{std::move(spec.secret), std::string(parent), std::move(spec.policy),
                    std::move(spec.name), std::move(spec.description), now_ns, spec.expires_ns,
                    true};
  s.access_keys[spec.access_key] = std::move(r);
  return spec.access_key;
}

Status remove_access_key(IamState& s, std::string_view access_key) {
  auto it = s.access_keys.find(access_key);
  if (it == s.access_keys.end()) return fail(ErrorCode::kNoSuchAccessKey);
  s.access_keys.erase(it);
  return {};
}

std::string random_access_key() { return random_text(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"); }

std::string random_secret_key() {
  return random_text(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

}  // namespace silo::iam
