// IAM: the state and its changes, identity policies, sealing, session
// tokens, and the store's lookups over an in-memory backend.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "common/time.h"
#include "iam/iam_state.h"
#include "iam/iam_store.h"
#include "iam/sealing.h"
#include "iam/session_token.h"

namespace silo::iam {
namespace {

constexpr std::string_view kRoot = "rootkey";

// Keeps the sealed document in memory, as the system bucket would.
class MemoryBackend : public IamBackend {
 public:
  Result<std::optional<std::string>> load() override {
    std::lock_guard lock(mu);
    return doc;
  }
  Status update(const Change& change) override {
    std::lock_guard lock(mu);
    auto next = change(doc);
    if (!next) return std::unexpected(next.error());
    doc = *next;
    ++writes;
    return {};
  }
  std::mutex mu;
  std::optional<std::string> doc;
  int writes = 0;
};

Decision decide(const Identity& id, std::string_view action, std::string_view resource) {
  return id.evaluate(PolicyRequest{false, id.principal_names, action, resource, nullptr});
}

TEST(IamState, ChangesCheckTheirArgumentsAndRoundTripThroughJson) {
  IamState s;
  EXPECT_TRUE(add_user(s, kRoot, "alice", "alice-secret"));
  EXPECT_EQ(add_user(s, kRoot, "al", "alice-secret").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(add_user(s, kRoot, "bob", "short").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(add_user(s, kRoot, "rootkey", "long-enough").error().code,
            ErrorCode::kAccessKeyExists);
  EXPECT_EQ(add_user(s, kRoot, "../etc", "long-enough").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(update_group(s, "devs", {"alice"}, false));
  EXPECT_EQ(update_group(s, "devs", {"ghost"}, false).error().code, ErrorCode::kNoSuchUser);
  EXPECT_TRUE(put_policy(s, "mine", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]})"));
  EXPECT_EQ(put_policy(s, "readonly", "{}").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(put_policy(s, "bad", "{}").error().code, ErrorCode::kMalformedPolicy);
  EXPECT_TRUE(attach_policies(s, {"mine"}, "alice", "", false));
  EXPECT_TRUE(attach_policies(s, {"readonly"}, "", "devs", false));
  EXPECT_EQ(attach_policies(s, {"nope"}, "alice", "", false).error().code,
            ErrorCode::kNoSuchPolicy);
  auto key = add_access_key(s, kRoot, "alice", AccessKeySpec{}, now_ns());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 20u);

  auto back = IamState::from_json(s.to_json());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to_json(), s.to_json());
  EXPECT_EQ(back->users.at("alice").policies, std::vector<std::string>{"mine"});
  EXPECT_EQ(back->access_keys.at(*key).parent, "alice");

  // Removing a policy detaches it; removing a user takes its keys and memberships.
  EXPECT_TRUE(remove_policy(s, "mine"));
  EXPECT_TRUE(s.users.at("alice").policies.empty());
  EXPECT_EQ(update_group(s, "devs", {}, true).error().code, ErrorCode::kGroupNotEmpty);
  EXPECT_TRUE(remove_user(s, "alice"));
  EXPECT_TRUE(s.access_keys.empty());
  EXPECT_TRUE(s.groups.at("devs").members.empty());
  EXPECT_TRUE(update_group(s, "devs", {}, true));
}

TEST(IdentityPolicy, ParsesWithoutPrincipalAndAdminActionsWithoutResource) {
  EXPECT_TRUE(Policy::parse_identity_policy(
      R"({"Statement":[{"Effect":"Allow","Action":["admin:*"]}]})"));
  EXPECT_FALSE(Policy::parse_identity_policy(
      R"({"Statement":[{"Effect":"Allow","Action":["s3:GetObject"]}]})"));
  EXPECT_FALSE(Policy::parse_identity_policy(
      R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})"));
  EXPECT_FALSE(Policy::parse_identity_policy(
      R"({"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]})"));
  for (const auto& [name, doc] : builtin_policies()) {
    EXPECT_TRUE(Policy::parse_identity_policy(doc)) << name;
  }
}

TEST(Sealing, OpensOnlyWithTheKeyAndUnchanged) {
  std::string key = derive_key("secret", "purpose");
  ASSERT_EQ(key.size(), 32u);
  EXPECT_NE(key, derive_key("secret", "other purpose"));
  std::string sealed = seal(key, "hello", "aad");
  EXPECT_EQ(open_sealed(key, sealed, "aad").value(), "hello");
  EXPECT_FALSE(open_sealed(key, sealed, "other aad"));
  EXPECT_FALSE(open_sealed(derive_key("other", "purpose"), sealed, "aad"));
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 1;
    EXPECT_FALSE(open_sealed(key, bad, "aad")) << i;
  }
  EXPECT_NE(seal(key, "hello", "aad"), sealed);  // a fresh nonce each time
}

TEST(SessionToken, DecodesItsClaimsAndRefusesTamperingAndExpiry) {
  std::string key = derive_key("root secret", "sts");
  SessionClaims c{"AKTEMP", "secret", "alice", 1000, std::string("{}")};
  std::string token = encode_session_token(key, c);
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
  auto back = decode_session_token(key, token, 999);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->access_key, "AKTEMP");
  EXPECT_EQ(back->parent, "alice");
  EXPECT_EQ(back->policy.value(), "{}");
  EXPECT_EQ(decode_session_token(key, token, 1000).error().code, ErrorCode::kExpiredSessionToken);
  std::string bad = token;
  bad[token.size() / 2] = bad[token.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(decode_session_token(key, bad, 0).error().code, ErrorCode::kInvalidToken);
  EXPECT_EQ(decode_session_token(derive_key("x", "sts"), token, 0).error().code,
            ErrorCode::kInvalidToken);
  EXPECT_EQ(decode_session_token(key, "", 0).error().code, ErrorCode::kInvalidToken);
}

TEST(IamStore, ResolvesUsersGroupsKeysAndSessions) {
  MemoryBackend backend;
  IamStore store(std::string(kRoot), "root-secret", &backend);
  ASSERT_TRUE(store.credential(kRoot)->identity->unlimited());
  EXPECT_FALSE(store.credential("alice"));

  ASSERT_TRUE(store.change([](IamState& s) -> Status {
    if (auto r = add_user(s, kRoot, "alice", "alice-secret"); !r) return r;
    if (auto r = update_group(s, "readers", {"alice"}, false); !r) return r;
    if (auto r = attach_policies(s, {"readonly"}, "", "readers", false); !r) return r;
    AccessKeySpec spec;
    spec.access_key = "alicekey";
    spec.policy = R"({"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]})";
    auto key = add_access_key(s, kRoot, "alice", spec, now_ns());
    if (!key) return std::unexpected(key.error());
    return Status{};
  }));
  // Nothing sealed is readable as text.
  ASSERT_TRUE(backend.doc);
  EXPECT_EQ(backend.doc->find("alice-secret"), std::string::npos);

  auto alice = store.credential("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->secret, "alice-secret");
  EXPECT_EQ(decide(*alice->identity, "s3:GetObject", "arn:aws:s3:::b/k"), Decision::kAllow);
  EXPECT_EQ(decide(*alice->identity, "s3:ListBucket", "arn:aws:s3:::b"), Decision::kAllow);
  EXPECT_EQ(decide(*alice->identity, "s3:PutObject", "arn:aws:s3:::b/k"), Decision::kNoMatch);

  auto key = store.credential("alicekey");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->identity->user, "alice");
  EXPECT_EQ(decide(*key->identity, "s3:GetObject", "arn:aws:s3:::b/k"), Decision::kAllow);
  EXPECT_EQ(decide(*key->identity, "s3:ListBucket", "arn:aws:s3:::b"), Decision::kDeny);

  auto claims = store.issue_session(*alice->identity, std::chrono::seconds(900), std::nullopt);
  std::string token = store.session_token(claims);
  auto session = store.session_credential(claims.access_key, token);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->identity->kind, IdentityKind::kSession);
  EXPECT_EQ(decide(*session->identity, "s3:GetObject", "arn:aws:s3:::b/k"), Decision::kAllow);
  EXPECT_EQ(store.session_credential("other", token).error().code, ErrorCode::kInvalidToken);

  // Another store over the same backend (another node) sees it all on reload.
  IamStore other(std::string(kRoot), "root-secret", &backend);
  ASSERT_TRUE(other.reload());
  EXPECT_TRUE(other.credential("alicekey"));
  EXPECT_TRUE(other.session_credential(claims.access_key, token));
  // One with other root credentials cannot open it, and says what to do.
  IamStore stranger(std::string(kRoot), "another-secret", &backend);
  auto s = stranger.reload();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("SILO_ROOT_PASSWORD"), std::string::npos);
  EXPECT_FALSE(stranger.session_credential(claims.access_key, token));

  // Disabling the user ends its keys and sessions.
  ASSERT_TRUE(store.change([](IamState& st) { return set_user_enabled(st, "alice", false); }));
  EXPECT_FALSE(store.credential("alice"));
  EXPECT_FALSE(store.credential("alicekey"));
  EXPECT_EQ(store.session_credential(claims.access_key, token).error().code,
            ErrorCode::kInvalidToken);
  // A failed change stores nothing.
  int writes = backend.writes;
  EXPECT_FALSE(store.change([](IamState& st) { return remove_user(st, "ghost"); }));
  EXPECT_EQ(backend.writes, writes);
}

TEST(IamStore, RefreshPicksUpChangesMadeElsewhere) {
  MemoryBackend backend;
  IamStore a(std::string(kRoot), "root-secret", &backend);
  IamStore b(std::string(kRoot), "root-secret", &backend);
  b.start_refresh(std::chrono::milliseconds(20));
  ASSERT_TRUE(a.change([](IamState& s) { return add_user(s, kRoot, "late", "late-secret"); }));
  b.poke();
  for (int i = 0; i < 200 && !b.credential("late"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(b.credential("late"));
}

}  // namespace
}  // namespace silo::iam

namespace silo::iam {
namespace {

TEST(IdentityPolicy, PolicyVariablesAreFilledFromTheRequest) {
  auto p = Policy::parse_identity_policy(R"({"Statement":[
    {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"},
    {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home",
     "Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}]})");
  ASSERT_TRUE(p);
  ConditionValues alice{{"aws:username", {"alice"}}, {"s3:prefix", {"alice/docs/"}}};
  auto decide = [&](std::string_view action, std::string_view resource, const ConditionValues* c) {
    return p->evaluate(PolicyRequest{false, {}, action, resource, c});
  };
  EXPECT_EQ(decide("s3:GetObject", "arn:aws:s3:::home/alice/a", &alice), Decision::kAllow);
  EXPECT_EQ(decide("s3:GetObject", "arn:aws:s3:::home/bob/a", &alice), Decision::kNoMatch);
  EXPECT_EQ(decide("s3:ListBucket", "arn:aws:s3:::home", &alice), Decision::kAllow);
  ConditionValues snooping{{"aws:username", {"alice"}}, {"s3:prefix", {"bob/"}}};
  EXPECT_EQ(decide("s3:ListBucket", "arn:aws:s3:::home", &snooping), Decision::kNoMatch);
  // Without the variable's value, the statement matches nothing.
  ConditionValues none;
  EXPECT_EQ(decide("s3:GetObject", "arn:aws:s3:::home//a", &none), Decision::kNoMatch);
}

}  // namespace
}  // namespace silo::iam
