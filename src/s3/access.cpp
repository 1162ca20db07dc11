#include "s3/access.h"

#include <list>
#include <mutex>

#include "common/strings.h"
#include "common/time.h"
#include "object/object_meta.h"
#include "s3/acl.h"
#include "s3/object_common.h"
#include "s3/ops_util.h"
#include "s3/request_acl.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

// Parsed policies by (bucket, document): a handful of buckets have one, and
// parsing JSON on every anonymous request would be waste. Bounded.
class PolicyCache {
 public:
  Result<std::shared_ptr<const iam::Policy>> get(std::string_view bucket, std::string_view text) {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->bucket == bucket && it->text == text) {
        entries_.splice(entries_.begin(), entries_, it);
        return it->policy;
      }
    }
    auto parsed = iam::Policy::parse_bucket_policy(text, bucket);
    if (!parsed) return std::unexpected(parsed.error());
    auto policy = std::make_shared<const iam::Policy>(std::move(*parsed));
    entries_.push_front({std::string(bucket), std::string(text), policy});
    if (entries_.size() > kMaxEntries) entries_.pop_back();
    return policy;
  }

 private:
  static constexpr size_t kMaxEntries = 256;
  struct Entry {
    std::string bucket, text;
    std::shared_ptr<const iam::Policy> policy;
  };
  std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
};

PolicyCache& policy_cache() {
  static PolicyCache cache;
  return cache;
}

void put(iam::ConditionValues& c, std::string key, std::string_view value) {
  c[std::move(key)].emplace_back(value);
}

// The condition keys AWS defines that this request has.
iam::ConditionValues condition_values(const Context& ctx) {
  iam::ConditionValues c;
  put(c, "aws:sourceip", ctx.exchange.remote_address());
  put(c, "aws:securetransport", ctx.secure() ? "true" : "false");
  int64_t now = now_ns();
  put(c, "aws:currenttime", format_iso8601(now));
  put(c, "aws:epochtime", std::to_string(now / 1'000'000'000));
  if (!ctx.identity) {
    put(c, "aws:principaltype", "Anonymous");
  } else {
    const auto& id = *ctx.identity;
    put(c, "aws:principaltype", id.kind == iam::IdentityKind::kSession ? "AssumedRole"
                                : id.root_owned                       ? "Account"
                                                                      : "User");
    put(c, "aws:username", id.user);
    put(c, "aws:userid", id.user);
    put(c, "aws:principalarn", id.principal_names.front());
  }
  if (ctx.has_header("user-agent")) put(c, "aws:useragent", ctx.header("user-agent"));
  if (ctx.has_header("referer")) put(c, "aws:referer", ctx.header("referer"));
  for (auto name : {"prefix", "delimiter", "max-keys"}) {
    if (auto v = ctx.query.get(name)) put(c, std::string("s3:") + name, *v);
  }
  if (auto v = ctx.query.get("versionId")) put(c, "s3:versionid", *v);
  for (auto header : {"x-amz-acl", "x-amz-server-side-encryption", "x-amz-storage-class",
                      "x-amz-copy-source", "x-amz-metadata-directive", "x-amz-content-sha256"}) {
    if (ctx.has_header(header)) put(c, std::string("s3:") + header, ctx.header(header));
  }
  if (!ctx.auth.anonymous()) {
    put(c, "s3:signatureversion",
        ctx.auth.scheme == auth::Scheme::kSigV4 ? "AWS4-HMAC-SHA256" : "AWS");
    put(c, "s3:authtype", ctx.auth.presigned ? "REST-QUERY-STRING" : "REST-HEADER");
  }
  return c;
}

Error access_denied() { return Error(ErrorCode::kAccessDenied); }

// For a signed caller other than the unlimited root user: its identity
// policies and the bucket's policy (ctx.policy, when `bucket` is the
// request's) on `action` over `resource`. An explicit Deny in either wins;
// an Allow in either allows.
iam::Decision caller_decision(const Context& ctx, std::string_view action,
                              std::string_view resource, bool with_bucket_policy) {
  const auto& id = *ctx.identity;
  iam::PolicyRequest request{false, id.principal_names, action, resource, &ctx.conditions};
  auto decision = id.evaluate(request);
  if (decision == iam::Decision::kDeny) return decision;
  if (with_bucket_policy && ctx.policy) {
    auto by_bucket = ctx.policy->evaluate(request);
    if (by_bucket != iam::Decision::kNoMatch) return by_bucket;
  }
  return decision;
}

// The ACL of the bucket, or of the object, for the permission the route's
// action needs, granted to `caller_id` (empty: anonymous) or a group it
// belongs to.
boost::asio::awaitable<Status> authorize_by_acl(Context& ctx, const Route& route,
                                                std::string_view caller_id) {
  auto need = acl_need(route.action);
  if (!need) {
    if (route.per_key && ctx.policy) co_return Status{};
    co_return fail(access_denied());
  }
  auto settings = co_await acl_settings(ctx);
  if (!settings) co_return std::unexpected(settings.error());
  if (settings->acls_disabled) {
    if (route.per_key && ctx.policy) co_return Status{};
    co_return fail(access_denied());
  }
  std::optional<std::string> stored;
  if (need->on_object) {
    auto info = co_await named_version(ctx);
    if (!info) {
      // A missing key is told only to a caller who may list the bucket.
      bool tell = (info.error().code == ErrorCode::kNoSuchKey ||
                   info.error().code == ErrorCode::kNoSuchVersion) &&
                  co_await may_list_bucket(ctx);
      co_return fail(tell ? info.error() : access_denied());
    }
    stored = std::string(info->meta_value(object::kAclMeta));
  } else {
    auto acl = co_await read_bucket_config(ctx, "acl");
    if (!acl) co_return std::unexpected(acl.error());
    stored = std::move(*acl);
  }
  std::optional<Acl> acl;
  if (stored && !stored->empty()) acl = decode_acl(*stored);
  if (acl && acl_grants(*acl, need->permission, caller_id, settings->ignore_public_acls)) {
    if (!need->on_object) ctx.bucket_acl_grants = need->permission;
    co_return Status{};
  }
  if (route.per_key && ctx.policy) co_return Status{};
  co_return fail(access_denied());
}

// Authorization of a signed caller whose permissions are evaluated (an IAM
// user, an access key, a session, or the root user narrowed by one).
boost::asio::awaitable<Status> authorize_identity(Context& ctx, const Route& route) {
  // A request no operation serves is answered by its operation
  // (MethodNotAllowed, NotImplemented), as for the root user.
  if (route.action.empty()) co_return Status{};
  ctx.conditions = condition_values(ctx);
  if (!ctx.bucket.empty()) {
    auto text = co_await read_bucket_config(ctx, "policy");
    if (!text && text.error().code != ErrorCode::kNoSuchBucket) {
      co_return std::unexpected(text.error());
    }
    if (text && *text) {
      if (auto policy = parsed_policy(ctx.bucket, **text)) ctx.policy = std::move(*policy);
    }
  }
  // Key by key, in the operation (allowed_on_key).
  if (route.per_key) co_return Status{};
  std::string resource = route_resource(ctx, route);
  auto decision = caller_decision(ctx, route.action, resource, true);
  if (decision == iam::Decision::kAllow) co_return Status{};
  // Without a verdict of the policies, an ACL grant to the user (by its
  // canonical id, or to AuthenticatedUsers) is enough, as for a caller of
  // another account in AWS.
  if (decision == iam::Decision::kNoMatch && !ctx.bucket.empty()) {
    co_return co_await authorize_by_acl(ctx, route, iam::canonical_user_id(ctx.identity->user));
  }
  co_return fail(access_denied());
}

}  // namespace

bool public_access_blocked(const std::optional<std::string>& document, std::string_view flag) {
  if (!document) return false;
  auto doc = parse_xml(*document);
  if (!doc) return false;
  return iequals(trim(xml_child(doc->document_element(), flag).child_value()), "true");
}

Result<std::shared_ptr<const iam::Policy>> parsed_policy(std::string_view bucket,
                                                         std::string_view text) {
  return policy_cache().get(bucket, text);
}

boost::asio::awaitable<Status> authorize(Context& ctx, const Route& route) {
  if (route.open) co_return Status{};
  // The owner the caller expects (x-amz-expected-bucket-owner, and for a
  // copy's source x-amz-source-expected-bucket-owner) must be the bucket's:
  // every bucket is the root user's.
  for (auto header : {"x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"}) {
    if (ctx.has_header(header) &&
        trim(ctx.header(header)) != iam::canonical_user_id(ctx.services.iam.root_access_key())) {
      co_return fail(access_denied());
    }
  }
  if (ctx.unlimited()) co_return Status{};
  if (ctx.identity) co_return co_await authorize_identity(ctx, route);
  if (ctx.bucket.empty() || route.action.empty()) co_return fail(access_denied());
  ctx.conditions = condition_values(ctx);
  // The bucket policy first: its explicit Deny ends it, its Allow is enough.
  auto text = co_await read_bucket_config(ctx, "policy");
  if (!text) co_return std::unexpected(text.error());
  auto block = co_await read_bucket_config(ctx, "publicAccessBlock");
  if (!block) co_return std::unexpected(block.error());
  if (*text && !public_access_blocked(*block, "RestrictPublicBuckets")) {
    // A stored policy parsed when it was set; one that no longer does grants nothing.
    if (auto policy = parsed_policy(ctx.bucket, **text)) {
      std::string resource = route_resource(ctx, route);
      iam::PolicyRequest request{true, {}, route.action, resource, &ctx.conditions};
      auto decision = route.per_key ? iam::Decision::kNoMatch : (*policy)->evaluate(request);
      if (decision == iam::Decision::kDeny) co_return fail(access_denied());
      ctx.policy = std::move(*policy);
      if (decision == iam::Decision::kAllow) co_return Status{};
    }
  }
  // Then the ACL of the bucket, or of the object.
  co_return co_await authorize_by_acl(ctx, route, "");
}

bool allowed_on_key(const Context& ctx, std::string_view action, std::string_view key,
                    std::string_view bucket) {
  if (ctx.unlimited()) return true;
  if (bucket.empty()) bucket = ctx.bucket;
  if (ctx.identity) {
    return caller_decision(ctx, action, iam::s3_arn(bucket, key), bucket == ctx.bucket) ==
           iam::Decision::kAllow;
  }
  if (bucket != ctx.bucket) return false;
  if (ctx.policy) {
    std::string resource = iam::s3_arn(ctx.bucket, key);
    iam::PolicyRequest request{true, {}, action, resource, &ctx.conditions};
    auto decision = ctx.policy->evaluate(request);
    if (decision != iam::Decision::kNoMatch) return decision == iam::Decision::kAllow;
  }
  // A bucket-wide grant (WRITE lets anyone delete any key).
  auto need = acl_need(action);
  return need && !need->on_object &&
         (ctx.bucket_acl_grants & need->permission) == need->permission;
}

bool admin_allowed(Context& ctx, std::string_view action) {
  if (ctx.unlimited()) return true;
  if (!ctx.identity) return false;
  if (ctx.conditions.empty()) ctx.conditions = condition_values(ctx);
  return caller_decision(ctx, action, {}, false) == iam::Decision::kAllow;
}

boost::asio::awaitable<bool> may_list_bucket(Context& ctx) {
  if (ctx.unlimited()) co_return true;
  std::string caller_id;
  if (ctx.identity) {
    auto decision = caller_decision(ctx, "s3:ListBucket", iam::s3_arn(ctx.bucket), true);
    if (decision != iam::Decision::kNoMatch) co_return decision == iam::Decision::kAllow;
    caller_id = iam::canonical_user_id(ctx.identity->user);
  }
  if (!ctx.identity && ctx.policy) {
    std::string resource = iam::s3_arn(ctx.bucket);
    iam::PolicyRequest request{true, {}, "s3:ListBucket", resource, &ctx.conditions};
    auto decision = ctx.policy->evaluate(request);
    if (decision != iam::Decision::kNoMatch) co_return decision == iam::Decision::kAllow;
  }
  auto settings = co_await acl_settings(ctx);
  if (!settings || settings->acls_disabled) co_return false;
  auto stored = co_await read_bucket_config(ctx, "acl");
  if (!stored || !*stored) co_return false;
  auto acl = decode_acl(**stored);
  co_return acl && acl_grants(*acl, kAclRead, caller_id, settings->ignore_public_acls);
}

}  // namespace silo::s3
