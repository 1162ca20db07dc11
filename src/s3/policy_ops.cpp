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
}  // namespace

Op get_bucket_policy(Context& ctx) {
  auto doc = co_await blocking(
      ctx, [&] { return ctx.services.objects.bucket_config(ctx.bucket, "policy"); });
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
  if (auto p = parsed_policy(ctx.bucket, *body); !p) co_return std::unexpected(p.error());
  auto s = co_await blocking(
      ctx, [&] { return ctx.services.objects.set_bucket_config(ctx.bucket, "policy", *body); });
  if (!s) co_return s;
  co_return co_await send_empty(ctx, 204);
}

Op delete_bucket_policy(Context& ctx) {
  auto s = co_await blocking(ctx, [&] {
    return ctx.services.objects.set_bucket_config(ctx.bucket, "policy", std::nullopt);
  });
  if (!s) co_return s;
  co_return co_await send_empty(ctx, 204);
}

Op get_bucket_policy_status(Context& ctx) {
  auto doc = co_await blocking(
      ctx, [&] { return ctx.services.objects.bucket_config(ctx.bucket, "policy"); });
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(ErrorCode::kNoSuchBucketPolicy);
  bool is_public = false;
  if (auto p = parsed_policy(ctx.bucket, **doc)) {
    // Public when anyone may do anything without a condition: AWS's rule,
    // simplified to what a statement says on its face.
    is_public = (*p)->grants_everyone("s3:GetObject") || (*p)->grants_everyone("s3:ListBucket") ||
                (*p)->grants_everyone("s3:PutObject") || (*p)->grants_everyone("s3:DeleteObject");
  }
  XmlDoc xml("PolicyStatus");
  add_text(xml.root(), "IsPublic", is_public ? "true" : "false");
  co_return co_await send_xml(ctx, 200, xml.str());
}

}  // namespace silo::s3::ops
