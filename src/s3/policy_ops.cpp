// Bucket policies: stored as the document the client put (a bucket
// configuration), validated by the policy engine when set, and evaluated
// by s3/access.h for every request that is not the root user's.
#include "s3/access.h"
#include "s3/body.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/xml.h"

namespace silo::s3::ops {

namespace {
// AWS's limit on a bucket policy.
constexpr size_t kMaxPolicy = 20 << 10;

// Public when anyone may read, list, write or delete without a condition:
// AWS's rule, simplified to what a statement says on its face.
bool is_public(const iam::Policy& p) {
  for (auto action : {"s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject"}) {
    if (p.grants_everyone(action)) return true;
  }
  return false;
}
}  // namespace

Op get_bucket_policy(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, "policy");
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(ErrorCode::kNoSuchBucketPolicy);
  auto res = make_response(ctx, 200);
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = std::move(**doc);
  co_return co_await send(ctx, std::move(res));
}

Op put_bucket_policy(Context& ctx) {
  auto body = co_await read_small_body(ctx, kMaxPolicy + 1);
  if (!body) co_return std::unexpected(body.error());
  if (body->size() > kMaxPolicy) {
    co_return fail(ErrorCode::kInvalidArgument, "Policy exceeds the maximum allowed document size.");
  }
  auto policy = parsed_policy(ctx.bucket, *body);
  if (!policy) co_return std::unexpected(policy.error());
  auto block = co_await read_bucket_config(ctx, "publicAccessBlock");
  if (!block) co_return std::unexpected(block.error());
  if (public_access_blocked(*block, "BlockPublicPolicy") && is_public(**policy)) {
    co_return fail(ErrorCode::kAccessDenied,
                   "The bucket's public access block (BlockPublicPolicy) forbids a public policy.");
  }
  co_return co_await write_bucket_config(ctx, "policy", *body, 204);
}

Op delete_bucket_policy(Context& ctx) {
  co_return co_await write_bucket_config(ctx, "policy", std::nullopt, 204);
}

Op get_bucket_policy_status(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, "policy");
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(ErrorCode::kNoSuchBucketPolicy);
  auto p = parsed_policy(ctx.bucket, **doc);
  XmlDoc xml("PolicyStatus");
  add_text(xml.root(), "IsPublic", p && is_public(**p) ? "true" : "false");
  co_return co_await send_xml(ctx, 200, xml.str());
}

}  // namespace silo::s3::ops
