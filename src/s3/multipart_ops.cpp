#include "common/checksum.h"
#include "common/strings.h"
#include "common/time.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/response.h"
#include "s3/validate.h"
#include "s3/xml.h"

namespace silo::s3::ops {

namespace bhttp = boost::beast::http;

namespace {
constexpr int64_t kMaxPartSize = 5LL << 30;

Result<uint32_t> part_number_of(const Context& ctx) {
  auto n = parse_u64(ctx.query.value("partNumber"));
  if (!n || *n < 1 || *n > 10000) return fail(ErrorCode::kTooManyParts);
  return static_cast<uint32_t>(*n);
}

Result<std::string> upload_id_of(const Context& ctx) {
  auto id = ctx.query.get("uploadId");
  if (!id || id->empty()) return fail(ErrorCode::kNoSuchUpload);
  return std::string(*id);
}
}  // namespace

Op create_multipart(Context& ctx) {
  auto meta = metadata_from_headers(ctx);
  if (!meta) co_return std::unexpected(meta.error());
  auto sc = storage_class_from_headers(ctx);
  if (!sc) co_return std::unexpected(sc.error());
  std::string algorithm;
  if (ctx.has_header("x-amz-checksum-algorithm")) {
    auto a = parse_checksum_algorithm(trim(ctx.header("x-amz-checksum-algorithm")));
    if (!a) co_return fail(ErrorCode::kInvalidRequest, "Checksum algorithm provided is unsupported.");
    algorithm = checksum_name(*a);
  }
  std::string type(trim(ctx.header("x-amz-checksum-type")));
  if (!type.empty() && type != "COMPOSITE" && type != "FULL_OBJECT") {
    co_return fail(ErrorCode::kInvalidRequest, "Value for x-amz-checksum-type header is invalid.");
  }
  if (!algorithm.empty() && type.empty()) type = "COMPOSITE";
  object::PutOptions options{std::move(*meta), std::move(*sc), {}};
  auto upload = co_await blocking(ctx, [&] {
    return ctx.services.objects.create_upload(ctx.bucket, ctx.key, std::move(options), algorithm,
                                              type);
  });
  if (!upload) co_return std::unexpected(upload.error());
  XmlDoc doc("InitiateMultipartUploadResult");
  add_text(doc.root(), "Bucket", ctx.bucket);
  add_text(doc.root(), "Key", ctx.key);
  add_text(doc.root(), "UploadId", upload->upload_id);
  auto res = make_response(ctx, 200);
  if (!algorithm.empty()) {
    res.set("x-amz-checksum-algorithm", algorithm);
    res.set("x-amz-checksum-type", type);
  }
  res.set(bhttp::field::content_type, "application/xml");
  res.body() = doc.str();
  co_return co_await send(ctx, std::move(res));
}

Op upload_part(Context& ctx) {
  auto number = part_number_of(ctx);
  if (!number) co_return std::unexpected(number.error());
  auto upload_id = upload_id_of(ctx);
  if (!upload_id) co_return std::unexpected(upload_id.error());
  if (!ctx.exchange.content_length() && !ctx.has_header("x-amz-decoded-content-length") &&
      !ctx.has_header("transfer-encoding")) {
    co_return fail(ErrorCode::kMissingContentLength);
  }
  auto body = BodyReader::open(ctx);
  if (!body) co_return std::unexpected(body.error());
  if ((*body)->declared_size() && static_cast<int64_t>(*(*body)->declared_size()) > kMaxPartSize) {
    co_return fail(ErrorCode::kEntityTooLarge);
  }
  WriterFactory open = [&] {
    return ctx.services.objects.begin_part(ctx.bucket, ctx.key, *upload_id, *number);
  };
  auto info = co_await write_body(ctx, **body, open);
  if (!info) co_return std::unexpected(info.error());
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::etag, quote_etag(info->etag));
  add_checksum_headers(res.base(), info->checksums);
  co_return co_await send(ctx, std::move(res));
}

Op upload_part_copy(Context& ctx) {
  auto number = part_number_of(ctx);
  if (!number) co_return std::unexpected(number.error());
  auto upload_id = upload_id_of(ctx);
  if (!upload_id) co_return std::unexpected(upload_id.error());
  auto src = parse_copy_source(ctx);
  if (!src) co_return std::unexpected(src.error());
  if (auto s = validate_key(src->key); !s) co_return s;
  auto reader = co_await blocking(
      ctx, [&] { return ctx.services.objects.open_object(src->bucket, src->key); });
  if (!reader) co_return std::unexpected(reader.error());
  const auto& info = (*reader)->info();
  if (auto s = check_read_preconditions(ctx, info, "x-amz-copy-source-", false); !s) co_return s;
  uint64_t size = static_cast<uint64_t>(info.size);
  uint64_t offset = 0, length = size;
  if (ctx.has_header("x-amz-copy-source-range")) {
    // Unlike Range on GET, a copy range must be exact and inside the source.
    std::string_view spec = trim(ctx.header("x-amz-copy-source-range"));
    auto dash = spec.find('-');
    if (!spec.starts_with("bytes=") || dash == std::string_view::npos) {
      co_return fail(ErrorCode::kInvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
    }
    auto a = parse_u64(spec.substr(6, dash - 6));
    auto b = parse_u64(spec.substr(dash + 1));
    if (!a || !b || *a > *b) {
      co_return fail(ErrorCode::kInvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
    }
    if (*b >= size) {
      co_return fail(ErrorCode::kInvalidRange, "The requested range is not satisfiable");
    }
    offset = *a;
    length = *b - *a + 1;
  }
  if (static_cast<int64_t>(length) > kMaxPartSize) co_return fail(ErrorCode::kEntityTooLarge);
  auto writer = co_await blocking(ctx, [&] {
    return ctx.services.objects.begin_part(ctx.bucket, ctx.key, *upload_id, *number);
  });
  if (!writer) co_return std::unexpected(writer.error());
  (*reader)->set_range(offset, length);
  if (length > 0) {
    if (auto s = co_await stream_copy(ctx, **reader, **writer); !s) co_return s;
  }
  auto result = co_await blocking(ctx, [&] { return (*writer)->commit({}); });
  if (!result) co_return std::unexpected(result.error());
  XmlDoc doc("CopyPartResult");
  add_text(doc.root(), "LastModified", format_iso8601(result->mod_time_ns));
  add_text(doc.root(), "ETag", quote_etag(result->etag));
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op complete_multipart(Context& ctx) {
  auto upload_id = upload_id_of(ctx);
  if (!upload_id) co_return std::unexpected(upload_id.error());
  auto pre = write_preconditions(ctx);
  if (!pre) co_return std::unexpected(pre.error());
  auto body = co_await read_small_body(ctx, ctx.services.config.max_xml_body);
  if (!body) co_return std::unexpected(body.error());
  auto parts = parse_complete_multipart(*body);
  if (!parts) co_return std::unexpected(parts.error());
  auto info = co_await blocking(ctx, [&] {
    return ctx.services.objects.complete_upload(ctx.bucket, ctx.key, *upload_id, *parts, *pre);
  });
  if (!info) co_return std::unexpected(info.error());
  XmlDoc doc("CompleteMultipartUploadResult");
  std::string host(ctx.header("host"));
  add_text(doc.root(), "Location", "http://" + host + "/" + ctx.bucket + "/" + silo::uri_encode(ctx.key, true));
  add_text(doc.root(), "Bucket", ctx.bucket);
  add_text(doc.root(), "Key", ctx.key);
  add_text(doc.root(), "ETag", quote_etag(info->etag));
  for (const auto& [algo, value] : info->checksums) {
    if (algo == "type") {
      add_text(doc.root(), "ChecksumType", value);
    } else {
      add_text(doc.root(), ("Checksum" + algo).c_str(), value);
    }
  }
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op abort_multipart(Context& ctx) {
  auto upload_id = upload_id_of(ctx);
  if (!upload_id) co_return std::unexpected(upload_id.error());
  auto s = co_await blocking(ctx, [&] {
    return ctx.services.objects.abort_upload(ctx.bucket, ctx.key, *upload_id);
  });
  if (!s) co_return s;
  co_return co_await send_empty(ctx, 204);
}

}  // namespace silo::s3::ops
