#include "iam/iam_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/hash.h"
#include "common/time.h"
#include "iam/sealing.h"

namespace silo::iam {

struct IamStore::Snapshot {
  IamState state;
  struct Entry {
    std::string secret;
    std::shared_ptr<const Identity> identity;
    int64_t expires_ns = 0;  // 0: never
  };
  std::map<std::string, Entry, std::less<>> keys;
  // Every enabled owner of permissions (users, and the root user by its
  // access key), for sessions.
  std::map<std::string, std::shared_ptr<const Identity>, std::less<>> owners;
};

IamStore::IamStore(std::string root_access_key, std::string root_secret, IamBackend* backend)
    : root_access_key_(std::move(root_access_key)),
      root_secret_(std::move(root_secret)),
      state_key_(derive_key(root_secret_, "silo iam state v1")),
      session_key_(derive_key(root_secret_, "silo sts session v1")),
      backend_(backend) {
  snapshot_ = build(IamState{});
}

IamStore::~IamStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::shared_ptr<const IamStore::Snapshot> IamStore::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

std::shared_ptr<const IamStore::Snapshot> IamStore::build(IamState state) const {
  auto snap = std::make_shared<Snapshot>();
  std::map<std::string, std::shared_ptr<const Policy>, std::less<>> parsed;
  auto parse = [&](const std::string& name, const std::string& doc) {
    auto p = Policy::parse_identity_policy(doc);
    if (!p) {
      spdlog::warn("IAM policy {} does not parse and grants nothing: {}", name, p.error().text());
      return;
    }
    parsed[name] = std::make_shared<const Policy>(std::move(*p));
  };
  for (const auto& [name, doc] : builtin_policies()) parse(name, doc);
  for (const auto& [name, doc] : state.policies) parse(name, doc);
  auto attach = [&](Identity& id, const std::vector<std::string>& names) {
    for (const auto& n : names) {
      auto it = parsed.find(n);
      if (it == parsed.end()) continue;
      if (std::find(id.policies.begin(), id.policies.end(), it->second) == id.policies.end()) {
        id.policies.push_back(it->second);
      }
    }
  };

  auto root = std::make_shared<Identity>();
  root->kind = IdentityKind::kRoot;
  root->user = root_access_key_;
  root->root_owned = true;
  root->principal_names = {"arn:aws:iam:::root", root_access_key_};
  snap->keys[root_access_key_] = {root_secret_, root, 0};
  snap->owners[root_access_key_] = root;

  for (const auto& [name, user] : state.users) {
    if (!user.enabled || name == root_access_key_) continue;
    auto id = std::make_shared<Identity>();
    id->kind = IdentityKind::kUser;
    id->user = name;
    id->principal_names = {user_arn(name), name};
    attach(*id, user.policies);
    for (const auto& [group_name, group] : state.groups) {
      if (group.enabled && group.members.contains(name)) attach(*id, group.policies);
    }
    snap->keys[name] = {user.secret, id, 0};
    snap->owners[name] = id;
  }
  for (const auto& [key, record] : state.access_keys) {
    if (!record.enabled || snap->keys.contains(key)) continue;
    auto owner = snap->owners.find(record.parent);
    if (owner == snap->owners.end()) continue;  // its user is disabled or gone
    auto id = std::make_shared<Identity>(*owner->second);
    id->kind = IdentityKind::kAccessKey;
    if (record.policy) {
      auto p = Policy::parse_identity_policy(*record.policy);
      if (!p) continue;  // a key whose limit cannot be read must not act unlimited
      id->limits.push_back(std::make_shared<const Policy>(std::move(*p)));
    }
    snap->keys[key] = {record.secret, id, record.expires_ns};
  }
  snap->state = std::move(state);
  return snap;
}

std::optional<Credential> IamStore::credential(std::string_view access_key) const {
  auto snap = snapshot();
  auto it = snap->keys.find(access_key);
  if (it == snap->keys.end()) return std::nullopt;
  if (it->second.expires_ns != 0 && now_ns() >= it->second.expires_ns) return std::nullopt;
  return Credential{it->second.secret, it->second.identity};
}

Result<Credential> IamStore::session_credential(std::string_view access_key,
                                                std::string_view token) const {
  auto claims = decode_session_token(session_key_, token, now_ns() / 1'000'000'000);
  if (!claims) return std::unexpected(claims.error());
  if (claims->access_key != access_key) {
    return fail(ErrorCode::kInvalidToken,
                "The security token does not belong to the access key that signed the request.");
  }
  auto snap = snapshot();
  auto owner = snap->owners.find(claims->parent);
  if (owner == snap->owners.end()) {
    return fail(ErrorCode::kInvalidToken,
                "The user the security token was issued to is disabled or no longer exists.");
  }
  auto id = std::make_shared<Identity>(*owner->second);
  id->kind = IdentityKind::kSession;
  if (claims->policy) {
    auto p = Policy::parse_identity_policy(*claims->policy);
    if (!p) return fail(ErrorCode::kInvalidToken);
    id->limits.push_back(std::make_shared<const Policy>(std::move(*p)));
  }
  return Credential{std::move(claims->secret), std::move(id)};
}

SessionClaims IamStore::issue_session(const Identity& identity, std::chrono::seconds duration,
                                      std::optional<std::string> policy) const {
  SessionClaims c;
  c.access_key = random_access_key();
  c.secret = random_secret_key();
  c.parent = identity.user;
  c.expires_s = now_ns() / 1'000'000'000 + duration.count();
  c.policy = std::move(policy);
  return c;
}

std::string IamStore::session_token(const SessionClaims& claims) const {
  return encode_session_token(session_key_, claims);
}

std::optional<std::string> IamStore::access_key_with_id(std::string_view id) const {
  if (canonical_user_id(root_access_key_) == id) return root_access_key_;
  // A user is an ACL grantee too (the caller of another account, in AWS
  // terms); rare enough to search.
  auto snap = snapshot();
  for (const auto& [name, user] : snap->state.users) {
    if (canonical_user_id(name) == id) return name;
  }
  return std::nullopt;
}

IamState IamStore::state() const { return snapshot()->state; }

Result<IamState> IamStore::open(const std::optional<std::string>& stored) const {
  if (!stored || stored->empty()) return IamState{};
  auto sealed = base64_decode(*stored);
  std::optional<std::string> text;
  if (sealed) text = open_sealed(state_key_, *sealed);
  if (!text) {
    return fail(ErrorCode::kInternalError,
                "the stored IAM state cannot be opened with this root user's credentials: start "
                "the server with the SILO_ROOT_USER and SILO_ROOT_PASSWORD it was written with");
  }
  return IamState::from_json(*text);
}

Status IamStore::reload() {
  if (!backend_) return {};
  auto stored = backend_->load();
  if (!stored) return std::unexpected(stored.error());
  std::string doc = stored->value_or("");
  {
    std::lock_guard lock(mu_);
    if (doc == stored_) return {};
  }
  auto state = open(*stored);
  if (!state) return std::unexpected(state.error());
  auto snap = build(std::move(*state));
  std::lock_guard lock(mu_);
  snapshot_ = std::move(snap);
  stored_ = std::move(doc);
  return {};
}

Status IamStore::change(const std::function<Status(IamState&)>& change) {
  // Only tools and tests build a store without a deployment to keep it in.
  if (!backend_) {
    return fail(ErrorCode::kInternalError, "this IAM store has no storage for changes");
  }
  std::string written;
  std::optional<IamState> result;
  auto s = backend_->update([&](const std::optional<std::string>& current) -> Result<std::string> {
    auto state = open(current);
    if (!state) return std::unexpected(state.error());
    if (auto st = change(*state); !st) return std::unexpected(st.error());
    written = base64_encode(seal(state_key_, state->to_json()));
    result = std::move(*state);
    return written;
  });
  if (!s) return s;
  auto snap = build(std::move(*result));
  std::lock_guard lock(mu_);
  snapshot_ = std::move(snap);
  stored_ = std::move(written);
  return {};
}

void IamStore::start_refresh(std::chrono::milliseconds refresh_interval) {
  if (!backend_ || refresher_.joinable()) return;
  refresher_ = std::thread([this, refresh_interval] { refresh_loop(refresh_interval); });
}

void IamStore::poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

void IamStore::refresh_loop(std::chrono::milliseconds interval) {
  std::string last_error;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [&] { return stopping_ || poked_; });
    if (stopping_) break;
    poked_ = false;
    lock.unlock();
    auto s = reload();
    // One line per distinct failure, not one per refresh.
    std::string error = s ? "" : std::string(s.error().text());
    if (!error.empty() && error != last_error) spdlog::error("IAM: {}", error);
    last_error = std::move(error);
    lock.lock();
  }
}

}  // namespace silo::iam
