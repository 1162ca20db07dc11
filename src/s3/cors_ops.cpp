// Bucket CORS rules (a bucket configuration, stored as the normalized
// CORSConfiguration) and the preflight OPTIONS request answered from them.
#include "s3/body.h"
#include "s3/cors.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"

namespace silo::s3::ops {

namespace {
constexpr size_t kMaxCorsBody = 64 << 10;
}  // namespace

Op get_bucket_cors(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, "cors");
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(ErrorCode::kNoSuchCORSConfiguration);
  co_return co_await send_xml(ctx, 200, std::move(**doc));
}

Op put_bucket_cors(Context& ctx) {
  auto body = co_await read_small_body(ctx, kMaxCorsBody);
  if (!body) co_return std::unexpected(body.error());
  auto rules = parse_cors_xml(*body);
  if (!rules) co_return std::unexpected(rules.error());
  std::string doc = cors_xml(*rules);
  co_return co_await write_bucket_config(ctx, "cors", doc, 200);
}

Op delete_bucket_cors(Context& ctx) {
  co_return co_await write_bucket_config(ctx, "cors", std::nullopt, 204);
}

Op cors_preflight(Context& ctx) {
  if (!ctx.has_header("origin")) {
    co_return fail(ErrorCode::kInvalidRequest,
                   "Insufficient information. Origin request header needed.");
  }
  std::string method(ctx.header("access-control-request-method"));
  if (method.empty()) {
    co_return fail(ErrorCode::kInvalidRequest,
                   "Invalid Access-Control-Request-Method: null");
  }
  auto doc = co_await read_bucket_config(ctx, "cors");
  if (!doc) co_return std::unexpected(doc.error());
  auto refused = Error(ErrorCode::kAccessForbidden,
                       "CORSResponse: This CORS request is not allowed. This is usually because "
                       "the evalution of Origin, request method / Access-Control-Request-Method or "
                       "Access-Control-Request-Headers are not whitelisted by the resource's CORS "
                       "spec.");
  if (!*doc) {
    co_return fail(Error(ErrorCode::kAccessForbidden,
                         "CORSResponse: CORS is not enabled for this bucket."));
  }
  auto rules = parse_cors_xml(**doc);
  if (!rules) co_return fail(refused);
  auto requested = split_header_list(ctx.header("access-control-request-headers"));
  const CorsRule* rule = match_cors(*rules, ctx.header("origin"), method, requested);
  if (!rule) co_return fail(refused);
  auto res = make_response(ctx, 200);
  for (auto& [name, value] : cors_headers(*rule, ctx.header("origin"), true, requested)) {
    res.set(name, value);
  }
  res.prepare_payload();
  co_return co_await send(ctx, std::move(res));
}

}  // namespace silo::s3::ops
