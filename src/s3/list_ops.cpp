#include "common/strings.h"
#include "common/time.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/sse.h"
#include "s3/xml.h"
#include "storage/versions.h"

namespace silo::s3::ops {

namespace {

// Applies encoding-type=url to a value when the client asked for it.
struct Encoder {
  bool url = false;
  std::string operator()(std::string_view s) const {
    return url ? silo::uri_encode(s, true) : std::string(s);
  }
};

Result<Encoder> encoder_for(const Context& ctx) {
  auto enc = ctx.query.get("encoding-type");
  if (!enc) return Encoder{};
  if (*enc != "url") return fail(ErrorCode::kInvalidEncodingType);
  return Encoder{true};
}

// Parses a max-keys style parameter: absent -> fallback, capped at 1000.
Result<size_t> parse_max(const Context& ctx, std::string_view name, size_t cap = 1000) {
  auto v = ctx.query.get(name);
  if (!v) return cap;
  auto n = parse_i64(*v);
  if (!n || *n < 0) {
    return fail(ErrorCode::kInvalidArgument,
                "Provided " + std::string(name) + " not an integer or within integer range");
  }
  return std::min<size_t>(static_cast<size_t>(*n), cap);
}

void add_storage_class(pugi::xml_node n, std::string_view sc) {
  add_text(n, "StorageClass", sc.empty() ? "STANDARD" : sc);
}

}  // namespace

Op list_objects(Context& ctx) {
  const auto& q = ctx.query;
  bool v2 = q.value("list-type") == "2";
  if (q.has("list-type") && !v2) {
    co_return fail(ErrorCode::kInvalidArgument, "Invalid List Type specified in Request");
  }
  auto enc = encoder_for(ctx);
  if (!enc) co_return std::unexpected(enc.error());
  auto max_keys = parse_max(ctx, "max-keys");
  if (!max_keys) co_return std::unexpected(max_keys.error());

  object::ListParams params;
  params.prefix = q.value("prefix");
  params.delimiter = q.value("delimiter");
  params.max_keys = *max_keys;
  std::string token;
  if (v2) {
    if (auto t = q.get("continuation-token")) {
      // An empty token starts from the beginning, as S3 takes it.
      auto decoded = base64_decode(*t);
      if (!decoded) {
        co_return fail(ErrorCode::kInvalidArgument, "The continuation token provided is incorrect");
      }
      params.marker = *decoded;
      token = *t;
    } else {
      params.marker = q.value("start-after");
    }
  } else {
    params.marker = q.value("marker");
  }
  auto list = co_await blocking(
      ctx, [&] { return ctx.services.objects.list_objects(ctx.bucket, params); });
  if (!list) co_return std::unexpected(list.error());

  XmlDoc doc("ListBucketResult");
  auto root = doc.root();
  add_text(root, "Name", ctx.bucket);
  // ListObjects (v1) echoes its prefix as given, encoding-type or not; so
  // S3 answers, and so the SDKs decode (v2 and version listings encode it).
  add_text(root, "Prefix", v2 ? (*enc)(params.prefix) : params.prefix);
  if (!v2) add_text(root, "Marker", (*enc)(params.marker));
  if (v2 && q.has("start-after")) add_text(root, "StartAfter", (*enc)(q.value("start-after")));
  if (v2 && q.has("continuation-token")) add_text(root, "ContinuationToken", token);
  if (v2) add_text(root, "KeyCount", std::to_string(list->objects.size() + list->common_prefixes.size()));
  add_text(root, "MaxKeys", std::to_string(params.max_keys));
  if (!params.delimiter.empty()) add_text(root, "Delimiter", (*enc)(params.delimiter));
  if (enc->url) add_text(root, "EncodingType", "url");
  add_text(root, "IsTruncated", list->truncated ? "true" : "false");
  if (list->truncated) {
    if (v2) {
      add_text(root, "NextContinuationToken", base64_encode(list->next_marker));
    } else {
      add_text(root, "NextMarker", (*enc)(list->next_marker));
    }
  }
  bool with_owner = !v2 || q.value("fetch-owner") == "true";
  for (auto& o : list->objects) {
    if (auto v = sse::client_view(o); !v) co_return v;
    auto c = root.append_child("Contents");
    add_text(c, "Key", (*enc)(o.key));
    add_text(c, "LastModified", format_iso8601(o.mod_time_ns));
    add_text(c, "ETag", quote_etag(o.etag));
    add_text(c, "Size", std::to_string(o.size));
    if (with_owner) add_owner(c, ctx);
    add_storage_class(c, o.storage_class);
  }
  for (const auto& p : list->common_prefixes) {
    add_text(root.append_child("CommonPrefixes"), "Prefix", (*enc)(p));
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op list_object_versions(Context& ctx) {
  const auto& q = ctx.query;
  auto enc = encoder_for(ctx);
  if (!enc) co_return std::unexpected(enc.error());
  auto max_keys = parse_max(ctx, "max-keys");
  if (!max_keys) co_return std::unexpected(max_keys.error());
  object::VersionListParams params;
  params.prefix = q.value("prefix");
  params.delimiter = q.value("delimiter");
  params.key_marker = q.value("key-marker");
  params.version_marker = q.value("version-id-marker");
  params.max_keys = *max_keys;
  if (!params.version_marker.empty()) {
    if (params.key_marker.empty()) {
      co_return fail(ErrorCode::kInvalidArgument,
                     "A version-id marker cannot be specified without a key marker.");
    }
    if (params.version_marker != "null" &&
        !storage::well_formed_version_id(params.version_marker)) {
      co_return fail(ErrorCode::kInvalidArgument, "Invalid version id specified");
    }
  }
  auto list = co_await blocking(
      ctx, [&] { return ctx.services.objects.list_versions(ctx.bucket, params); });
  if (!list) co_return std::unexpected(list.error());
  XmlDoc doc("ListVersionsResult");
  auto root = doc.root();
  add_text(root, "Name", ctx.bucket);
  add_text(root, "Prefix", (*enc)(params.prefix));
  add_text(root, "KeyMarker", (*enc)(params.key_marker));
  add_text(root, "VersionIdMarker", params.version_marker);
  if (list->truncated) {
    add_text(root, "NextKeyMarker", (*enc)(list->next_key_marker));
    if (!list->next_version_marker.empty()) {
      add_text(root, "NextVersionIdMarker", list->next_version_marker);
    }
  }
  add_text(root, "MaxKeys", std::to_string(params.max_keys));
  if (!params.delimiter.empty()) add_text(root, "Delimiter", (*enc)(params.delimiter));
  if (enc->url) add_text(root, "EncodingType", "url");
  add_text(root, "IsTruncated", list->truncated ? "true" : "false");
  for (auto& v : list->versions) {
    if (auto s = sse::client_view(v); !s) co_return s;
    auto n = root.append_child(v.delete_marker ? "DeleteMarker" : "Version");
    add_text(n, "Key", (*enc)(v.key));
    add_text(n, "VersionId", v.version_id.empty() ? "null" : v.version_id);
    add_text(n, "IsLatest", v.is_latest ? "true" : "false");
    add_text(n, "LastModified", format_iso8601(v.mod_time_ns));
    if (!v.delete_marker) {
      add_text(n, "ETag", quote_etag(v.etag));
      add_text(n, "Size", std::to_string(v.size));
      add_storage_class(n, v.storage_class);
    }
    add_owner(n, ctx);
  }
  for (const auto& p : list->common_prefixes) {
    add_text(root.append_child("CommonPrefixes"), "Prefix", (*enc)(p));
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op list_uploads(Context& ctx) {
  const auto& q = ctx.query;
  auto enc = encoder_for(ctx);
  if (!enc) co_return std::unexpected(enc.error());
  auto max = parse_max(ctx, "max-uploads");
  if (!max) co_return std::unexpected(max.error());
  object::UploadListParams params;
  params.prefix = q.value("prefix");
  params.delimiter = q.value("delimiter");
  params.key_marker = q.value("key-marker");
  params.upload_id_marker = q.value("upload-id-marker");
  params.max_uploads = *max;
  auto list = co_await blocking(
      ctx, [&] { return ctx.services.objects.list_uploads(ctx.bucket, params); });
  if (!list) co_return std::unexpected(list.error());
  XmlDoc doc("ListMultipartUploadsResult");
  auto root = doc.root();
  add_text(root, "Bucket", ctx.bucket);
  add_text(root, "KeyMarker", (*enc)(params.key_marker));
  add_text(root, "UploadIdMarker", params.upload_id_marker);
  add_text(root, "NextKeyMarker", list->truncated ? (*enc)(list->next_key_marker) : "");
  add_text(root, "NextUploadIdMarker", list->truncated ? list->next_upload_id_marker : "");
  if (!params.delimiter.empty()) add_text(root, "Delimiter", (*enc)(params.delimiter));
  add_text(root, "Prefix", (*enc)(params.prefix));
  add_text(root, "MaxUploads", std::to_string(params.max_uploads));
  if (enc->url) add_text(root, "EncodingType", "url");
  add_text(root, "IsTruncated", list->truncated ? "true" : "false");
  for (const auto& u : list->uploads) {
    auto n = root.append_child("Upload");
    add_text(n, "Key", (*enc)(u.key));
    add_text(n, "UploadId", u.upload_id);
    add_owner(n, ctx, "Initiator");
    add_owner(n, ctx);
    add_storage_class(n, u.storage_class);
    add_text(n, "Initiated", format_iso8601(u.initiated_ns));
  }
  for (const auto& p : list->common_prefixes) {
    add_text(root.append_child("CommonPrefixes"), "Prefix", (*enc)(p));
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op list_parts(Context& ctx) {
  const auto& q = ctx.query;
  auto max = parse_max(ctx, "max-parts");
  if (!max) co_return std::unexpected(max.error());
  uint32_t marker = 0;
  if (auto m = q.get("part-number-marker")) {
    auto n = parse_u64(*m);
    if (!n || *n > 10000) {
      co_return fail(ErrorCode::kInvalidArgument, "Argument part-number-marker must be an integer between 0 and 10000");
    }
    marker = static_cast<uint32_t>(*n);
  }
  std::string upload_id(q.value("uploadId"));
  auto upload = co_await blocking(
      ctx, [&] { return ctx.services.objects.get_upload(ctx.bucket, ctx.key, upload_id); });
  if (!upload) co_return std::unexpected(upload.error());
  auto list = co_await blocking(ctx, [&] {
    return ctx.services.objects.list_parts(ctx.bucket, ctx.key, upload_id, marker, *max);
  });
  if (!list) co_return std::unexpected(list.error());
  XmlDoc doc("ListPartsResult");
  auto root = doc.root();
  add_text(root, "Bucket", ctx.bucket);
  add_text(root, "Key", ctx.key);
  add_text(root, "UploadId", upload_id);
  add_owner(root, ctx, "Initiator");
  add_owner(root, ctx);
  add_storage_class(root, upload->storage_class);
  add_text(root, "PartNumberMarker", std::to_string(marker));
  add_text(root, "NextPartNumberMarker", std::to_string(list->next_marker));
  add_text(root, "MaxParts", std::to_string(*max));
  add_text(root, "IsTruncated", list->truncated ? "true" : "false");
  if (!upload->checksum_algorithm.empty()) {
    add_text(root, "ChecksumAlgorithm", upload->checksum_algorithm);
  }
  bool encrypted = sse::mode_of(upload->meta) != sse::Mode::kNone;
  for (const auto& p : list->parts) {
    auto n = root.append_child("Part");
    add_text(n, "PartNumber", std::to_string(p.number));
    add_text(n, "LastModified", format_iso8601(p.mod_time_ns));
    add_text(n, "ETag", quote_etag(p.etag));
    add_text(n, "Size", std::to_string(encrypted ? sse::part_plain_size(p.size) : p.size));
    for (const auto& [algo, value] : p.checksums) {
      add_text(n, ("Checksum" + algo).c_str(), value);
    }
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

}  // namespace silo::s3::ops
