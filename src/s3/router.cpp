#include "s3/router.h"

#include "iam/policy.h"

namespace silo::s3 {

namespace {

namespace bhttp = boost::beast::http;
using ops::Op;
using V = bhttp::verb;

Op method_not_allowed(Context&) { co_return fail(ErrorCode::kMethodNotAllowed); }
Op not_implemented(Context&) { co_return fail(ErrorCode::kNotImplemented); }
Op get_object(Context& ctx) { return ops::get_object(ctx, false); }
Op head_object(Context& ctx) { return ops::get_object(ctx, true); }

// A bucket subresource and what each method does with it. A null operation
// falls back to the defaults: GET answers as for a bucket that never had
// the configuration (ops::get_bucket_config), PUT is NotImplemented and
// DELETE succeeds once the bucket exists.
struct BucketConfigRoute {
  std::string_view sub;
  std::string_view get_action, put_action, delete_action;
  Op (*get)(Context&) = nullptr;
  Op (*put)(Context&) = nullptr;
  Op (*del)(Context&) = nullptr;
};

const BucketConfigRoute kBucketConfigs[] = {
    {"tagging", "s3:GetBucketTagging", "s3:PutBucketTagging", "s3:PutBucketTagging",
     ops::get_bucket_tagging, ops::put_bucket_tagging, ops::delete_bucket_tagging},
    {"policy", "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
     ops::get_bucket_policy, ops::put_bucket_policy, ops::delete_bucket_policy},
    {"policyStatus", "s3:GetBucketPolicyStatus", "", "", ops::get_bucket_policy_status},
    {"versioning", "s3:GetBucketVersioning", "s3:PutBucketVersioning", "",
     ops::get_bucket_versioning, ops::put_bucket_versioning},
    {"acl", "s3:GetBucketAcl", "s3:PutBucketAcl", "", ops::get_bucket_acl, ops::put_bucket_acl},
    {"cors", "s3:GetBucketCORS", "s3:PutBucketCORS", "s3:PutBucketCORS", ops::get_bucket_cors,
     ops::put_bucket_cors, ops::delete_bucket_cors},
    {"lifecycle", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration",
     "s3:PutLifecycleConfiguration", ops::get_bucket_lifecycle, ops::put_bucket_lifecycle,
     ops::delete_bucket_lifecycle},
    {"encryption", "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration",
     "s3:PutEncryptionConfiguration", ops::get_bucket_setting, ops::put_bucket_setting,
     ops::delete_bucket_setting},
    {"object-lock", "s3:GetBucketObjectLockConfiguration",
     "s3:PutBucketObjectLockConfiguration", "", ops::get_object_lock_config,
     ops::put_object_lock_config},
    {"website", "s3:GetBucketWebsite", "s3:PutBucketWebsite", "s3:DeleteBucketWebsite"},
    {"replication", "s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration",
     "s3:PutReplicationConfiguration"},
    {"ownershipControls", "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls",
     "s3:PutBucketOwnershipControls", ops::get_bucket_setting, ops::put_bucket_setting,
     ops::delete_bucket_setting},
    {"logging", "s3:GetBucketLogging", "s3:PutBucketLogging", ""},
    {"notification", "s3:GetBucketNotification", "s3:PutBucketNotification", ""},
    {"accelerate", "s3:GetAccelerateConfiguration", "s3:PutAccelerateConfiguration", "", nullptr,
     ops::put_bucket_fixed_setting},
    {"requestPayment", "s3:GetBucketRequestPayment", "s3:PutBucketRequestPayment", "", nullptr,
     ops::put_bucket_fixed_setting},
    {"publicAccessBlock", "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock",
     "s3:PutBucketPublicAccessBlock", ops::get_bucket_setting, ops::put_bucket_setting,
     ops::delete_bucket_setting},
    {"intelligent-tiering", "s3:GetIntelligentTieringConfiguration",
     "s3:PutIntelligentTieringConfiguration", "s3:PutIntelligentTieringConfiguration"},
    {"analytics", "s3:GetAnalyticsConfiguration", "s3:PutAnalyticsConfiguration",
     "s3:PutAnalyticsConfiguration"},
    {"metrics", "s3:GetMetricsConfiguration", "s3:PutMetricsConfiguration",
     "s3:PutMetricsConfiguration"},
    {"inventory", "s3:GetInventoryConfiguration", "s3:PutInventoryConfiguration",
     "s3:PutInventoryConfiguration"},
};

Route bucket_config_route(Context& ctx, const BucketConfigRoute& c, V method) {
  ctx.subresource = c.sub;
  switch (method) {
    case V::get:
      return {c.get_action, Level::kBucket, c.get ? c.get : ops::get_bucket_config};
    case V::put:
      if (c.put_action.empty()) break;
      return {c.put_action, Level::kBucket, c.put ? c.put : not_implemented};
    case V::delete_:
      if (c.delete_action.empty()) break;
      return {c.delete_action, Level::kBucket, c.del ? c.del : ops::delete_bucket_config};
    default:
      break;
  }
  return {"", Level::kBucket, method_not_allowed};
}

Route bucket_route(Context& ctx, V method) {
  const auto& q = ctx.query;
  for (const auto& c : kBucketConfigs) {
    if (q.has(c.sub)) return bucket_config_route(ctx, c, method);
  }
  switch (method) {
    case V::get:
      if (q.has("uploads")) return {"s3:ListBucketMultipartUploads", Level::kBucket, ops::list_uploads};
      if (q.has("versions")) {
        return {"s3:ListBucketVersions", Level::kBucket, ops::list_object_versions};
      }
      if (q.has("location")) return {"s3:GetBucketLocation", Level::kBucket, ops::get_bucket_location};
      return {"s3:ListBucket", Level::kBucket, ops::list_objects};
    case V::head:
      return {"s3:ListBucket", Level::kBucket, ops::head_bucket};
    case V::put:
      return {"s3:CreateBucket", Level::kBucket, ops::create_bucket};
    case V::delete_:
      return {"s3:DeleteBucket", Level::kBucket, ops::delete_bucket};
    case V::post:
      if (q.has("delete")) return {"s3:DeleteObject", Level::kBucket, ops::delete_objects, true};
      return {"s3:PutObject", Level::kBucket, ops::post_object, false, true};
    default:
      break;
  }
  return {"", Level::kBucket, method_not_allowed};
}

Route object_route(Context& ctx, V method) {
  const auto& q = ctx.query;
  switch (method) {
    case V::get:
      if (q.has("uploadId")) return {"s3:ListMultipartUploadParts", Level::kObject, ops::list_parts};
      if (q.has("acl")) return {"s3:GetObjectAcl", Level::kObject, ops::get_object_acl};
      if (q.has("tagging")) return {"s3:GetObjectTagging", Level::kObject, ops::get_object_tagging};
      if (q.has("retention")) {
        return {"s3:GetObjectRetention", Level::kObject, ops::get_object_retention};
      }
      if (q.has("legal-hold")) {
        return {"s3:GetObjectLegalHold", Level::kObject, ops::get_object_legal_hold};
      }
      if (q.has("attributes")) {
        return {"s3:GetObjectAttributes", Level::kObject, ops::get_object_attributes};
      }
      if (q.has("torrent")) return {"s3:GetObjectTorrent", Level::kObject, not_implemented};
      return {"s3:GetObject", Level::kObject, get_object};
    case V::head:
      return {"s3:GetObject", Level::kObject, head_object};
    case V::put:
      if (q.has("uploadId") || q.has("partNumber")) {
        return {"s3:PutObject", Level::kObject,
                ctx.has_header("x-amz-copy-source") ? ops::upload_part_copy : ops::upload_part};
      }
      if (q.has("tagging")) return {"s3:PutObjectTagging", Level::kObject, ops::put_object_tagging};
      if (q.has("acl")) return {"s3:PutObjectAcl", Level::kObject, ops::put_object_acl};
      if (q.has("retention")) {
        return {"s3:PutObjectRetention", Level::kObject, ops::put_object_retention};
      }
      if (q.has("legal-hold")) {
        return {"s3:PutObjectLegalHold", Level::kObject, ops::put_object_legal_hold};
      }
      return {"s3:PutObject", Level::kObject,
              ctx.has_header("x-amz-copy-source") ? ops::copy_object : ops::put_object};
    case V::delete_:
      if (q.has("uploadId")) return {"s3:AbortMultipartUpload", Level::kObject, ops::abort_multipart};
      if (q.has("tagging")) {
        return {"s3:DeleteObjectTagging", Level::kObject, ops::delete_object_tagging};
      }
      return {"s3:DeleteObject", Level::kObject, ops::delete_object};
    case V::post:
      if (q.has("uploads")) return {"s3:PutObject", Level::kObject, ops::create_multipart};
      if (q.has("uploadId")) return {"s3:PutObject", Level::kObject, ops::complete_multipart};
      return {"", Level::kObject, not_implemented};
    default:
      break;
  }
  return {"", Level::kObject, method_not_allowed};
}

}  // namespace

Route route_request(Context& ctx) {
  auto method = ctx.request().method();
  if (ctx.bucket.empty()) {
    if (method == V::get) return {"s3:ListAllMyBuckets", Level::kService, ops::list_buckets};
    return {"", Level::kService, method_not_allowed};
  }
  if (method == V::options) {
    bool object = ctx.key_in_path && !ctx.key.empty();
    return {"", object ? Level::kObject : Level::kBucket, ops::cors_preflight, false, true};
  }
  if (!ctx.key_in_path || ctx.key.empty()) return bucket_route(ctx, method);
  return object_route(ctx, method);
}

std::string route_resource(const Context& ctx, const Route& route) {
  switch (route.level) {
    case Level::kService:
      // What an identity policy names for ListAllMyBuckets ("arn:aws:s3:::*"
      // or "*" both match it).
      return "arn:aws:s3:::*";
    case Level::kBucket:
      return iam::s3_arn(ctx.bucket);
    case Level::kObject:
      return iam::s3_arn(ctx.bucket, ctx.key);
  }
  return "*";
}

}  // namespace silo::s3
