// Object lock (object/object_lock.h holds the rules): the bucket's lock
// configuration (PutObjectLockConfiguration, GetObjectLockConfiguration,
// enabled at CreateBucket by x-amz-bucket-object-lock-enabled), a
// version's retention and legal hold (Put/GetObjectRetention,
// Put/GetObjectLegalHold), and the x-amz-object-lock-* headers of a PUT,
// copy or multipart upload.
#include "object/object_lock.h"

#include "common/strings.h"
#include "common/time.h"
#include "object/object_meta.h"
#include "s3/body.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

constexpr size_t kMaxLockBody = 16 << 10;

bool valid_mode(std::string_view mode) { return mode == "GOVERNANCE" || mode == "COMPLIANCE"; }

// The request's XML document, whose root must be `root`.
boost::asio::awaitable<Result<pugi::xml_document>> read_document(Context& ctx,
                                                                 std::string_view root) {
  auto body = co_await read_small_body(ctx, kMaxLockBody);
  if (!body) co_return std::unexpected(body.error());
  auto xml = parse_xml(*body);
  if (!xml) co_return std::unexpected(xml.error());
  if (local_name(xml->document_element()) != root) co_return fail(ErrorCode::kMalformedXML);
  co_return std::move(*xml);
}

}  // namespace

Status lock_headers_into(const Context& ctx, storage::KeyValues& meta) {
  bool has_mode = ctx.has_header("x-amz-object-lock-mode");
  bool has_until = ctx.has_header("x-amz-object-lock-retain-until-date");
  if (has_mode || has_until) {
    if (!has_mode || !has_until) {
      return fail(ErrorCode::kInvalidArgument,
                  "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                  "supplied");
    }
    std::string mode(trim(ctx.header("x-amz-object-lock-mode")));
    if (!valid_mode(mode)) return fail(ErrorCode::kInvalidArgument, "Unknown wormMode directive.");
    auto until = parse_iso8601(trim(ctx.header("x-amz-object-lock-retain-until-date")));
    if (!until) {
      return fail(ErrorCode::kInvalidArgument,
                  "The retain until date must be provided in ISO 8601 format");
    }
    if (*until <= now_ns()) {
      return fail(ErrorCode::kInvalidArgument, "The retain until date must be in the future!");
    }
    object::set_retention(meta, object::Retention{mode, *until});
  }
  if (ctx.has_header("x-amz-object-lock-legal-hold")) {
    std::string hold(trim(ctx.header("x-amz-object-lock-legal-hold")));
    if (hold != "ON" && hold != "OFF") {
      return fail(ErrorCode::kInvalidArgument, "Legal Hold must be either of 'ON' or 'OFF'");
    }
    object::set_meta(meta, object::kLegalHoldMeta, hold);
  }
  return {};
}

bool bypass_governance(const Context& ctx) {
  return iequals(trim(ctx.header("x-amz-bypass-governance-retention")), "true");
}

namespace ops {

Op get_object_lock_config(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, object::kObjectLockConfig);
  if (!doc) co_return std::unexpected(doc.error());
  std::optional<object::LockConfig> config;
  if (*doc) config = object::decode_lock_config(**doc);
  if (!config) co_return fail(ErrorCode::kObjectLockConfigurationNotFoundError);
  XmlDoc out("ObjectLockConfiguration");
  add_text(out.root(), "ObjectLockEnabled", "Enabled");
  if (!config->mode.empty()) {
    auto retention = out.root().append_child("Rule").append_child("DefaultRetention");
    add_text(retention, "Mode", config->mode);
    if (config->days) add_text(retention, "Days", std::to_string(config->days));
    else add_text(retention, "Years", std::to_string(config->years));
  }
  co_return co_await send_xml(ctx, 200, out.str());
}

Op put_object_lock_config(Context& ctx) {
  auto xml = co_await read_document(ctx, "ObjectLockConfiguration");
  if (!xml) co_return std::unexpected(xml.error());
  auto root = xml->document_element();
  if (trim(xml_child(root, "ObjectLockEnabled").child_value()) != "Enabled") {
    co_return fail(ErrorCode::kMalformedXML);
  }
  object::LockConfig config;
  if (auto rule = xml_child(root, "Rule")) {
    auto retention = xml_child(rule, "DefaultRetention");
    if (!retention) co_return fail(ErrorCode::kMalformedXML);
    config.mode = std::string(trim(xml_child(retention, "Mode").child_value()));
    if (!valid_mode(config.mode)) co_return fail(ErrorCode::kMalformedXML);
    auto days = xml_child(retention, "Days");
    auto years = xml_child(retention, "Years");
    if (bool(days) == bool(years)) co_return fail(ErrorCode::kMalformedXML);
    auto n = parse_i64(trim((days ? days : years).child_value()));
    if (!n || *n <= 0) {
      co_return fail(ErrorCode::kInvalidRetentionPeriod);
    }
    (days ? config.days : config.years) = *n;
  }
  // Object lock works on versions: the bucket must keep them.
  auto state = co_await blocking(ctx, [&] { return ctx.services.objects.versioning(ctx.bucket); });
  if (!state) co_return std::unexpected(state.error());
  if (*state != object::Versioning::kEnabled) {
    co_return fail(ErrorCode::kInvalidBucketState,
                   "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                   "configuration");
  }
  co_return co_await write_bucket_config(ctx, object::kObjectLockConfig,
                                         object::encode_lock_config(config), 200);
}

namespace {

// Lock settings exist only in buckets with object lock.
Op require_lock_enabled(Context& ctx) {
  auto doc = co_await read_bucket_config(ctx, object::kObjectLockConfig);
  if (!doc) co_return std::unexpected(doc.error());
  if (!*doc) {
    co_return fail(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  co_return Status{};
}

}  // namespace

Op get_object_retention(Context& ctx) {
  if (auto s = co_await require_lock_enabled(ctx); !s) co_return s;
  auto info = co_await named_version(ctx);
  if (!info) co_return std::unexpected(info.error());
  auto retention = object::retention_of(info->meta);
  if (!retention) co_return fail(ErrorCode::kNoSuchObjectLockConfiguration);
  XmlDoc out("Retention");
  add_text(out.root(), "Mode", retention->mode);
  add_text(out.root(), "RetainUntilDate", format_iso8601(retention->until_ns));
  co_return co_await send_xml(ctx, 200, out.str());
}

Op put_object_retention(Context& ctx) {
  if (auto s = co_await require_lock_enabled(ctx); !s) co_return s;
  auto xml = co_await read_document(ctx, "Retention");
  if (!xml) co_return std::unexpected(xml.error());
  auto root = xml->document_element();
  std::string mode(trim(xml_child(root, "Mode").child_value()));
  std::string_view date = trim(xml_child(root, "RetainUntilDate").child_value());
  std::optional<object::Retention> wanted;
  if (!mode.empty() || !date.empty()) {
    if (!valid_mode(mode)) co_return fail(ErrorCode::kMalformedXML);
    auto until = parse_iso8601(date);
    if (!until) co_return fail(ErrorCode::kMalformedXML);
    if (*until <= now_ns()) {
      co_return fail(ErrorCode::kInvalidArgument, "The retain until date must be in the future!");
    }
    wanted = object::Retention{mode, *until};
  }
  bool bypass = bypass_governance(ctx);
  co_return co_await edit_version_meta(ctx, [&](object::ObjectInfo& o) -> Status {
    if (auto s = object::check_retention_change(object::retention_of(o.meta), wanted, now_ns(),
                                                bypass);
        !s) {
      return s;
    }
    object::set_retention(o.meta, wanted);
    return {};
  });
}

Op get_object_legal_hold(Context& ctx) {
  if (auto s = co_await require_lock_enabled(ctx); !s) co_return s;
  auto info = co_await named_version(ctx);
  if (!info) co_return std::unexpected(info.error());
  if (!object::has_legal_hold(info->meta)) co_return fail(ErrorCode::kNoSuchObjectLockConfiguration);
  XmlDoc out("LegalHold");
  add_text(out.root(), "Status", object::legal_hold_on(info->meta) ? "ON" : "OFF");
  co_return co_await send_xml(ctx, 200, out.str());
}

Op put_object_legal_hold(Context& ctx) {
  if (auto s = co_await require_lock_enabled(ctx); !s) co_return s;
  auto xml = co_await read_document(ctx, "LegalHold");
  if (!xml) co_return std::unexpected(xml.error());
  std::string status(trim(xml_child(xml->document_element(), "Status").child_value()));
  if (status != "ON" && status != "OFF") co_return fail(ErrorCode::kMalformedXML);
  co_return co_await edit_version_meta(ctx, [&](object::ObjectInfo& o) -> Status {
    object::set_meta(o.meta, object::kLegalHoldMeta, status);
    return {};
  });
}

}  // namespace ops

}  // namespace silo::s3
