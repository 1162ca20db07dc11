#include <vector>

#include "common/checksum.h"
#include "common/buffer.h"
#include "common/strings.h"
#include "common/time.h"
#include "object/object_lock.h"
#include "object/object_meta.h"
#include "s3/access.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/request_acl.h"
#include "s3/response.h"
#include "s3/sse.h"
#include "s3/sse_stream.h"
#include "s3/tags.h"
#include "s3/validate.h"
#include "s3/xml.h"
#include "storage/versions.h"

namespace silo::s3::ops {

namespace bhttp = boost::beast::http;

namespace {
constexpr size_t kReadBuffer = 1 << 20;
constexpr int64_t kMaxCopySize = 5LL << 30;

constexpr std::pair<std::string_view, std::string_view> kResponseOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"}};

void add_object_headers(http::ResponseHeader& h, const object::ObjectInfo& info) {
  h.set(bhttp::field::etag, quote_etag(info.etag));
  h.set(bhttp::field::last_modified, format_http_date(info.mod_time_ns));
  bool has_type = false;
  for (const auto& [name, value] : info.meta) {
    if (object::internal_meta(name)) {
      if (name == object::kTagsMeta) {
        h.set("x-amz-tagging-count", std::to_string(decode_tags(value).size()));
      }
      continue;
    }
    if (name == "content-type") has_type = true;
    h.set(name, value);
  }
  if (!has_type) h.set(bhttp::field::content_type, "binary/octet-stream");
  if (info.storage_class != "STANDARD") h.set("x-amz-storage-class", info.storage_class);
}

// HEAD's check that the caller may read an encrypted object (an SSE-C
// one's key proven by opening its sealed key), and the view it answers.
Status readable_view(const Context& ctx, object::ObjectInfo& info,
                     const std::optional<sse::CustomerKey>& given) {
  if (auto k = sse::open_key(ctx, info.meta, ctx.bucket, ctx.key, given); !k) {
    return std::unexpected(k.error());
  }
  return sse::client_view(info);
}

}  // namespace

Op put_object(Context& ctx) {
  auto meta = metadata_from_headers(ctx);
  if (!meta) co_return std::unexpected(meta.error());
  if (auto s = co_await acl_headers_into(ctx, *meta); !s) co_return s;
  auto sc = storage_class_from_headers(ctx);
  if (!sc) co_return std::unexpected(sc.error());
  auto pre = write_preconditions(ctx);
  if (!pre) co_return std::unexpected(pre.error());
  auto encryption = sse::write_request(ctx);
  if (!encryption) co_return std::unexpected(encryption.error());
  if (!ctx.exchange.content_length() && !ctx.has_header("x-amz-decoded-content-length") &&
      !ctx.has_header("transfer-encoding")) {
    co_return fail(ErrorCode::kMissingContentLength);
  }
  auto body = BodyReader::open(ctx);
  if (!body) co_return std::unexpected(body.error());
  object::PutOptions options{std::move(*meta), std::move(*sc), std::move(*pre),
                             (*body)->declared_size()};
  WriterFactory open = [&] {
    return sse::begin_put(ctx, *encryption, ctx.bucket, ctx.key, std::move(options));
  };
  auto info = co_await write_body(ctx, **body, open);
  if (!info) co_return std::unexpected(info.error());
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::etag, quote_etag(info->etag));
  sse::add_headers(res, encryption->mode, encryption->customer);
  if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
  add_checksum_headers(res.base(), info->checksums);
  co_return co_await send(ctx, std::move(res));
}

Op get_object(Context& ctx, bool head) {
  const auto& q = ctx.query;
  auto version = version_param(ctx);
  if (!version) co_return std::unexpected(version.error());
  for (const auto& [param, header] : kResponseOverrides) {
    (void)header;
    auto v = q.get(param);
    if (v && ctx.auth.anonymous()) {
      co_return fail(ErrorCode::kInvalidRequest,
                     "Request specific response headers cannot be used for anonymous GET requests.");
    }
    // Decoded from the query, so CR/LF could inject headers into the response.
    if (v) {
      if (auto s = validate_header_value(param, *v); !s) co_return s;
    }
  }
  std::optional<uint32_t> part_number;
  if (auto p = q.get("partNumber")) {
    auto n = parse_u64(*p);
    if (!n || *n < 1 || *n > 10000) co_return fail(ErrorCode::kTooManyParts);
    part_number = static_cast<uint32_t>(*n);
  }
  if (ctx.has_header("x-amz-server-side-encryption")) {
    // A read names no SSE-S3 parameters: AWS answers 400.
    co_return fail(ErrorCode::kInvalidArgument,
                   "The x-amz-server-side-encryption header is not supported for this request.");
  }
  auto given = sse::customer_key(ctx, sse::KeyHeaders::kObject);
  if (!given) co_return std::unexpected(given.error());
  std::unique_ptr<object::ObjectReader> reader;
  object::ObjectInfo info;
  // A whole-object GET reads its first buffer together with opening the
  // object: on the event loop for hot inline objects, else in one trip to the
  // blocking pool.
  bool speculate = !head && !part_number && !ctx.has_header("range");
  Buffer first;
  size_t first_len = 0;
  // Hot small objects are answered from memory on this thread; the rest
  // (kWouldBlock) takes a trip to the blocking pool.
  auto would_block = [](const auto& r) { return !r && r.error().code == ErrorCode::kWouldBlock; };
  if (head && *version) {
    auto i = co_await blocking(ctx, [&] {
      return ctx.services.objects.head_version(ctx.bucket, ctx.key, **version);
    });
    if (!i) co_return std::unexpected(i.error());
    info = std::move(*i);
    if (auto s = readable_view(ctx, info, *given); !s) co_return s;
  } else if (head) {
    auto i = ctx.services.objects.head_object_cached(ctx.bucket, ctx.key);
    if (would_block(i)) {
      i = co_await blocking(ctx, [&] { return ctx.services.objects.head_object(ctx.bucket, ctx.key); });
    }
    if (!i) co_return std::unexpected(i.error());
    info = std::move(*i);
    if (auto s = readable_view(ctx, info, *given); !s) co_return s;
  } else {
    auto read_first = [&](Result<std::unique_ptr<object::ObjectReader>> raw)
        -> Result<std::unique_ptr<object::ObjectReader>> {
      auto opened = sse::reader_for(ctx, std::move(raw), ctx.bucket, ctx.key, *given);
      if (!opened || !speculate) return opened;
      auto want = static_cast<size_t>(
          std::min<uint64_t>(static_cast<uint64_t>((*opened)->info().size), kReadBuffer));
      first.ensure(want);
      auto n = (*opened)->read(first.span(want));
      if (!n) return std::unexpected(n.error());
      first_len = *n;
      return opened;
    };
    auto r = *version ? Result<std::unique_ptr<object::ObjectReader>>(fail(ErrorCode::kWouldBlock))
                      : read_first(ctx.services.objects.open_object_cached(ctx.bucket, ctx.key));
    if (would_block(r) && *version) {
      r = co_await blocking(ctx, [&] {
        return read_first(ctx.services.objects.open_version(ctx.bucket, ctx.key, **version));
      });
    } else if (would_block(r)) {
      r = co_await blocking(
          ctx, [&] { return read_first(ctx.services.objects.open_object(ctx.bucket, ctx.key)); });
    }
    if (!r) co_return std::unexpected(r.error());
    reader = std::move(*r);
    info = reader->info();
  }
  if (auto s = check_read_preconditions(ctx, info, "", true); !s) {
    if (s.error().code == ErrorCode::kNotModified) {
      auto res = make_response(ctx, 304);
      res.set(bhttp::field::etag, quote_etag(info.etag));
      res.set(bhttp::field::last_modified, format_http_date(info.mod_time_ns));
      co_return co_await send(ctx, std::move(res));
    }
    co_return s;
  }

  uint64_t size = static_cast<uint64_t>(info.size);
  std::optional<ByteRange> range;
  if (part_number) {
    if (ctx.has_header("range")) {
      co_return fail(ErrorCode::kInvalidRequest, "Cannot specify both Range header and partNumber query parameter");
    }
    if (info.parts.empty()) {
      if (*part_number != 1) co_return fail(ErrorCode::kInvalidPartNumber);
    } else {
      if (*part_number > info.parts.size()) co_return fail(ErrorCode::kInvalidPartNumber);
      uint64_t offset = 0;
      for (uint32_t i = 0; i + 1 < *part_number; ++i) offset += static_cast<uint64_t>(info.parts[i].size);
      range = ByteRange{offset, static_cast<uint64_t>(info.parts[*part_number - 1].size)};
    }
  } else if (ctx.has_header("range")) {
    auto r = parse_range(ctx.header("range"), size);
    if (!r) {
      auto res = error_response(r.error(), "/" + ctx.bucket + "/" + ctx.key, ctx.request_id,
                                ctx.request().version(), head);
      res.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
      co_return co_await send(ctx, std::move(res));
    }
    range = *r;
  }

  http::ResponseHeader h;
  h.version(ctx.request().version());
  h.result(range ? bhttp::status::partial_content : bhttp::status::ok);
  add_common_headers(h, ctx);
  add_object_headers(h, info);
  sse::add_headers(h, sse::mode_of(info.meta), *given);
  if (!info.version_id.empty() || *version) {
    h.set("x-amz-version-id", info.version_id.empty() ? "null" : info.version_id);
  }
  if (iequals(ctx.header("x-amz-checksum-mode"), "ENABLED")) {
    if (part_number && !info.parts.empty()) {
      // The part's own checksum, as it was uploaded.
      add_checksum_headers(h, info.parts[*part_number - 1].checksums);
    } else if (!range) {
      add_checksum_headers(h, info.checksums);
    }
  }
  for (const auto& [param, header] : kResponseOverrides) {
    if (auto v = q.get(param)) h.set(header, *v);
  }
  if (part_number && !info.parts.empty()) {
    h.set("x-amz-mp-parts-count", std::to_string(info.parts.size()));
  }
  uint64_t offset = range ? range->offset : 0;
  uint64_t length = range ? range->length : size;
  if (range) {
    h.set(bhttp::field::content_range, "bytes " + std::to_string(offset) + "-" +
                                           std::to_string(offset + length - 1) + "/" +
                                           std::to_string(size));
  }
  h.set(bhttp::field::content_length, std::to_string(length));
  if (speculate && first_len == length && length > 0) {
    co_return co_await ctx.exchange.send_header_and_body(h, first.span(first_len));
  }
  if (auto s = co_await ctx.exchange.send_header(h); !s) co_return s;
  if (head || length == 0) co_return Status{};

  uint64_t sent = 0;
  if (speculate) {
    if (auto s = co_await ctx.exchange.send_body(first.span(first_len)); !s) co_return s;
    sent = first_len;
  } else {
    reader->set_range(offset, length);
  }
  Buffer buf;
  size_t buf_len = static_cast<size_t>(std::min<uint64_t>(length - sent, kReadBuffer));
  if (sent < length) buf.ensure(buf_len);
  while (sent < length) {
    auto n = co_await blocking(ctx, [&] { return reader->read(buf.span(buf_len)); });
    if (!n) co_return std::unexpected(n.error());
    if (*n == 0) co_return fail(ErrorCode::kInternalError, "object ended early");
    if (auto s = co_await ctx.exchange.send_body({buf.data(), *n}); !s) co_return s;
    sent += *n;
  }
  co_return Status{};
}

Op delete_object(Context& ctx) {
  auto version = version_param(ctx);
  if (!version) co_return std::unexpected(version.error());
  object::DeleteOptions options;
  options.version_id = *version;
  options.bypass_governance = bypass_governance(ctx);
  auto r = co_await blocking(
      ctx, [&] { return ctx.services.objects.delete_versioned(ctx.bucket, ctx.key, options); });
  if (!r) co_return std::unexpected(r.error());
  auto res = make_response(ctx, 204);
  if (r->delete_marker) res.set("x-amz-delete-marker", "true");
  if (!r->version_id.empty()) res.set("x-amz-version-id", r->version_id);
  co_return co_await send(ctx, std::move(res));
}

Op delete_objects(Context& ctx) {
  bool has_checksum = ctx.has_header("content-md5");
  for (const auto& field : ctx.request()) {
    std::string name = to_lower({field.name_string().data(), field.name_string().size()});
    if (name.starts_with("x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm") {
      has_checksum = true;
    }
  }
  if (!has_checksum) {
    co_return fail(ErrorCode::kInvalidRequest, "Missing required header for this request: Content-MD5");
  }
  auto body = co_await read_small_body(ctx, ctx.services.config.max_xml_body);
  if (!body) co_return std::unexpected(body.error());
  auto req = parse_delete(*body);
  if (!req) co_return std::unexpected(req.error());
  if (auto b = co_await head_bucket_exists(ctx); !b) co_return b;

  struct Outcome {
    std::string key;
    std::string version;
    std::optional<Error> error;
    object::DeleteResult result;
  };
  std::vector<Outcome> outcomes;
  co_await blocking(ctx, [&]() -> Status {
    for (auto& [key, version] : req->objects) {
      Outcome o{key, version, std::nullopt, {}};
      object::DeleteOptions options;
      options.bypass_governance = bypass_governance(ctx);
      if (!version.empty()) {
        options.version_id = version == "null" ? std::string() : version;
      }
      if (auto v = validate_key(key); !v) {
        o.error = v.error();
      } else if (!allowed_on_key(ctx, "s3:DeleteObject", key)) {
        o.error = Error(ErrorCode::kAccessDenied);
      } else if (!version.empty() && version != "null" &&
                 !storage::well_formed_version_id(version)) {
        o.error = Error(ErrorCode::kNoSuchVersion);
      } else if (auto r = ctx.services.objects.delete_versioned(ctx.bucket, key, options); !r) {
        o.error = r.error();
      } else {
        o.result = *r;
      }
      outcomes.push_back(std::move(o));
    }
    return {};
  });
  XmlDoc doc("DeleteResult");
  for (const auto& o : outcomes) {
    if (o.error) {
      auto e = doc.root().append_child("Error");
      add_text(e, "Key", o.key);
      if (!o.version.empty()) add_text(e, "VersionId", o.version);
      add_text(e, "Code", error_code_name(o.error->code));
      add_text(e, "Message", o.error->text());
    } else if (!req->quiet) {
      auto d = doc.root().append_child("Deleted");
      add_text(d, "Key", o.key);
      if (!o.version.empty()) add_text(d, "VersionId", o.version);
      if (o.result.delete_marker) {
        add_text(d, "DeleteMarker", "true");
        add_text(d, "DeleteMarkerVersionId", o.result.version_id);
      }
    }
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op copy_object(Context& ctx) {
  auto src = readable_copy_source(ctx);
  if (!src) co_return std::unexpected(src.error());
  std::string directive(trim(ctx.header("x-amz-metadata-directive")));
  if (!directive.empty() && directive != "COPY" && directive != "REPLACE") {
    co_return fail(ErrorCode::kInvalidArgument, "Unknown metadata directive.");
  }
  bool replace = directive == "REPLACE";
  std::string tagging_directive(trim(ctx.header("x-amz-tagging-directive")));
  if (!tagging_directive.empty() && tagging_directive != "COPY" && tagging_directive != "REPLACE") {
    co_return fail(ErrorCode::kInvalidArgument, "Unknown tagging directive.");
  }
  auto new_tags = tagging_from_header(ctx);
  if (!new_tags) co_return std::unexpected(new_tags.error());
  auto sc = storage_class_from_headers(ctx);
  if (!sc) co_return std::unexpected(sc.error());
  auto pre = write_preconditions(ctx);
  if (!pre) co_return std::unexpected(pre.error());
  auto src_key = sse::customer_key(ctx, sse::KeyHeaders::kCopySource);
  if (!src_key) co_return std::unexpected(src_key.error());
  auto encryption = sse::write_request(ctx);
  if (!encryption) co_return std::unexpected(encryption.error());

  auto reader = co_await blocking(ctx, [&] {
    return sse::open_copy_source(ctx, *src, *src_key);
  });
  if (!reader) {
    // A delete marker named by its id cannot be copied: 400, as AWS answers.
    if (reader.error().code == ErrorCode::kMethodNotAllowed) {
      co_return fail(ErrorCode::kInvalidRequest,
                     "The source of a copy request may not specifically refer to a delete marker "
                     "by version id.");
    }
    co_return std::unexpected(reader.error());
  }
  const auto& info = (*reader)->info();
  if (auto s = check_read_preconditions(ctx, info, "x-amz-copy-source-", false); !s) co_return s;
  bool same = src->bucket == ctx.bucket && src->key == ctx.key && !src->version_id;
  if (same && !replace && !ctx.has_header("x-amz-storage-class") &&
      !ctx.has_header("x-amz-website-redirect-location") &&
      !ctx.has_header("x-amz-server-side-encryption") &&
      !ctx.has_header("x-amz-server-side-encryption-customer-algorithm")) {
    co_return fail(ErrorCode::kInvalidRequest,
                   "This copy request is illegal because it is trying to copy an object to itself "
                   "without changing the object's metadata, storage class, website redirect "
                   "location or encryption attributes.");
  }
  if (info.size > kMaxCopySize) {
    co_return fail(ErrorCode::kInvalidRequest,
                   "The specified copy source is larger than the maximum allowable size for a "
                   "copy source: 5368709120");
  }
  object::PutOptions options;
  if (replace) {
    auto meta = metadata_from_headers(ctx);
    if (!meta) co_return std::unexpected(meta.error());
    options.meta = std::move(*meta);
  } else {
    // The copy is a new version: it gets the lock the request (or the
    // bucket's default) gives it, never the source's.
    options.meta = info.meta;
    object::clear_lock(options.meta);
    if (auto s = lock_headers_into(ctx, options.meta); !s) co_return s;
  }
  // Tags follow their own directive: the source's by default, the
  // request's x-amz-tagging with REPLACE. The copy is a new object: it has
  // never been updated in place.
  object::set_meta(options.meta, object::kTagsMeta,
                   tagging_directive == "REPLACE" ? *new_tags : info.meta_value(object::kTagsMeta));
  object::set_meta(options.meta, object::kMetaStampMeta, "");
  // Nor does it inherit the source's ACL: it has the request's, or the default.
  object::set_meta(options.meta, object::kAclMeta, "");
  if (auto s = co_await acl_headers_into(ctx, options.meta); !s) co_return s;
  options.storage_class = *sc;
  options.preconditions = *pre;
  options.size = static_cast<uint64_t>(info.size);
  // The copy is one object written in one piece: its checksum is of the
  // FULL_OBJECT type. With x-amz-checksum-algorithm it is computed in that
  // algorithm; otherwise the source's algorithm is kept, and recomputed over
  // the bytes when the source's value describes its parts (multipart).
  std::optional<Checksummer> checksum;
  if (ctx.has_header("x-amz-checksum-algorithm")) {
    auto algo = parse_checksum_algorithm(trim(ctx.header("x-amz-checksum-algorithm")));
    if (!algo) {
      co_return fail(ErrorCode::kInvalidRequest,
                     "Checksum algorithm provided is unsupported. Please try again with any of "
                     "the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    }
    checksum.emplace(*algo);
  } else if (!info.parts.empty()) {
    for (const auto& [name, value] : info.checksums) {
      if (auto algo = parse_checksum_algorithm(name)) checksum.emplace(*algo);
    }
  }
  auto writer = co_await blocking(ctx, [&] {
    return sse::begin_put(ctx, *encryption, ctx.bucket, ctx.key, std::move(options));
  });
  if (!writer) co_return std::unexpected(writer.error());
  if (auto s = co_await stream_copy(ctx, **reader, **writer, checksum ? &*checksum : nullptr); !s) {
    co_return s;
  }
  object::PutFinal final;
  if (checksum) {
    final.checksums = {{std::string(checksum_name(checksum->algorithm())), checksum->finish_base64()},
                       {"type", "FULL_OBJECT"}};
  } else {
    final.checksums = info.checksums;
  }
  auto result = co_await blocking(ctx, [&] { return (*writer)->commit(final); });
  if (!result) co_return std::unexpected(result.error());
  XmlDoc doc("CopyObjectResult");
  add_text(doc.root(), "LastModified", format_iso8601(result->mod_time_ns));
  add_text(doc.root(), "ETag", quote_etag(result->etag));
  for (const auto& [algo, value] : result->checksums) {
    if (algo != "type") add_text(doc.root(), ("Checksum" + algo).c_str(), value);
  }
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::content_type, "application/xml");
  sse::add_headers(res, encryption->mode, encryption->customer);
  if (!info.version_id.empty() || src->version_id) {
    res.set("x-amz-copy-source-version-id", info.version_id.empty() ? "null" : info.version_id);
  }
  if (!result->version_id.empty()) res.set("x-amz-version-id", result->version_id);
  res.body() = doc.str();
  co_return co_await send(ctx, std::move(res));
}

}  // namespace silo::s3::ops
