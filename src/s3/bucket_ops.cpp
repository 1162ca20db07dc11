#include <algorithm>

#include "common/strings.h"
#include "common/time.h"
#include "object/object_lock.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/validate.h"
#include "s3/body.h"
#include "s3/xml.h"

namespace silo::s3::ops {

Op list_buckets(Context& ctx) {
  auto buckets = co_await blocking(ctx, [&] { return ctx.services.objects.list_buckets(); });
  if (!buckets) co_return std::unexpected(buckets.error());
  XmlDoc doc("ListAllMyBucketsResult");
  add_owner(doc.root(), ctx);
  auto list = doc.root().append_child("Buckets");
  for (const auto& b : *buckets) {
    auto node = list.append_child("Bucket");
    add_text(node, "Name", b.name);
    add_text(node, "CreationDate", format_iso8601(b.created_ns));
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

namespace {

// Region names as AWS spells them ("eu-west-1", "us-gov-east-1"), plus the
// legacy "EU" that older SDKs send for eu-west-1.
bool valid_location(std::string_view location) {
  if (location == "EU") return true;
  if (location.empty() || location.size() > 64) return false;
  return std::all_of(location.begin(), location.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The location a bucket is created in: the LocationConstraint when given,
// else the server's region (empty, i.e. us-east-1, when it has none). With a
// configured region, only that region is accepted, as on an AWS regional
// endpoint; without one, any region is (as MinIO does), so clients that
// set a region for other reasons can create buckets.
Result<std::string> bucket_location(const Context& ctx, std::string location) {
  const std::string& region = ctx.services.config.region;
  if (location.empty()) return region == "us-east-1" ? std::string() : region;
  if (!valid_location(location)) return fail(ErrorCode::kInvalidLocationConstraint);
  if (location == "EU") location = "eu-west-1";
  if (!region.empty() && location != region) {
    return fail(ErrorCode::kIllegalLocationConstraintException,
                "The " + location + " location constraint is incompatible for the region specific "
                "endpoint this request was sent to (" + region + ").");
  }
  if (location == "us-east-1") location.clear();
  return location;
}

}  // namespace

Op create_bucket(Context& ctx) {
  if (!valid_bucket_name(ctx.bucket)) co_return fail(ErrorCode::kInvalidBucketName);
  auto body = co_await read_small_body(ctx, ctx.services.config.max_xml_body);
  if (!body) co_return std::unexpected(body.error());
  auto constraint = parse_create_bucket(*body);
  if (!constraint) co_return std::unexpected(constraint.error());
  auto location = bucket_location(ctx, std::move(*constraint));
  if (!location) co_return std::unexpected(location.error());
  object::BucketOptions options{std::move(*location)};
  std::string_view lock = trim(ctx.header("x-amz-bucket-object-lock-enabled"));
  if (!lock.empty() && !iequals(lock, "true") && !iequals(lock, "false")) {
    co_return fail(ErrorCode::kInvalidArgument,
                   "x-amz-bucket-object-lock-enabled must be true or false");
  }
  auto made = co_await blocking(
      ctx, [&] { return ctx.services.objects.make_bucket(ctx.bucket, options); });
  if (!made) co_return made;
  if (iequals(lock, "true")) {
    // Object lock keeps versions: the bucket is versioned from the start.
    auto s = co_await blocking(ctx, [&]() -> Status {
      if (auto v = ctx.services.objects.set_bucket_config(ctx.bucket, object::kVersioningConfig,
                                                         "Enabled");
          !v) {
        return v;
      }
      return ctx.services.objects.set_bucket_config(ctx.bucket, object::kObjectLockConfig,
                                                    object::encode_lock_config({}));
    });
    if (!s) co_return s;
  }
  auto res = make_response(ctx, 200);
  res.set(boost::beast::http::field::location, "/" + ctx.bucket);
  co_return co_await send(ctx, std::move(res));
}

Op head_bucket_exists(Context& ctx) {
  auto b = co_await blocking(ctx, [&] { return ctx.services.objects.head_bucket(ctx.bucket); });
  if (!b) co_return std::unexpected(b.error());
  co_return Status{};
}

Op head_bucket(Context& ctx) {
  auto b = co_await blocking(ctx, [&] { return ctx.services.objects.head_bucket(ctx.bucket); });
  if (!b) co_return std::unexpected(b.error());
  auto res = make_response(ctx, 200);
  res.set("x-amz-bucket-region", b->location.empty() ? "us-east-1" : b->location);
  co_return co_await send(ctx, std::move(res));
}

Op head_bucket_anonymous(Context& ctx) {
  auto b = co_await blocking(ctx, [&] { return ctx.services.objects.head_bucket(ctx.bucket); });
  if (!b) co_return std::unexpected(b.error());
  auto res = make_response(ctx, 403);
  res.set("x-amz-bucket-region", b->location.empty() ? "us-east-1" : b->location);
  co_return co_await send(ctx, std::move(res));
}

Op delete_bucket(Context& ctx) {
  auto s = co_await blocking(ctx, [&] { return ctx.services.objects.delete_bucket(ctx.bucket); });
  if (!s) co_return s;
  co_return co_await send_empty(ctx, 204);
}

Op get_bucket_location(Context& ctx) {
  auto b = co_await blocking(ctx, [&] { return ctx.services.objects.head_bucket(ctx.bucket); });
  if (!b) co_return std::unexpected(b.error());
  XmlDoc doc("LocationConstraint");
  // AWS answers an empty constraint for us-east-1 (stored as empty).
  if (!b->location.empty()) doc.root().text().set(b->location.c_str());
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op delete_bucket_config(Context& ctx) {
  if (auto s = co_await head_bucket_exists(ctx); !s) co_return s;
  co_return co_await send_empty(ctx, 204);
}

Op get_bucket_config(Context& ctx) {
  std::string_view sub = ctx.subresource;
  if (auto s = co_await head_bucket_exists(ctx); !s) co_return s;
  if (sub == "acl") {
    XmlDoc doc("AccessControlPolicy");
    add_owner(doc.root(), ctx);
    auto grant = doc.root().append_child("AccessControlList").append_child("Grant");
    auto grantee = grant.append_child("Grantee");
    grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
    grantee.append_attribute("xsi:type") = "CanonicalUser";
    add_text(grantee, "ID", owner_id(ctx));
    add_text(grantee, "DisplayName", ctx.auth.access_key);
    add_text(grant, "Permission", "FULL_CONTROL");
    co_return co_await send_xml(ctx, 200, doc.str());
  }
  if (sub == "object-lock") co_return fail(ErrorCode::kObjectLockConfigurationNotFoundError);
  if (sub == "website") co_return fail(ErrorCode::kNoSuchWebsiteConfiguration);
  if (sub == "replication") co_return fail(ErrorCode::kReplicationConfigurationNotFoundError);
  if (sub == "logging") {
    XmlDoc doc("BucketLoggingStatus");
    co_return co_await send_xml(ctx, 200, doc.str());
  }
  if (sub == "notification") {
    XmlDoc doc("NotificationConfiguration");
    co_return co_await send_xml(ctx, 200, doc.str());
  }
  if (sub == "accelerate") {
    XmlDoc doc("AccelerateConfiguration");
    co_return co_await send_xml(ctx, 200, doc.str());
  }
  if (sub == "requestPayment") {
    XmlDoc doc("RequestPaymentConfiguration");
    add_text(doc.root(), "Payer", "BucketOwner");
    co_return co_await send_xml(ctx, 200, doc.str());
  }
  co_return fail(ErrorCode::kNotImplemented);
}

}  // namespace silo::s3::ops
