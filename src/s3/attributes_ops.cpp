// GetObjectAttributes: what S3 tells of an object without its body, each
// attribute only when asked for in x-amz-object-attributes (ETag, Checksum,
// ObjectParts, StorageClass, ObjectSize), of the current version or the
// one ?versionId names; the parts of a multipart object page by
// x-amz-max-parts and x-amz-part-number-marker.
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "common/time.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/sse.h"
#include "s3/xml.h"

namespace silo::s3::ops {

namespace {

namespace bhttp = boost::beast::http;

constexpr std::string_view kAttributes[] = {"ETag", "Checksum", "ObjectParts", "StorageClass",
                                            "ObjectSize"};

Result<std::set<std::string>> requested_attributes(const Context& ctx) {
  std::set<std::string> out;
  std::string_view list = ctx.header("x-amz-object-attributes");
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) {
      auto known = std::find(std::begin(kAttributes), std::end(kAttributes), item);
      if (known == std::end(kAttributes)) {
        return fail(ErrorCode::kInvalidArgument, "Invalid attribute name specified.");
      }
      out.emplace(item);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (out.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "The x-amz-object-attributes header specifying the attributes to be retrieved "
                "is either missing or empty");
  }
  return out;
}

Result<uint32_t> header_number(const Context& ctx, std::string_view name, uint32_t fallback) {
  if (!ctx.has_header(name)) return fallback;
  auto n = parse_u64(trim(ctx.header(name)));
  if (!n || *n > 10000) {
    return fail(ErrorCode::kInvalidArgument, "Invalid " + std::string(name) + " header value.");
  }
  return static_cast<uint32_t>(*n);
}

}  // namespace

Op get_object_attributes(Context& ctx) {
  auto wanted = requested_attributes(ctx);
  if (!wanted) co_return std::unexpected(wanted.error());
  auto max_parts = header_number(ctx, "x-amz-max-parts", 1000);
  if (!max_parts) co_return std::unexpected(max_parts.error());
  auto marker = header_number(ctx, "x-amz-part-number-marker", 0);
  if (!marker) co_return std::unexpected(marker.error());
  auto version = version_param(ctx);
  if (!version) co_return std::unexpected(version.error());
  auto info = co_await blocking(ctx, [&] {
    return *version ? ctx.services.objects.head_version(ctx.bucket, ctx.key, **version)
                    : ctx.services.objects.head_object(ctx.bucket, ctx.key);
  });
  if (!info) co_return std::unexpected(info.error());
  // Sizes are of the plaintext; an SSE-C object answers only its key's holder.
  auto given = sse::customer_key(ctx, sse::KeyHeaders::kObject);
  if (!given) co_return std::unexpected(given.error());
  if (auto k = sse::open_key(ctx, info->meta, ctx.bucket, ctx.key, *given); !k) {
    co_return std::unexpected(k.error());
  }
  if (auto s = sse::client_view(*info); !s) co_return s;

  XmlDoc doc("GetObjectAttributesResponse");
  auto root = doc.root();
  if (wanted->count("ETag")) add_text(root, "ETag", info->etag);
  if (wanted->count("Checksum")) {
    bool any = std::any_of(info->checksums.begin(), info->checksums.end(),
                           [](const auto& c) { return c.first != "type"; });
    if (any) add_checksum_elements(root.append_child("Checksum"), info->checksums);
  }
  if (wanted->count("ObjectParts") && !info->parts.empty()) {
    auto parts = root.append_child("ObjectParts");
    add_text(parts, "PartsCount", std::to_string(info->parts.size()));
    add_text(parts, "PartNumberMarker", std::to_string(*marker));
    uint32_t shown = 0, last = *marker;
    bool truncated = false;
    for (const auto& p : info->parts) {
      if (p.number <= *marker) continue;
      if (shown == *max_parts) {
        truncated = true;
        break;
      }
      auto n = parts.append_child("Part");
      add_text(n, "PartNumber", std::to_string(p.number));
      add_text(n, "Size", std::to_string(p.size));
      for (const auto& [algo, value] : p.checksums) {
        if (algo != "type") add_text(n, ("Checksum" + algo).c_str(), value);
      }
      last = p.number;
      ++shown;
    }
    add_text(parts, "NextPartNumberMarker", std::to_string(last));
    add_text(parts, "MaxParts", std::to_string(*max_parts));
    add_text(parts, "IsTruncated", truncated ? "true" : "false");
  }
  if (wanted->count("StorageClass")) add_text(root, "StorageClass", info->storage_class);
  if (wanted->count("ObjectSize")) add_text(root, "ObjectSize", std::to_string(info->size));
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::content_type, "application/xml");
  res.set(bhttp::field::last_modified, format_http_date(info->mod_time_ns));
  if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
  res.body() = doc.str();
  co_return co_await send(ctx, std::move(res));
}

}  // namespace silo::s3::ops
