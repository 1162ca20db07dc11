// Object and bucket tagging: PutObjectTagging/GetObjectTagging/
// DeleteObjectTagging change the tags of the current version, or of the one
// ?versionId names, in place (its data, ETag and modification time stay);
// bucket tags are a bucket configuration.
#include "object/object_meta.h"
#include "s3/body.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/tags.h"

namespace silo::s3::ops {

namespace {

constexpr size_t kMaxTaggingBody = 64 << 10;

// Sets the object's stored tags to `encoded` ("" removes them) and answers
// with `status`.
Op set_object_tags(Context& ctx, std::string encoded, int status) {
  co_return co_await edit_version_meta(
      ctx,
      [&](object::ObjectInfo& object) -> Status {
        object::set_meta(object.meta, object::kTagsMeta, encoded);
        return {};
      },
      status);
}

}  // namespace

Op get_object_tagging(Context& ctx) {
  auto info = co_await named_version(ctx);
  if (!info) co_return std::unexpected(info.error());
  auto res = make_response(ctx, 200);
  res.set(boost::beast::http::field::content_type, "application/xml");
  if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
  res.body() = tagging_xml(decode_tags(info->meta_value(object::kTagsMeta)));
  co_return co_await send(ctx, std::move(res));
}

Op put_object_tagging(Context& ctx) {
  auto body = co_await read_small_body(ctx, kMaxTaggingBody);
  if (!body) co_return std::unexpected(body.error());
  auto tags = parse_tagging_xml(*body, TagOwner::kObject);
  if (!tags) co_return std::unexpected(tags.error());
  co_return co_await set_object_tags(ctx, encode_tags(*tags), 200);
}

Op delete_object_tagging(Context& ctx) {
  co_return co_await set_object_tags(ctx, std::string(), 204);
}

Op get_bucket_tagging(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, "tagging");
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(ErrorCode::kNoSuchTagSet);
  co_return co_await send_xml(ctx, 200, tagging_xml(decode_tags(**doc)));
}

Op put_bucket_tagging(Context& ctx) {
  auto body = co_await read_small_body(ctx, kMaxTaggingBody);
  if (!body) co_return std::unexpected(body.error());
  auto tags = parse_tagging_xml(*body, TagOwner::kBucket);
  if (!tags) co_return std::unexpected(tags.error());
  std::string encoded = encode_tags(*tags);
  // An empty tag set leaves the bucket without tags, as AWS does.
  co_return co_await write_bucket_config(
      ctx, "tagging", encoded.empty() ? std::nullopt : std::optional<std::string_view>(encoded),
      204);
}

Op delete_bucket_tagging(Context& ctx) {
  co_return co_await write_bucket_config(ctx, "tagging", std::nullopt, 204);
}

}  // namespace silo::s3::ops
