// Access control lists (s3/acl.h holds the model): Get/PutBucketAcl,
// Get/PutObjectAcl (by ?versionId too), the canned ACL and grant headers
// of CreateBucket, PUT, copy and multipart uploads, and the bucket
// settings that govern ACLs: object ownership (BucketOwnerEnforced turns
// ACLs off) and the public access block (BlockPublicAcls refuses public
// ones, IgnorePublicAcls makes authorization ignore them).
#include "s3/acl.h"

#include "common/strings.h"
#include "iam/identity.h"
#include "object/object_meta.h"
#include "s3/access.h"
#include "s3/body.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/request_acl.h"
#include "s3/response.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

constexpr size_t kMaxAclBody = 64 << 10;

// Every bucket is the account's (the root user's): IAM users act for it.
std::string bucket_owner_id(const Context& ctx) { return owner_id(ctx); }

// Who owns what the request writes: the account, whoever signed (an
// anonymous write is allowed by a policy or a WRITE grant).
std::string writer_id(const Context& ctx) { return owner_id(ctx); }

HeaderLookup request_headers(const Context& ctx) {
  return [&ctx](std::string_view name) -> std::optional<std::string_view> {
    if (!ctx.has_header(name)) return std::nullopt;
    return ctx.header(name);
  };
}

constexpr std::string_view kAclHeaders[] = {
    "x-amz-acl",           "x-amz-grant-read",      "x-amz-grant-write",
    "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"};

bool has_acl_headers(const Context& ctx) {
  for (auto name : kAclHeaders) {
    if (ctx.has_header(name)) return true;
  }
  return false;
}

// A stored ACL, or the default for a resource `owner` owns.
Acl stored_or_private(std::optional<std::string_view> stored, std::string_view owner) {
  if (stored && !stored->empty()) {
    if (auto acl = decode_acl(*stored)) return std::move(*acl);
  }
  return private_acl(owner);
}

// The stored form of `acl`: "" for the default, which is never stored.
std::string stored_form(const Acl& acl) {
  if (acl.grants.size() == 1 && acl.grants[0].permission == kAclFullControl &&
      acl.grants[0].grantee.type == AclGrantee::Type::kCanonicalUser &&
      acl.grants[0].grantee.value == acl.owner_id) {
    return {};
  }
  return encode_acl(acl);
}

// Whether the bucket accepts `acl`: BucketOwnerEnforced takes only the
// owner's full control; BlockPublicAcls refuses grants to everyone.
boost::asio::awaitable<Status> check_acl_settings(Context& ctx, const Acl& acl) {
  auto settings = co_await acl_settings(ctx);
  if (!settings) co_return std::unexpected(settings.error());
  if (settings->acls_disabled && !acl_is_owner_only(acl, bucket_owner_id(ctx))) {
    co_return fail(ErrorCode::kAccessControlListNotSupported);
  }
  if (settings->block_public_acls && acl_is_public(acl)) {
    co_return fail(ErrorCode::kAccessDenied);
  }
  co_return Status{};
}

// The ACL a Put*Acl request gives: its headers, or else its document,
// whose owner must be the resource's `owner`.
boost::asio::awaitable<Result<Acl>> requested_acl(Context& ctx, std::string_view owner) {
  auto body = co_await read_small_body(ctx, kMaxAclBody);
  if (!body) co_return std::unexpected(body.error());
  auto users = canonical_users(ctx);
  auto from_headers = acl_from_headers(request_headers(ctx), owner, bucket_owner_id(ctx), users);
  if (!from_headers) co_return std::unexpected(from_headers.error());
  if (*from_headers) {
    if (!body->empty()) co_return fail(ErrorCode::kUnexpectedContent);
    co_return std::move(**from_headers);
  }
  if (body->empty()) co_return fail(ErrorCode::kMissingSecurityHeader);
  auto acl = parse_acl_xml(*body, users);
  if (!acl) co_return std::unexpected(acl.error());
  if (acl->owner_id != owner) co_return fail(ErrorCode::kAccessDenied);
  co_return std::move(*acl);
}

// The object ownership setting of an OwnershipControls document.
std::string object_ownership(std::string_view document) {
  auto doc = parse_xml(document);
  if (!doc) return {};
  auto rule = xml_child(doc->document_element(), "Rule");
  return std::string(trim(xml_child(rule, "ObjectOwnership").child_value()));
}

}  // namespace

CanonicalUsers canonical_users(const Context& ctx) {
  return [&ctx](std::string_view id) { return ctx.services.iam.access_key_with_id(id); };
}

boost::asio::awaitable<Result<AclSettings>> acl_settings(Context& ctx) {
  AclSettings settings;
  auto ownership = co_await read_bucket_config(ctx, "ownershipControls");
  if (!ownership) co_return std::unexpected(ownership.error());
  settings.acls_disabled = *ownership && object_ownership(**ownership) == "BucketOwnerEnforced";
  auto block = co_await read_bucket_config(ctx, "publicAccessBlock");
  if (!block) co_return std::unexpected(block.error());
  settings.block_public_acls = public_access_blocked(*block, "BlockPublicAcls");
  settings.ignore_public_acls = public_access_blocked(*block, "IgnorePublicAcls");
  co_return settings;
}

boost::asio::awaitable<Status> acl_into(Context& ctx, const HeaderLookup& source,
                                        storage::KeyValues& meta) {
  object::set_meta(meta, object::kAclMeta, "");
  std::string owner = writer_id(ctx);
  auto acl = acl_from_headers(source, owner, bucket_owner_id(ctx), canonical_users(ctx));
  if (!acl) co_return std::unexpected(acl.error());
  if (!*acl) co_return Status{};
  if (auto s = co_await check_acl_settings(ctx, **acl); !s) co_return s;
  object::set_meta(meta, object::kAclMeta, stored_form(**acl));
  co_return Status{};
}

boost::asio::awaitable<Status> acl_headers_into(Context& ctx, storage::KeyValues& meta) {
  if (!has_acl_headers(ctx)) co_return Status{};
  co_return co_await acl_into(ctx, request_headers(ctx), meta);
}

Result<std::optional<std::string>> bucket_acl_at_creation(const Context& ctx,
                                                          std::string_view ownership) {
  if (!has_acl_headers(ctx)) return std::optional<std::string>();
  std::string owner = bucket_owner_id(ctx);
  auto acl = acl_from_headers(request_headers(ctx), owner, owner, canonical_users(ctx));
  if (!acl) return std::unexpected(acl.error());
  if (ownership == "BucketOwnerEnforced" && !acl_is_owner_only(**acl, owner)) {
    return fail(ErrorCode::kInvalidBucketAclWithObjectOwnership);
  }
  std::string stored = stored_form(**acl);
  if (stored.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(stored));
}

namespace ops {

Op get_bucket_acl(Context& ctx) {
  if (auto s = co_await head_bucket_exists(ctx); !s) co_return s;
  auto settings = co_await acl_settings(ctx);
  if (!settings) co_return std::unexpected(settings.error());
  auto stored = co_await read_bucket_config(ctx, "acl");
  if (!stored) co_return std::unexpected(stored.error());
  std::optional<std::string_view> text;
  if (*stored && !settings->acls_disabled) text = **stored;
  Acl acl = stored_or_private(text, bucket_owner_id(ctx));
  co_return co_await send_xml(ctx, 200, acl_xml(acl, canonical_users(ctx)));
}

Op put_bucket_acl(Context& ctx) {
  if (auto s = co_await head_bucket_exists(ctx); !s) co_return s;
  auto acl = co_await requested_acl(ctx, bucket_owner_id(ctx));
  if (!acl) co_return std::unexpected(acl.error());
  if (auto s = co_await check_acl_settings(ctx, *acl); !s) co_return s;
  std::string stored = stored_form(*acl);
  co_return co_await write_bucket_config(
      ctx, "acl", stored.empty() ? std::nullopt : std::optional<std::string_view>(stored), 200);
}

Op get_object_acl(Context& ctx) {
  auto info = co_await named_version(ctx);
  if (!info) co_return std::unexpected(info.error());
  auto settings = co_await acl_settings(ctx);
  if (!settings) co_return std::unexpected(settings.error());
  std::optional<std::string_view> text;
  if (!settings->acls_disabled) text = info->meta_value(object::kAclMeta);
  Acl acl = stored_or_private(text, bucket_owner_id(ctx));
  auto res = make_response(ctx, 200);
  res.set(boost::beast::http::field::content_type, "application/xml");
  if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
  res.body() = acl_xml(acl, canonical_users(ctx));
  co_return co_await send(ctx, std::move(res));
}

Op put_object_acl(Context& ctx) {
  auto info = co_await named_version(ctx);
  if (!info) co_return std::unexpected(info.error());
  std::string owner = stored_or_private(info->meta_value(object::kAclMeta), bucket_owner_id(ctx))
                          .owner_id;
  auto acl = co_await requested_acl(ctx, owner);
  if (!acl) co_return std::unexpected(acl.error());
  if (auto s = co_await check_acl_settings(ctx, *acl); !s) co_return s;
  std::string stored = stored_form(*acl);
  co_return co_await edit_version_meta(ctx, [&](object::ObjectInfo& o) -> Status {
    object::set_meta(o.meta, object::kAclMeta, stored);
    return {};
  });
}

}  // namespace ops

}  // namespace silo::s3
