// The S3 operations of S3Client: each builds a Request, runs it through
// execute() (signing, transport, error mapping) and reads what it needs from
// the response. Kept apart from the transport so either reads on its own.
#include <algorithm>
#include <optional>
#include <string>

#include "client/s3_client.h"
#include "client/s3_client_internal.h"
#include "client/s3_xml.h"
#include "common/hash.h"
#include "common/strings.h"

namespace silo::client {
namespace {

S3Error malformed(std::string_view what, int status) {
  return S3Error{status, "MalformedResponse", "could not parse the " + std::string(what), {}};
}

std::string query_param(std::string_view name, std::string_view value) {
  std::string out(name);
  out.push_back('=');
  out += uri_encode(value, /*keep_slash=*/false);
  return out;
}

void add_param(std::string& query, std::string_view name, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  query += query_param(name, value);
}

// The ETag of a copy or completion result. S3 can report a failure of these
// inside a 200 response, so an <Error> body is the error.
S3Result<std::string> result_etag(int status, const std::string& body, std::string_view what,
                                  std::optional<std::string> (*parse)(std::string_view)) {
  if (auto err = xml::parse_error(body)) {
    return std::unexpected(S3Error{status, err->code, err->message, err->request_id});
  }
  auto etag = parse(body);
  if (!etag) return std::unexpected(malformed(what, status));
  return std::move(*etag);
}

}  // namespace

S3Result<std::vector<BucketEntry>> S3Client::list_buckets() {
  auto res = execute(Request{"GET", "/", {}, {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  auto buckets = xml::parse_list_buckets(res->body);
  if (!buckets) return std::unexpected(malformed("ListAllMyBucketsResult", res->status));
  return std::move(*buckets);
}

S3Status S3Client::create_bucket(std::string_view bucket, std::string_view location,
                                 bool object_lock) {
  std::string body;
  if (!location.empty() && location != "us-east-1") body = xml::create_bucket_body(location);
  Request r{"PUT", object_path(bucket, {}), {}, {}, /*has_body=*/true, std::span<const char>(body),
            nullptr};
  if (object_lock) r.headers.emplace_back("x-amz-bucket-object-lock-enabled", "true");
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return {};
}

S3Status S3Client::delete_bucket(std::string_view bucket) {
  auto res = execute(Request{"DELETE", object_path(bucket, {}), {}, {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  return {};
}

S3Result<std::string> S3Client::admin(std::string_view method, std::string_view path,
                                      std::string query, std::string_view body) {
  bool post = method == "POST" || method == "PUT";
  Request r{method, "/silo/admin/v3/" + std::string(path), std::move(query), {}, post,
            std::span<const char>(body.data(), body.size()), nullptr};
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return std::move(res->body);
}

S3Result<std::string> S3Client::subresource(std::string_view method, std::string_view bucket,
                                            std::string_view key, std::string_view name,
                                            std::string_view body) {
  bool put = method == "PUT" || method == "POST";
  Request r{method, object_path(bucket, key), std::string(name), {}, put,
            std::span<const char>(body.data(), body.size()), nullptr};
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return std::move(res->body);
}

S3Result<SubresourceResult> S3Client::subresource(std::string_view method,
                                                  std::string_view bucket, std::string_view key,
                                                  std::string_view name, std::string_view body,
                                                  const SubresourceOptions& options) {
  bool put = method == "PUT" || method == "POST";
  // The name is a valueless parameter; with a version the two go in sorted order.
  std::string query(name);
  if (!options.version_id.empty()) {
    std::string version = query_param("versionId", options.version_id);
    query = name < std::string_view("versionId") ? query + "&" + version : version + "&" + query;
  }
  Request r{method, object_path(bucket, key), std::move(query), options.headers, put,
            std::span<const char>(body.data(), body.size()), nullptr};
  if (put && !body.empty()) {
    r.headers.emplace_back("content-md5", base64_encode(md5_raw(body)));
    r.headers.emplace_back("content-type", "application/xml");
  }
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return SubresourceResult{std::move(res->body), response_header("x-amz-version-id")};
}

S3Status S3Client::head_bucket(std::string_view bucket) {
  auto res = execute(Request{"HEAD", object_path(bucket, {}), {}, {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  return {};
}

S3Result<PutResult> S3Client::put_object(std::string_view bucket, std::string_view key,
                                         std::span<const char> body, const PutOptions& options) {
  Request r{"PUT", object_path(bucket, key), {}, options.headers, true, body, nullptr};
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return PutResult{res->status, xml::strip_quotes(response_header("etag")), {},
                   response_header("x-amz-version-id")};
}

S3Result<PutResult> S3Client::put_request(Request& request, FileRange file) {
  Digest md5(Digest::Algorithm::kMd5);
  request.file = &file;
  request.sent_md5 = &md5;
  auto res = execute(request);
  if (!res) return std::unexpected(std::move(res.error()));
  return PutResult{res->status, xml::strip_quotes(response_header("etag")),
                   hex_encode(md5.finish()), response_header("x-amz-version-id")};
}

S3Result<PutResult> S3Client::put_object_from(std::string_view bucket, std::string_view key,
                                              FileRange file, const PutOptions& options) {
  Request r{"PUT", object_path(bucket, key), {}, options.headers, true, {}, nullptr};
  return put_request(r, file);
}

S3Result<PutResult> S3Client::copy_object(std::string_view src_bucket, std::string_view src_key,
                                          std::string_view bucket, std::string_view key,
                                          const PutOptions& options) {
  Request r{"PUT", object_path(bucket, key), {}, options.headers, true, {}, nullptr};
  r.headers.emplace_back("x-amz-copy-source", object_path(src_bucket, src_key));
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  auto etag = result_etag(res->status, res->body, "CopyObjectResult", &xml::parse_copy_etag);
  if (!etag) return std::unexpected(std::move(etag.error()));
  return PutResult{res->status, std::move(*etag), {}, response_header("x-amz-version-id")};
}

S3Result<ObjectInfo> S3Client::get_object(std::string_view bucket, std::string_view key,
                                          const BodySink& sink, const GetOptions& options) {
  Request r{"GET", object_path(bucket, key), {}, {}, false, {}, &sink};
  if (options.range) {
    r.headers.emplace_back("range", "bytes=" + std::to_string(options.range->first) + "-" +
                                        std::to_string(options.range->second));
  }
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return object_info(res->status, res->received);
}

S3Result<ObjectInfo> S3Client::head_object(std::string_view bucket, std::string_view key,
                                           std::string_view version_id) {
  std::string query = version_id.empty() ? std::string() : query_param("versionId", version_id);
  auto res = execute(Request{"HEAD", object_path(bucket, key), query, {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  auto info = object_info(res->status, parse_u64(response_header("content-length")).value_or(0));
  info.total_size = info.size;
  return info;
}

S3Status S3Client::delete_object(std::string_view bucket, std::string_view key,
                                 std::string_view version_id) {
  auto res = delete_object(bucket, key, DeleteOptions{std::string(version_id), false});
  if (!res) return std::unexpected(std::move(res.error()));
  return {};
}

S3Result<DeleteResult> S3Client::delete_object(std::string_view bucket, std::string_view key,
                                               const DeleteOptions& options) {
  std::string query =
      options.version_id.empty() ? std::string() : query_param("versionId", options.version_id);
  Request r{"DELETE", object_path(bucket, key), query, {}, false, {}, nullptr};
  if (options.bypass_governance) {
    r.headers.emplace_back("x-amz-bypass-governance-retention", "true");
  }
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return DeleteResult{response_header("x-amz-version-id"),
                      response_header("x-amz-delete-marker") == "true"};
}

S3Result<std::vector<DeleteFailure>> S3Client::delete_objects(std::string_view bucket,
                                                              std::span<const std::string> keys,
                                                              bool bypass_governance) {
  std::string body = xml::delete_objects_body(keys);
  // S3 requires an integrity header on DeleteObjects.
  HeaderList headers{{"content-md5", base64_encode(md5_raw(body))},
                     {"content-type", "application/xml"}};
  if (bypass_governance) headers.emplace_back("x-amz-bypass-governance-retention", "true");
  Request r{"POST", object_path(bucket, {}),     "delete", std::move(headers),
            true,   std::span<const char>(body), nullptr};
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  auto failures = xml::parse_delete_result(res->body);
  if (!failures) return std::unexpected(malformed("DeleteResult", res->status));
  return std::move(*failures);
}

S3Result<ListPage> S3Client::list_objects_v2(std::string_view bucket, const ListOptions& options) {
  // Parameters in canonical (sorted) order; the signer sorts anyway.
  std::string query;
  if (!options.continuation_token.empty()) {
    add_param(query, "continuation-token", options.continuation_token);
  }
  if (!options.delimiter.empty()) add_param(query, "delimiter", options.delimiter);
  add_param(query, "encoding-type", "url");
  add_param(query, "list-type", "2");
  add_param(query, "max-keys", std::to_string(options.max_keys));
  if (!options.prefix.empty()) add_param(query, "prefix", options.prefix);
  if (!options.start_after.empty()) add_param(query, "start-after", options.start_after);
  auto res =
      execute(Request{"GET", object_path(bucket, {}), std::move(query), {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  auto page = xml::parse_list_v2(res->body, /*url_encoded=*/true);
  if (!page) return std::unexpected(malformed("ListBucketResult", res->status));
  page->http_status = res->status;
  return std::move(*page);
}

S3Result<VersionPage> S3Client::list_object_versions(std::string_view bucket,
                                                     const VersionListOptions& o) {
  std::string query;
  // Parameters in canonical (sorted) order, as the signature wants them.
  if (!o.delimiter.empty()) add_param(query, "delimiter", o.delimiter);
  add_param(query, "encoding-type", "url");
  if (!o.key_marker.empty()) add_param(query, "key-marker", o.key_marker);
  add_param(query, "max-keys", std::to_string(o.max_keys));
  if (!o.prefix.empty()) add_param(query, "prefix", o.prefix);
  if (!o.version_id_marker.empty()) add_param(query, "version-id-marker", o.version_id_marker);
  query += "&versions";
  auto res = execute(Request{"GET", object_path(bucket, {}), query, {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  auto page = xml::parse_list_versions(res->body, /*url_encoded=*/true);
  if (!page) return std::unexpected(malformed("ListVersionsResult", res->status));
  return std::move(*page);
}

S3Result<std::string> S3Client::create_multipart_upload(std::string_view bucket,
                                                        std::string_view key,
                                                        const PutOptions& options) {
  Request r{"POST", object_path(bucket, key), "uploads", options.headers, true, {}, nullptr};
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  auto id = xml::parse_upload_id(res->body);
  if (!id) return std::unexpected(malformed("InitiateMultipartUploadResult", res->status));
  return std::move(*id);
}

S3Result<std::string> S3Client::upload_part(std::string_view bucket, std::string_view key,
                                            std::string_view upload_id, int part_number,
                                            std::span<const char> body) {
  std::string query = query_param("partNumber", std::to_string(part_number));
  add_param(query, "uploadId", upload_id);
  auto res =
      execute(Request{"PUT", object_path(bucket, key), std::move(query), {}, true, body, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  return xml::strip_quotes(response_header("etag"));
}

S3Result<PutResult> S3Client::upload_part_from(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id, int part_number,
                                               FileRange file) {
  std::string query = query_param("partNumber", std::to_string(part_number));
  add_param(query, "uploadId", upload_id);
  Request r{"PUT", object_path(bucket, key), std::move(query), {}, true, {}, nullptr};
  return put_request(r, file);
}

S3Result<std::string> S3Client::upload_part_copy(std::string_view bucket, std::string_view key,
                                                 std::string_view upload_id, int part_number,
                                                 std::string_view src_bucket,
                                                 std::string_view src_key, uint64_t first,
                                                 uint64_t last) {
  std::string query = query_param("partNumber", std::to_string(part_number));
  add_param(query, "uploadId", upload_id);
  Request r{"PUT", object_path(bucket, key), std::move(query), {}, true, {}, nullptr};
  r.headers.emplace_back("x-amz-copy-source", object_path(src_bucket, src_key));
  r.headers.emplace_back("x-amz-copy-source-range",
                         "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return result_etag(res->status, res->body, "CopyPartResult", &xml::parse_copy_etag);
}

S3Result<PutResult> S3Client::complete_multipart_upload(std::string_view bucket,
                                                        std::string_view key,
                                                        std::string_view upload_id,
                                                        std::span<const CompletedPart> parts) {
  std::string body = xml::complete_multipart_body(parts);
  Request r{"POST",
            object_path(bucket, key),
            query_param("uploadId", upload_id),
            {{"content-type", "application/xml"}},
            true,
            std::span<const char>(body),
            nullptr};
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  auto etag = result_etag(res->status, res->body, "CompleteMultipartUploadResult",
                          &xml::parse_complete_etag);
  if (!etag) return std::unexpected(std::move(etag.error()));
  return PutResult{res->status, std::move(*etag), {}, response_header("x-amz-version-id")};
}

S3Result<UploadPage> S3Client::list_multipart_uploads(std::string_view bucket,
                                                     std::string_view key_marker,
                                                     std::string_view upload_id_marker) {
  std::string query;
  add_param(query, "encoding-type", "url");
  if (!key_marker.empty()) add_param(query, "key-marker", key_marker);
  if (!upload_id_marker.empty()) add_param(query, "upload-id-marker", upload_id_marker);
  query += "&uploads";
  auto res = execute(Request{"GET", object_path(bucket, {}), query, {}, false, {}, nullptr});
  if (!res) return std::unexpected(std::move(res.error()));
  auto page = xml::parse_list_uploads(res->body, /*url_encoded=*/true);
  if (!page) return std::unexpected(malformed("ListMultipartUploadsResult", res->status));
  return std::move(*page);
}

S3Status S3Client::abort_multipart_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id) {
  Request r{"DELETE", object_path(bucket, key), query_param("uploadId", upload_id), {}, false, {},
            nullptr};
  r.cancellable = false;  // the cleanup after an interrupted upload
  auto res = execute(r);
  if (!res) return std::unexpected(std::move(res.error()));
  return {};
}

std::string S3Client::presign_url(std::string_view method, std::string_view bucket,
                                  std::string_view key, std::chrono::seconds expires) const {
  expires =
      std::clamp(expires, std::chrono::seconds(1), std::chrono::seconds(auth::kMaxPresignExpires));
  std::string path = object_path(bucket, key);
  std::string query =
      auth::presign_query(method, path, {}, endpoint_.authority, config_.credentials,
                          config_.region, std::chrono::system_clock::now(), expires);
  return endpoint_.base_url + path + "?" + query;
}

}  // namespace silo::client
