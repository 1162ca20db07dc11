// Bucket settings kept as documents and given back as they were set:
// default encryption (applied when encryption exists), the public access
// block (applied by authorization, s3/access.h), object ownership and the
// lifecycle configuration (s3/lifecycle.h). Each is checked against its
// schema when put.
#include <algorithm>

#include "common/strings.h"
#include "s3/body.h"
#include "s3/lifecycle.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/xml.h"

namespace silo::s3::ops {

namespace {

constexpr size_t kMaxSettingsBody = 64 << 10;

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

// ServerSideEncryptionConfiguration: Rule+ with ApplyServerSideEncryptionByDefault.
Status check_encryption(const pugi::xml_node& root) {
  size_t rules = 0;
  for (auto rule : root.children()) {
    if (rule.type() != pugi::node_element) continue;
    if (local_name(rule) != "Rule") return fail(ErrorCode::kMalformedXML);
    ++rules;
    auto apply = xml_child(rule, "ApplyServerSideEncryptionByDefault");
    if (!apply) return fail(ErrorCode::kMalformedXML);
    std::string algorithm(trim(xml_child(apply, "SSEAlgorithm").child_value()));
    if (!one_of(algorithm, {"AES256", "aws:kms", "aws:kms:dsse"})) {
      return fail(ErrorCode::kMalformedXML);
    }
  }
  if (rules == 0) return fail(ErrorCode::kMalformedXML);
  return {};
}

// PublicAccessBlockConfiguration: four optional booleans.
Status check_public_access_block(const pugi::xml_node& root) {
  for (auto e : root.children()) {
    if (e.type() != pugi::node_element) continue;
    if (!one_of(local_name(e), {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                "RestrictPublicBuckets"})) {
      return fail(ErrorCode::kMalformedXML);
    }
    std::string v = to_lower(trim(e.child_value()));
    if (v != "true" && v != "false") return fail(ErrorCode::kMalformedXML);
  }
  return {};
}

// OwnershipControls: one Rule with ObjectOwnership.
Status check_ownership(const pugi::xml_node& root) {
  auto rule = xml_child(root, "Rule");
  if (!rule) return fail(ErrorCode::kMalformedXML);
  std::string v(trim(xml_child(rule, "ObjectOwnership").child_value()));
  if (!one_of(v, {"BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"})) {
    return fail(ErrorCode::kMalformedXML);
  }
  return {};
}

struct Setting {
  std::string_view sub;
  std::string_view root;
  Status (*check)(const pugi::xml_node&);
  ErrorCode not_found;
};

constexpr Setting kSettings[] = {
    {"encryption", "ServerSideEncryptionConfiguration", check_encryption,
     ErrorCode::kServerSideEncryptionConfigurationNotFoundError},
    {"publicAccessBlock", "PublicAccessBlockConfiguration", check_public_access_block,
     ErrorCode::kNoSuchPublicAccessBlockConfiguration},
    {"ownershipControls", "OwnershipControls", check_ownership,
     ErrorCode::kOwnershipControlsNotFoundError},
};

const Setting& setting_of(const Context& ctx) {
  for (const auto& s : kSettings) {
    if (s.sub == ctx.subresource) return s;
  }
  return kSettings[0];  // the router only sends the subresources above
}

}  // namespace

Op get_bucket_setting(Context& ctx) {
  const Setting& setting = setting_of(ctx);
  auto doc = co_await read_bucket_config(ctx, setting.sub);
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(setting.not_found);
  co_return co_await send_xml(ctx, 200, std::move(**doc));
}

Op put_bucket_setting(Context& ctx) {
  const Setting& setting = setting_of(ctx);
  auto body = co_await read_small_body(ctx, kMaxSettingsBody);
  if (!body) co_return std::unexpected(body.error());
  auto doc = parse_xml(*body);
  if (!doc) co_return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != setting.root) co_return fail(ErrorCode::kMalformedXML);
  if (auto s = setting.check(root); !s) co_return s;
  co_return co_await write_bucket_config(ctx, setting.sub, *body, 200);
}

Op delete_bucket_setting(Context& ctx) {
  const Setting& setting = setting_of(ctx);
  co_return co_await write_bucket_config(ctx, setting.sub, std::nullopt, 204);
}

// PutBucketAccelerateConfiguration and PutBucketRequestPayment: the settings
// a deployment of Silo has (Suspended, BucketOwner) are accepted; the ones
// it cannot honour are refused as AWS refuses a setting a bucket cannot
// take (400 InvalidRequest with the reason), not with 501.
Op put_bucket_fixed_setting(Context& ctx) {
  bool accelerate = ctx.subresource == "accelerate";
  auto body = co_await read_small_body(ctx, kMaxSettingsBody);
  if (!body) co_return std::unexpected(body.error());
  auto doc = parse_xml(*body);
  if (!doc) co_return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != (accelerate ? "AccelerateConfiguration" : "RequestPaymentConfiguration")) {
    co_return fail(ErrorCode::kMalformedXML);
  }
  std::string value(trim(xml_child(root, accelerate ? "Status" : "Payer").child_value()));
  if (accelerate ? !one_of(value, {"Enabled", "Suspended"})
                 : !one_of(value, {"BucketOwner", "Requester"})) {
    co_return fail(ErrorCode::kMalformedXML);
  }
  if (auto b = co_await head_bucket_exists(ctx); !b) co_return b;
  if (value == "Enabled") {
    co_return fail(ErrorCode::kInvalidRequest,
                   "Transfer Acceleration is not available on this deployment: clients reach "
                   "every node directly.");
  }
  if (value == "Requester") {
    co_return fail(ErrorCode::kInvalidRequest,
                   "Requester Pays is not available on this deployment: it keeps no billing.");
  }
  co_return co_await send_empty(ctx, 200);
}

Op get_bucket_lifecycle(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, "lifecycle");
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) co_return fail(ErrorCode::kNoSuchLifecycleConfiguration);
  co_return co_await send_xml(ctx, 200, std::move(**doc));
}

Op put_bucket_lifecycle(Context& ctx) {
  auto body = co_await read_small_body(ctx, kMaxSettingsBody * 16);
  if (!body) co_return std::unexpected(body.error());
  if (auto rules = parse_lifecycle_xml(*body); !rules) co_return std::unexpected(rules.error());
  co_return co_await write_bucket_config(ctx, "lifecycle", lifecycle_with_ids(*body), 200);
}

Op delete_bucket_lifecycle(Context& ctx) {
  co_return co_await write_bucket_config(ctx, "lifecycle", std::nullopt, 204);
}

}  // namespace silo::s3::ops
