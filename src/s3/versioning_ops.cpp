// Bucket versioning (GetBucketVersioning, PutBucketVersioning): the state
// is the bucket's "versioning" configuration, "Enabled" or "Suspended"
// (object/object_layer.h, Versioning), which the object layer reads at
// every write and delete. A bucket never versioned has none, and cannot be
// made so again once versioned: only Enabled and Suspended may be put.
#include "common/strings.h"
#include "object/object_layer.h"
#include "object/object_lock.h"
#include "s3/body.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/xml.h"

namespace silo::s3::ops {

namespace {
constexpr size_t kMaxVersioningBody = 16 << 10;
}  // namespace

Op get_bucket_versioning(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, object::kVersioningConfig);
  if (!doc) co_return std::unexpected(doc.error());
  XmlDoc out("VersioningConfiguration");
  if (*doc) add_text(out.root(), "Status", **doc);
  co_return co_await send_xml(ctx, 200, out.str());
}

Op put_bucket_versioning(Context& ctx) {
  auto body = co_await read_small_body(ctx, kMaxVersioningBody);
  if (!body) co_return std::unexpected(body.error());
  auto xml = parse_xml(*body);
  if (!xml) co_return std::unexpected(xml.error());
  auto root = xml->document_element();
  if (local_name(root) != "VersioningConfiguration") co_return fail(ErrorCode::kMalformedXML);
  std::string status(trim(xml_child(root, "Status").child_value()));
  std::string mfa(trim(xml_child(root, "MfaDelete").child_value()));
  if (!mfa.empty() && mfa != "Disabled" && mfa != "Enabled") co_return fail(ErrorCode::kMalformedXML);
  if (mfa == "Enabled") {
    co_return fail(ErrorCode::kInvalidArgument,
                   "MFA delete is not supported: Silo has no MFA devices.");
  }
  if (status.empty()) {
    // Nothing to change (a document with only MfaDelete).
    if (auto s = co_await head_bucket_exists(ctx); !s) co_return s;
    co_return co_await send_empty(ctx, 200);
  }
  if (status != "Enabled" && status != "Suspended") co_return fail(ErrorCode::kMalformedXML);
  if (status == "Suspended") {
    auto lock = co_await read_bucket_config(ctx, object::kObjectLockConfig);
    if (!lock) co_return std::unexpected(lock.error());
    if (*lock) {
      co_return fail(ErrorCode::kInvalidBucketState,
                     "An Object Lock configuration is present on this bucket, so the versioning "
                     "state cannot be changed.");
    }
  }
  co_return co_await write_bucket_config(ctx, object::kVersioningConfig, status, 200);
}

}  // namespace silo::s3::ops
