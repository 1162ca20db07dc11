// Authorization: whether the authenticated (or anonymous) caller may
// perform a route's action on its resource. The one place that decides it;
// no operation checks credentials itself.
//
// - The root user may do everything (unless it signed with an access key or
//   session narrowed by a policy of its own).
// - Any other signed caller (an IAM user, its access keys and sessions) is
//   judged by its identity policies (iam/identity.h: its own, its groups',
//   and the limits of its key or session) together with the bucket's
//   policy, whose statements name it by ARN or access key: an explicit Deny
//   in either refuses, an Allow in either grants. When neither speaks, an
//   ACL grant to the user's canonical id (or to AuthenticatedUsers) is
//   enough, as for a caller of another account in AWS; else AccessDenied.
// - An anonymous caller is judged by the bucket's policy, then its ACLs:
//   - A policy statement that denies the action to everyone
//     ("Principal": "*") refuses it; one that allows it (and none denies)
//     grants it, given the request's condition keys (aws:SourceIp,
//     aws:SecureTransport, aws:UserAgent, aws:Referer, aws:CurrentTime,
//     aws:EpochTime, s3:prefix, s3:delimiter, s3:max-keys, s3:x-amz-acl,
//     s3:signatureversion, s3:authType, ...). RestrictPublicBuckets in the
//     bucket's public access block sets the policy aside.
//   - Otherwise the ACL the action needs (s3/acl.h acl_need: the bucket's
//     for listing and writing, the object's for reading it) must grant its
//     permission to AllUsers; IgnorePublicAcls sets such grants aside, and
//     BucketOwnerEnforced ownership turns ACLs off.
//   - Anything else is AccessDenied, as is a request without a bucket.
//   A route whose action applies key by key (Route::per_key) is checked by
//   its operation through allowed_on_key().
//
// Bucket policies are parsed once per document and reused (the documents
// themselves come from the object layer's configuration cache).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string_view>

#include "iam/policy.h"
#include "s3/context.h"
#include "s3/router.h"

namespace silo::s3 {

// Fails with AccessDenied (or the error that kept the decision from being
// made, such as NoSuchBucket) unless the caller may perform `route`.
boost::asio::awaitable<Status> authorize(Context& ctx, const Route& route);

// For a caller already authorized at the bucket (ctx.policy is its bucket
// policy, ctx.bucket_acl_grants what the bucket's ACL grants an anonymous
// caller): whether `action` on `key` of `bucket` (empty: the request's) is
// allowed too. Used by the operations that act on several keys or on a
// second object (DeleteObjects, a copy's source). Always true for the root
// user; an anonymous caller acts on the request's bucket only.
bool allowed_on_key(const Context& ctx, std::string_view action, std::string_view key,
                    std::string_view bucket = {});

// Whether the caller may perform the admin API action `action`
// ("admin:CreateUser", ...): the root user may; any other signed caller when
// its identity policies allow it (admin actions name no resource).
bool admin_allowed(Context& ctx, std::string_view action);

// Whether the caller may list the bucket (s3:ListBucket by the policy that
// authorized it, or READ by the bucket's ACL). An anonymous caller who may
// not learns nothing of which keys exist: a missing key is AccessDenied to
// it, not NoSuchKey, as AWS answers.
boost::asio::awaitable<bool> may_list_bucket(Context& ctx);

// Whether the bucket's public access block (its PublicAccessBlockConfiguration
// document, nullopt: none) sets `flag` ("BlockPublicPolicy",
// "RestrictPublicBuckets", ...) to true.
bool public_access_blocked(const std::optional<std::string>& document, std::string_view flag);

// The policy document `text` of `bucket`, parsed (a cached parse when the
// same document was seen before); MalformedPolicy when it does not parse.
Result<std::shared_ptr<const iam::Policy>> parsed_policy(std::string_view bucket,
                                                         std::string_view text);

}  // namespace silo::s3
