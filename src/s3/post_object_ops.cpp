// Browser POST uploads (POST Object): an HTML form posted to the bucket
// with the object's key, its headers as fields, a policy signed with the
// uploader's secret (auth/post_policy.h), and the file last. The form is
// authenticated by its policy signature once its fields are read, then
// authorized as a PutObject of its key, then the file is streamed into the
// object like a PUT's body.
#include <chrono>

#include "auth/post_policy.h"
#include "common/buffer.h"
#include "common/checksum.h"
#include "common/strings.h"
#include "object/object_lock.h"
#include "object/object_meta.h"
#include "s3/access.h"
#include "s3/credential_lookup.h"
#include "s3/form_data.h"
#include "s3/object_common.h"
#include "s3/ops.h"
#include "s3/ops_util.h"
#include "s3/request_acl.h"
#include "s3/response.h"
#include "s3/sse.h"
#include "s3/sse_stream.h"
#include "s3/router.h"
#include "s3/tags.h"
#include "s3/validate.h"
#include "s3/xml.h"

namespace silo::s3::ops {

namespace {

namespace bhttp = boost::beast::http;

constexpr size_t kMaxFormFields = 64 << 10;
constexpr size_t kFileBuffer = 1 << 20;
constexpr std::string_view kFormContentFields[] = {"content-type",  "content-encoding",
                                                    "content-disposition", "content-language",
                                                    "cache-control", "expires"};

// The object's metadata from the form's fields (and the file part's type).
Result<storage::KeyValues> form_metadata(const FormHead& head) {
  storage::KeyValues meta;
  for (auto name : kFormContentFields) {
    if (const std::string* v = auth::form_value(head.fields, name)) {
      if (auto s = validate_header_value(name, *v); !s) return std::unexpected(s.error());
      meta.emplace_back(std::string(name), *v);
    }
  }
  if (!auth::form_value(head.fields, "content-type") && !head.file_type.empty()) {
    meta.emplace_back("content-type", head.file_type);
  }
  for (const auto& [name, value] : head.fields) {
    if (!name.starts_with("x-amz-meta-")) continue;
    if (auto s = validate_header_value(name, value); !s) return std::unexpected(s.error());
    meta.emplace_back(name, value);
  }
  if (const std::string* tagging = auth::form_value(head.fields, "tagging")) {
    auto tags = parse_tagging_xml(*tagging, TagOwner::kObject);
    if (!tags) return std::unexpected(tags.error());
    if (!tags->empty()) meta.emplace_back(std::string(object::kTagsMeta), encode_tags(*tags));
  }
  return meta;
}

// "${filename}" in the key field stands for the file's name.
std::string key_with_filename(std::string key, std::string_view filename) {
  static constexpr std::string_view kVar = "${filename}";
  size_t at = key.find(kVar);
  if (at != std::string::npos) key.replace(at, kVar.size(), filename);
  return key;
}

}  // namespace

Op post_object(Context& ctx) {
  auto boundary = form_boundary(ctx.header("content-type"));
  if (!boundary) {
    co_return fail(ErrorCode::kPreconditionFailed,
                   "Bucket POST must be of the enclosure-type multipart/form-data");
  }
  auto body = BodyReader::open(ctx);
  if (!body) co_return std::unexpected(body.error());
  FormReader form(**body, *boundary);
  auto head = co_await form.read_head(kMaxFormFields);
  if (!head) co_return std::unexpected(head.error());
  const std::string* key_field = auth::form_value(head->fields, "key");
  if (!key_field) {
    co_return fail(ErrorCode::kInvalidArgument, "Bucket POST must contain a field named 'key'.");
  }
  std::string key = key_with_filename(*key_field, head->filename);
  for (auto& [name, value] : head->fields) {
    if (name == "key") value = key;
  }
  if (auto s = validate_key(key); !s) co_return s;

  // Authentication: the policy's signature, as the handler authenticates a
  // signed request; then the policy's own conditions.
  auto now = std::chrono::system_clock::now();
  const std::string* token = auth::form_value(head->fields, "x-amz-security-token");
  CredentialLookup credentials(ctx.services.iam, token ? *token : std::string());
  auto posted = auth::authenticate_post(head->fields, credentials.lookup(),
                                        ctx.services.config.region, now);
  if (credentials.token_error()) co_return fail(*credentials.token_error());
  if (!posted) co_return std::unexpected(posted.error());
  ctx.auth = std::move(posted->auth);
  if (!ctx.auth.anonymous()) ctx.identity = credentials.identity();
  auth::PostLimits limits;
  if (!posted->policy_json.empty()) {
    auto checked = auth::check_post_policy(posted->policy_json, head->fields, ctx.bucket, now);
    if (!checked) co_return std::unexpected(checked.error());
    limits = *checked;
  }
  // Authorization: a PutObject of the form's key.
  ctx.key = key;
  ctx.key_in_path = true;
  Route put{"s3:PutObject", Level::kObject, nullptr};
  if (auto allowed = co_await authorize(ctx, put); !allowed) co_return allowed;

  auto meta = form_metadata(*head);
  if (!meta) co_return std::unexpected(meta.error());
  // The form's acl field is the canned ACL a PUT's x-amz-acl would be.
  HeaderLookup acl_field = [&](std::string_view name) -> std::optional<std::string_view> {
    const std::string* v = name == "x-amz-acl" ? auth::form_value(head->fields, "acl") : nullptr;
    if (!v) return std::nullopt;
    return *v;
  };
  if (auto s = co_await acl_into(ctx, acl_field, *meta); !s) co_return s;
  // Encryption fields are a PUT's headers.
  auto encryption = sse::write_request(ctx, [&](std::string_view name) -> std::optional<std::string_view> {
    const std::string* v = auth::form_value(head->fields, name);
    if (!v) return std::nullopt;
    return *v;
  });
  if (!encryption) co_return std::unexpected(encryption.error());
  object::PutOptions options;
  options.meta = std::move(*meta);
  if (const std::string* sc = auth::form_value(head->fields, "x-amz-storage-class")) {
    if (*sc != "STANDARD") options.storage_class = *sc;
  }
  auto writer = co_await blocking(ctx, [&] {
    return sse::begin_put(ctx, *encryption, ctx.bucket, key, std::move(options));
  });
  if (!writer) co_return std::unexpected(writer.error());
  // An x-amz-checksum-<algorithm> field is the file's checksum, verified
  // as a PUT's header is.
  std::optional<Checksummer> checksum;
  std::string expected_checksum;
  for (const auto& [name, value] : head->fields) {
    auto algorithm = checksum_algorithm_from_header(name);
    if (!algorithm) continue;
    if (checksum) {
      co_return fail(ErrorCode::kInvalidRequest,
                     "Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                     "not allowed.");
    }
    if (!decode_checksum_base64(*algorithm, value)) {
      co_return fail(ErrorCode::kInvalidRequest,
                     "Value for " + name + " header is invalid.");
    }
    checksum.emplace(*algorithm);
    expected_checksum = value;
  }
  Buffer buf(kFileBuffer);
  uint64_t size = 0;
  while (true) {
    auto n = co_await form.read_file(buf.span(kFileBuffer));
    if (!n) co_return std::unexpected(n.error());
    if (*n == 0) break;
    size += *n;
    if (size > limits.max_size) {
      co_return fail(ErrorCode::kEntityTooLarge,
                     "Your proposed upload exceeds the maximum allowed size");
    }
    auto chunk = buf.span(*n);
    if (checksum) checksum->update(chunk);
    auto w = co_await blocking(ctx, [&] { return (*writer)->write(chunk); });
    if (!w) co_return w;
  }
  if (size < limits.min_size) {
    co_return fail(ErrorCode::kEntityTooSmall,
                   "Your proposed upload is smaller than the minimum allowed size");
  }
  object::PutFinal final;
  if (checksum) {
    std::string got = checksum->finish_base64();
    if (got != expected_checksum) {
      co_return fail(ErrorCode::kBadDigest,
                     "The " + std::string(checksum_name(checksum->algorithm())) +
                         " you specified did not match the calculated checksum.");
    }
    final.checksums = {{std::string(checksum_name(checksum->algorithm())), std::move(got)},
                       {"type", "FULL_OBJECT"}};
  }
  auto info = co_await blocking(ctx, [&] { return (*writer)->commit(final); });
  if (!info) co_return std::unexpected(info.error());
  sse::add_headers(ctx.response_headers, encryption->mode, encryption->customer);

  std::string etag = quote_etag(info->etag);
  std::string host(ctx.header("host"));
  std::string location =
      ctx.services.config.scheme + "://" + host + "/" + ctx.bucket + "/" + uri_encode(key, true);
  const std::string* redirect = auth::form_value(head->fields, "success_action_redirect");
  if (!redirect) redirect = auth::form_value(head->fields, "redirect");
  if (redirect && !redirect->empty()) {
    std::string target = *redirect;
    target += target.find('?') == std::string::npos ? "?" : "&";
    target += "bucket=" + uri_encode(ctx.bucket, false);
    target += "&key=" + uri_encode(key, false);
    target += "&etag=" + uri_encode(etag, false);
    auto res = make_response(ctx, 303);
    res.set(bhttp::field::location, target);
    res.set(bhttp::field::etag, etag);
    co_return co_await send(ctx, std::move(res));
  }
  const std::string* status_field = auth::form_value(head->fields, "success_action_status");
  int status = 204;
  if (status_field && (*status_field == "200" || *status_field == "201")) {
    status = *status_field == "200" ? 200 : 201;
  }
  if (status == 201) {
    XmlDoc doc("PostResponse", false);
    add_text(doc.root(), "Location", location);
    add_text(doc.root(), "Bucket", ctx.bucket);
    add_text(doc.root(), "Key", key);
    add_text(doc.root(), "ETag", etag);
    auto res = make_response(ctx, 201);
    res.set(bhttp::field::content_type, "application/xml");
    res.set(bhttp::field::etag, etag);
    res.set(bhttp::field::location, location);
    if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
    res.body() = doc.str();
    co_return co_await send(ctx, std::move(res));
  }
  auto res = make_response(ctx, status);
  res.set(bhttp::field::etag, etag);
  res.set(bhttp::field::location, location);
  if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
  co_return co_await send(ctx, std::move(res));
}

}  // namespace silo::s3::ops
