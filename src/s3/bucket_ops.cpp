#include <algorithm>

#include "common/hash.h"
#include "common/strings.h"
#include "common/time.h"
#include "object/object_lock.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/request_acl.h"
#include "s3/response.h"
#include "s3/validate.h"
#include "s3/body.h"
#include "s3/xml.h"

namespace silo::s3::ops {

// ListBuckets, paged as AWS pages it when asked: max-buckets (1-10000),
// continuation-token (the base64 of the last name given), prefix and
// bucket-region narrow the answer.
Op list_buckets(Context& ctx) {
  const auto& q = ctx.query;
  size_t max_buckets = 10000;
  if (auto v = q.get("max-buckets")) {
    auto n = parse_u64(*v);
    if (!n || *n < 1 || *n > 10000) {
      co_return fail(ErrorCode::kInvalidArgument, "max-buckets must be between 1 and 10000");
    }
    max_buckets = *n;
  }
  std::string after;
  if (auto t = q.get("continuation-token"); t && !t->empty()) {
    auto decoded = base64_decode(*t);
    if (!decoded) {
      co_return fail(ErrorCode::kInvalidArgument, "The continuation token provided is incorrect");
    }
    after = std::move(*decoded);
  }
  std::string_view prefix = q.value("prefix");
  std::string_view region = q.value("bucket-region");
  auto buckets = co_await blocking(ctx, [&] { return ctx.services.objects.list_buckets(); });
  if (!buckets) co_return std::unexpected(buckets.error());
  XmlDoc doc("ListAllMyBucketsResult");
  add_owner(doc.root(), ctx);
  auto list = doc.root().append_child("Buckets");
  size_t given = 0;
  std::string last;
  bool truncated = false;
  for (const auto& b : *buckets) {
    if (b.name <= after || !std::string_view(b.name).starts_with(prefix)) continue;
    std::string location = b.location.empty() ? "us-east-1" : b.location;
    if (!region.empty() && location != region) continue;
    if (given == max_buckets) {
      truncated = true;
      break;
    }
    auto node = list.append_child("Bucket");
    add_text(node, "Name", b.name);
    add_text(node, "CreationDate", format_iso8601(b.created_ns));
    if (q.has("max-buckets") || q.has("continuation-token")) {
      add_text(node, "BucketRegion", location);
    }
    last = b.name;
    ++given;
  }
  if (truncated) add_text(doc.root(), "ContinuationToken", base64_encode(last));
  if (q.has("prefix")) add_text(doc.root(), "Prefix", prefix);
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
  std::string ownership(trim(ctx.header("x-amz-object-ownership")));
  if (!ownership.empty() && ownership != "BucketOwnerEnforced" &&
      ownership != "BucketOwnerPreferred" && ownership != "ObjectWriter") {
    co_return fail(ErrorCode::kInvalidArgument, "Invalid x-amz-object-ownership header: " +
                                                    ownership);
  }
  auto acl = bucket_acl_at_creation(ctx, ownership);
  if (!acl) co_return std::unexpected(acl.error());
  auto made = co_await blocking(
      ctx, [&] { return ctx.services.objects.make_bucket(ctx.bucket, options); });
  if (!made) co_return made;
  // The settings the request asks for beside the bucket itself.
  std::vector<std::pair<std::string_view, std::string>> configs;
  if (iequals(lock, "true")) {
    // Object lock keeps versions: the bucket is versioned from the start.
    configs.emplace_back(object::kVersioningConfig, "Enabled");
    configs.emplace_back(object::kObjectLockConfig, object::encode_lock_config({}));
  }
  if (!ownership.empty()) {
    std::string doc = "<OwnershipControls xmlns=\"";
    doc.append(kS3Namespace).append("\"><Rule><ObjectOwnership>").append(ownership);
    doc.append("</ObjectOwnership></Rule></OwnershipControls>");
    configs.emplace_back("ownershipControls", std::move(doc));
  }
  if (*acl) configs.emplace_back("acl", std::move(**acl));
  if (!configs.empty()) {
    auto s = co_await blocking(ctx, [&]() -> Status {
      for (const auto& [name, doc] : configs) {
        if (auto v = ctx.services.objects.set_bucket_config(ctx.bucket, name, doc); !v) return v;
      }
      return {};
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
