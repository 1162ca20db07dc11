// The S3 operations. Each one serves a routed, authenticated request: it
// validates its inputs, calls the object layer on the blocking pool and sends
// the response. An error returned before the response started is turned
// into the S3 error document by the handler.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "common/error.h"
#include "s3/context.h"

namespace silo::s3::ops {

using Op = boost::asio::awaitable<Status>;

// bucket_ops.cpp
Op list_buckets(Context& ctx);
Op create_bucket(Context& ctx);
Op head_bucket(Context& ctx);
// HeadBucket without credentials: 403, but with the bucket's region in
// x-amz-bucket-region, as AWS answers (SDKs find a bucket's region this way).
Op head_bucket_anonymous(Context& ctx);
Op delete_bucket(Context& ctx);
Op get_bucket_location(Context& ctx);
// Fails with NoSuchBucket unless the bucket exists; sends nothing.
Op head_bucket_exists(Context& ctx);
// GET on a bucket subresource (ctx.subresource) Silo keeps no
// configuration for yet (?versioning, ?acl, ?cors, ...): the answer AWS
// gives for a bucket that never had it configured.
Op get_bucket_config(Context& ctx);
// DELETE of such a subresource: 204 once the bucket exists.
Op delete_bucket_config(Context& ctx);

// tagging_ops.cpp: object and bucket tag sets (s3/tags.h).
Op get_object_tagging(Context& ctx);
Op put_object_tagging(Context& ctx);
Op delete_object_tagging(Context& ctx);
Op get_bucket_tagging(Context& ctx);
Op put_bucket_tagging(Context& ctx);
Op delete_bucket_tagging(Context& ctx);

// cors_ops.cpp: bucket CORS rules and the preflight request (s3/cors.h).
Op get_bucket_cors(Context& ctx);
Op put_bucket_cors(Context& ctx);
Op delete_bucket_cors(Context& ctx);
Op cors_preflight(Context& ctx);

// settings_ops.cpp: settings kept as documents (ctx.subresource:
// encryption, publicAccessBlock, ownershipControls).
Op get_bucket_setting(Context& ctx);
Op put_bucket_setting(Context& ctx);
Op delete_bucket_setting(Context& ctx);
// PUT of ?accelerate or ?requestPayment: the fixed answers (Suspended,
// BucketOwner) accepted, the others refused with InvalidRequest.
Op put_bucket_fixed_setting(Context& ctx);
// The lifecycle configuration (s3/lifecycle.h).
Op get_bucket_lifecycle(Context& ctx);
Op put_bucket_lifecycle(Context& ctx);
Op delete_bucket_lifecycle(Context& ctx);

// policy_ops.cpp: bucket policies (iam/policy.h, s3/access.h).
Op get_bucket_policy(Context& ctx);
Op put_bucket_policy(Context& ctx);
Op delete_bucket_policy(Context& ctx);
Op get_bucket_policy_status(Context& ctx);

// list_ops.cpp
Op list_objects(Context& ctx);
Op list_uploads(Context& ctx);
// ListObjectVersions (GET ?versions).
Op list_object_versions(Context& ctx);
Op get_bucket_versioning(Context& ctx);
// GetObjectAttributes (s3/attributes_ops.cpp).
Op get_object_attributes(Context& ctx);
// POST Object: a browser form upload (s3/post_object_ops.cpp).
Op post_object(Context& ctx);
Op get_object_lock_config(Context& ctx);
Op put_object_lock_config(Context& ctx);
Op get_object_retention(Context& ctx);
Op put_object_retention(Context& ctx);
Op get_object_legal_hold(Context& ctx);
Op put_object_legal_hold(Context& ctx);
Op put_bucket_versioning(Context& ctx);
Op list_parts(Context& ctx);

// object_ops.cpp
Op put_object(Context& ctx);
Op get_object(Context& ctx, bool head);
Op delete_object(Context& ctx);
Op delete_objects(Context& ctx);
Op copy_object(Context& ctx);
Op get_object_acl(Context& ctx);
Op put_object_acl(Context& ctx);
Op get_bucket_acl(Context& ctx);
Op put_bucket_acl(Context& ctx);

// multipart_ops.cpp
Op create_multipart(Context& ctx);
Op upload_part(Context& ctx);
Op upload_part_copy(Context& ctx);
Op complete_multipart(Context& ctx);
Op abort_multipart(Context& ctx);

}  // namespace silo::s3::ops
