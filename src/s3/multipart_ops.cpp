#include "common/checksum.h"
#include "common/strings.h"
#include "common/time.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/request_acl.h"
#include "s3/response.h"
#include "s3/sse.h"
#include "s3/sse_stream.h"
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

struct ChecksumMode {
  std::string algorithm;  // "CRC32C", ...; empty: none
  std::string type;       // "COMPOSITE" or "FULL_OBJECT" when an algorithm is set
};

// CreateMultipartUpload's x-amz-checksum-algorithm and x-amz-checksum-type,
// checked in AWS's order (algorithm, then type, then the combination).
Result<ChecksumMode> checksum_mode_of(const Context& ctx) {
  ChecksumMode mode;
  bool has_algorithm = ctx.has_header("x-amz-checksum-algorithm");
  bool has_type = ctx.has_header("x-amz-checksum-type");
  std::optional<ChecksumAlgorithm> algo;
  if (has_algorithm) {
    algo = parse_checksum_algorithm(trim(ctx.header("x-amz-checksum-algorithm")));
    if (!algo) {
      return fail(ErrorCode::kInvalidRequest,
                  "Checksum algorithm provided is unsupported. Please try again with any of the "
                  "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    }
    mode.algorithm = checksum_name(*algo);
  }
  if (!has_type) {
    if (algo) mode.type = *algo == ChecksumAlgorithm::kCrc64Nvme ? "FULL_OBJECT" : "COMPOSITE";
    return mode;
  }
  if (!algo) {
    return fail(ErrorCode::kInvalidRequest,
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header.");
  }
  mode.type = to_upper(trim(ctx.header("x-amz-checksum-type")));
  if (mode.type != "COMPOSITE" && mode.type != "FULL_OBJECT") {
    return fail(ErrorCode::kInvalidRequest, "Value for x-amz-checksum-type header is invalid.");
  }
  bool crc = checksum_is_crc(*algo);
  bool allowed = mode.type == "FULL_OBJECT" ? crc : *algo != ChecksumAlgorithm::kCrc64Nvme;
  if (!allowed) {
    return fail(ErrorCode::kInvalidRequest, "The " + mode.type +
                                                " checksum type cannot be used with the " +
                                                mode.algorithm + " checksum algorithm.");
  }
  return mode;
}

// CompleteMultipartUpload's x-amz-checksum-* headers: the object's checksum.
Result<object::CompleteChecksum> complete_checksum_of(const Context& ctx) {
  object::CompleteChecksum out;
  out.type = to_upper(trim(ctx.header("x-amz-checksum-type")));
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                 ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256}) {
    if (!ctx.has_header(checksum_header(a))) continue;
    if (!out.algorithm.empty()) {
      return fail(ErrorCode::kInvalidRequest,
                  "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                  "allowed.");
    }
    out.algorithm = checksum_name(a);
    out.value = std::string(trim(ctx.header(checksum_header(a))));
  }
  return out;
}

// The part checksums a multipart upload records, or none.
Result<std::optional<ChecksumAlgorithm>> upload_algorithm(const object::UploadInfo& upload) {
  if (upload.checksum_algorithm.empty()) return std::optional<ChecksumAlgorithm>{};
  auto algo = parse_checksum_algorithm(upload.checksum_algorithm);
  if (!algo) return fail(ErrorCode::kInternalError, "unknown upload checksum algorithm");
  return algo;
}

}  // namespace

Op create_multipart(Context& ctx) {
  auto meta = metadata_from_headers(ctx);
  if (!meta) co_return std::unexpected(meta.error());
  if (auto s = co_await acl_headers_into(ctx, *meta); !s) co_return s;
  auto sc = storage_class_from_headers(ctx);
  if (!sc) co_return std::unexpected(sc.error());
  auto mode = checksum_mode_of(ctx);
  if (!mode) co_return std::unexpected(mode.error());
  const std::string& algorithm = mode->algorithm;
  const std::string& type = mode->type;
  auto encryption = sse::write_request(ctx);
  if (!encryption) co_return std::unexpected(encryption.error());
  object::PutOptions options{std::move(*meta), std::move(*sc), {}};
  auto upload = co_await blocking(ctx, [&] {
    return sse::create_upload(ctx, *encryption, std::move(options), algorithm, type);
  });
  if (!upload) co_return std::unexpected(upload.error());
  XmlDoc doc("InitiateMultipartUploadResult");
  add_text(doc.root(), "Bucket", ctx.bucket);
  add_text(doc.root(), "Key", ctx.key);
  add_text(doc.root(), "UploadId", upload->upload_id);
  auto res = make_response(ctx, 200);
  sse::add_headers(res, encryption->mode, encryption->customer);
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
  auto given = sse::customer_key(ctx, sse::KeyHeaders::kObject);
  if (!given) co_return std::unexpected(given.error());
  auto body = BodyReader::open(ctx);
  if (!body) co_return std::unexpected(body.error());
  if ((*body)->declared_size() && static_cast<int64_t>(*(*body)->declared_size()) > kMaxPartSize) {
    co_return fail(ErrorCode::kEntityTooLarge);
  }
  // An upload created with a checksum algorithm records every part's
  // checksum of it, whether or not the client sent one.
  auto upload = co_await blocking(ctx, [&] {
    return ctx.services.objects.get_upload(ctx.bucket, ctx.key, *upload_id);
  });
  if (!upload) co_return std::unexpected(upload.error());
  auto algo = upload_algorithm(*upload);
  if (!algo) co_return std::unexpected(algo.error());
  if (*algo) {
    if (auto s = (*body)->require_checksum(**algo); !s) co_return s;
  }
  WriterFactory open = [&] { return sse::begin_part(ctx, *upload, *given, *number); };
  auto info = co_await write_body(ctx, **body, open);
  if (!info) co_return std::unexpected(info.error());
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::etag, quote_etag(info->etag));
  sse::add_headers(res, sse::mode_of(upload->meta), *given);
  add_checksum_headers(res.base(), info->checksums);
  co_return co_await send(ctx, std::move(res));
}

Op upload_part_copy(Context& ctx) {
  auto number = part_number_of(ctx);
  if (!number) co_return std::unexpected(number.error());
  auto upload_id = upload_id_of(ctx);
  if (!upload_id) co_return std::unexpected(upload_id.error());
  auto src = readable_copy_source(ctx);
  if (!src) co_return std::unexpected(src.error());
  auto src_key = sse::customer_key(ctx, sse::KeyHeaders::kCopySource);
  if (!src_key) co_return std::unexpected(src_key.error());
  auto given = sse::customer_key(ctx, sse::KeyHeaders::kObject);
  if (!given) co_return std::unexpected(given.error());
  auto reader = co_await blocking(ctx, [&] {
    return sse::open_copy_source(ctx, *src, *src_key);
  });
  if (!reader) co_return std::unexpected(reader.error());
  const auto& info = (*reader)->info();
  if (!info.version_id.empty() || src->version_id) {
    ctx.response_headers.emplace_back("x-amz-copy-source-version-id",
                                      info.version_id.empty() ? "null" : info.version_id);
  }
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
  auto upload = co_await blocking(ctx, [&] {
    return ctx.services.objects.get_upload(ctx.bucket, ctx.key, *upload_id);
  });
  if (!upload) co_return std::unexpected(upload.error());
  auto algo = upload_algorithm(*upload);
  if (!algo) co_return std::unexpected(algo.error());
  std::optional<Checksummer> checksum;
  if (*algo) checksum.emplace(**algo);
  auto writer = co_await blocking(ctx, [&]() -> Result<std::unique_ptr<object::ObjectWriter>> {
    auto w = sse::begin_part(ctx, *upload, *given, *number);
    if (w) {
      if (auto s = (*w)->expect(length); !s) return std::unexpected(s.error());
    }
    return w;
  });
  if (!writer) co_return std::unexpected(writer.error());
  (*reader)->set_range(offset, length);
  if (length > 0) {
    if (auto s = co_await stream_copy(ctx, **reader, **writer, checksum ? &*checksum : nullptr); !s) {
      co_return s;
    }
  }
  object::PutFinal final;
  if (checksum) {
    final.checksums = {{std::string(checksum_name(checksum->algorithm())), checksum->finish_base64()}};
  }
  auto result = co_await blocking(ctx, [&] { return (*writer)->commit(final); });
  if (!result) co_return std::unexpected(result.error());
  XmlDoc doc("CopyPartResult");
  add_text(doc.root(), "LastModified", format_iso8601(result->mod_time_ns));
  add_text(doc.root(), "ETag", quote_etag(result->etag));
  add_checksum_elements(doc.root(), final.checksums);
  sse::add_headers(ctx.response_headers, sse::mode_of(upload->meta), *given);
  co_return co_await send_xml(ctx, 200, doc.str());
}

Op complete_multipart(Context& ctx) {
  auto upload_id = upload_id_of(ctx);
  if (!upload_id) co_return std::unexpected(upload_id.error());
  auto pre = write_preconditions(ctx);
  if (!pre) co_return std::unexpected(pre.error());
  auto checksum = complete_checksum_of(ctx);
  if (!checksum) co_return std::unexpected(checksum.error());
  // The x-amz-checksum-* headers describe the object, not this XML body.
  auto body = co_await read_small_body(ctx, ctx.services.config.max_xml_body,
                                       ChecksumHeaders::kNotOfBody);
  if (!body) co_return std::unexpected(body.error());
  auto parts = parse_complete_multipart(*body);
  if (!parts) co_return std::unexpected(parts.error());
  object::CompleteOptions options{*pre, std::move(*checksum)};
  options.meta_edit = sse::record_streams;
  auto info = co_await blocking(ctx, [&] {
    return ctx.services.objects.complete_upload(ctx.bucket, ctx.key, *upload_id, *parts, options);
  });
  if (!info) co_return std::unexpected(info.error());
  XmlDoc doc("CompleteMultipartUploadResult");
  std::string host(ctx.header("host"));
  add_text(doc.root(), "Location", ctx.services.config.scheme + "://" + host + "/" + ctx.bucket +
                                       "/" + silo::uri_encode(ctx.key, true));
  add_text(doc.root(), "Bucket", ctx.bucket);
  add_text(doc.root(), "Key", ctx.key);
  add_text(doc.root(), "ETag", quote_etag(info->etag));
  add_checksum_elements(doc.root(), info->checksums);
  if (!info->version_id.empty()) ctx.response_headers.emplace_back("x-amz-version-id", info->version_id);
  sse::add_headers(ctx.response_headers, sse::mode_of(info->meta), std::nullopt);
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
