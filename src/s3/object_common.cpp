#include "s3/object_common.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <vector>

#include "common/buffer.h"
#include "common/strings.h"
#include "common/time.h"
#include "object/object_meta.h"
#include "s3/access.h"
#include "s3/ops_util.h"
#include "s3/tags.h"
#include "s3/xml.h"
#include "storage/versions.h"
#include "s3/validate.h"

namespace silo::s3 {

namespace {
constexpr size_t kMaxUserMetadata = 2048;
constexpr size_t kStreamBuffer = 1 << 20;

constexpr std::string_view kContentHeaders[] = {"content-type",     "content-encoding",
                                                "content-disposition", "content-language",
                                                "cache-control",    "expires",
                                                "x-amz-website-redirect-location"};

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.starts_with("W/")) s.remove_prefix(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// A Content-Encoding list without its aws-chunked token.
std::string without_aws_chunked(std::string_view list) {
  std::string out;
  bool found = false;
  for (auto item : split(list, ',')) {
    item = trim(item);
    if (iequals(item, "aws-chunked")) {
      found = true;
    } else if (!item.empty()) {
      if (!out.empty()) out.append(", ");
      out.append(item);
    }
  }
  // Without aws-chunked the header describes the object exactly as given.
  return found ? out : std::string(list);
}

// True when the If-Match / If-None-Match list matches `etag`.
bool etag_matches(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = unquote(list.substr(0, comma));
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace

Result<storage::KeyValues> metadata_from_headers(const Context& ctx) {
  storage::KeyValues meta;
  size_t user_bytes = 0;
  for (auto name : kContentHeaders) {
    if (!ctx.has_header(name)) continue;
    std::string value(ctx.header(name));
    if (name == "content-encoding") {
      // aws-chunked describes how this request's body is framed, not the object.
      value = without_aws_chunked(value);
      if (value.empty()) continue;
    }
    if (auto s = validate_header_value(name, value); !s) return std::unexpected(s.error());
    meta.emplace_back(std::string(name), std::move(value));
  }
  for (const auto& field : ctx.request()) {
    std::string name = to_lower({field.name_string().data(), field.name_string().size()});
    if (!name.starts_with("x-amz-meta-")) continue;
    std::string value(field.value().data(), field.value().size());
    if (auto s = validate_header_value(name, value); !s) return std::unexpected(s.error());
    user_bytes += name.size() - 11 + value.size();
    meta.emplace_back(std::move(name), std::move(value));
  }
  if (user_bytes > kMaxUserMetadata) return fail(ErrorCode::kMetadataTooLarge);
  auto tags = tagging_from_header(ctx);
  if (!tags) return std::unexpected(tags.error());
  if (!tags->empty()) meta.emplace_back(std::string(object::kTagsMeta), std::move(*tags));
  if (auto s = lock_headers_into(ctx, meta); !s) return std::unexpected(s.error());
  return meta;
}

Result<std::string> storage_class_from_headers(const Context& ctx) {
  if (!ctx.has_header("x-amz-storage-class")) return std::string();
  std::string sc(trim(ctx.header("x-amz-storage-class")));
  static constexpr std::string_view kKnown[] = {
      "STANDARD",    "REDUCED_REDUNDANCY", "STANDARD_IA",  "ONEZONE_IA", "INTELLIGENT_TIERING",
      "GLACIER",     "DEEP_ARCHIVE",       "GLACIER_IR",   "OUTPOSTS",   "SNOW",
      "EXPRESS_ONEZONE"};
  for (auto k : kKnown) {
    if (sc == k) return sc == "STANDARD" ? std::string() : sc;
  }
  return fail(ErrorCode::kInvalidStorageClass);
}

Result<object::WritePreconditions> write_preconditions(const Context& ctx) {
  object::WritePreconditions pre;
  if (ctx.has_header("if-none-match")) {
    if (trim(ctx.header("if-none-match")) != "*") {
      return fail(ErrorCode::kNotImplemented,
                  "A header you provided implies functionality that is not implemented");
    }
    pre.if_none_match_any = true;
  }
  if (ctx.has_header("if-match")) pre.if_match = std::string(unquote(ctx.header("if-match")));
  return pre;
}

Status check_read_preconditions(const Context& ctx, const object::ObjectInfo& info,
                                std::string_view prefix, bool not_modified_allowed) {
  auto h = [&](std::string_view name) {
    std::string full(prefix);
    full.append(name);
    return std::make_pair(ctx.has_header(full), std::string(ctx.header(full)));
  };
  auto [has_match, match] = h("if-match");
  auto [has_none, none] = h("if-none-match");
  auto [has_ims, ims] = h("if-modified-since");
  auto [has_ius, ius] = h("if-unmodified-since");
  int64_t mod_secs = info.mod_time_ns / 1'000'000'000;
  // RFC 7232 order, as S3 applies it: If-Match beats If-Unmodified-Since,
  // If-None-Match beats If-Modified-Since.
  if (has_match) {
    if (!etag_matches(match, info.etag)) return fail(ErrorCode::kPreconditionFailed);
  } else if (has_ius) {
    auto t = silo::parse_http_date(ius);
    if (t && mod_secs > *t / 1'000'000'000) return fail(ErrorCode::kPreconditionFailed);
  }
  auto not_modified = [&]() -> Status {
    if (not_modified_allowed) return fail(ErrorCode::kNotModified);
    return fail(ErrorCode::kPreconditionFailed);
  };
  if (has_none) {
    if (etag_matches(none, info.etag)) return not_modified();
  } else if (has_ims) {
    auto t = silo::parse_http_date(ims);
    if (t && mod_secs <= *t / 1'000'000'000 && *t <= now_ns()) return not_modified();
  }
  return {};
}

Result<std::optional<ByteRange>> parse_range(std::string_view header, uint64_t size) {
  header = trim(header);
  if (!header.starts_with("bytes=")) return std::optional<ByteRange>{};
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return std::optional<ByteRange>{};
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>{};
  auto first = spec.substr(0, dash), last = spec.substr(dash + 1);
  if (first.empty()) {
    auto n = parse_u64(last);
    if (!n) return std::optional<ByteRange>{};
    if (*n == 0 || size == 0) return fail(ErrorCode::kInvalidRange);
    uint64_t len = std::min(*n, size);
    return std::optional<ByteRange>{ByteRange{size - len, len}};
  }
  auto a = parse_u64(first);
  if (!a) return std::optional<ByteRange>{};
  uint64_t end = size == 0 ? 0 : size - 1;
  if (!last.empty()) {
    auto b = parse_u64(last);
    if (!b || *b < *a) return std::optional<ByteRange>{};
    end = std::min(end, *b);
  }
  if (*a >= size) return fail(ErrorCode::kInvalidRange);
  return std::optional<ByteRange>{ByteRange{*a, end - *a + 1}};
}

Result<CopySource> parse_copy_source(const Context& ctx) {
  std::string_view raw = trim(ctx.header("x-amz-copy-source"));
  auto q = raw.find('?');
  std::string_view path = raw.substr(0, q);
  std::optional<std::string> version;
  if (q != std::string_view::npos) {
    std::string_view query = raw.substr(q + 1);
    if (query.starts_with("versionId=")) {
      std::string_view id = query.substr(10);
      if (id == "null") {
        version = std::string();
      } else if (storage::well_formed_version_id(id)) {
        version = std::string(id);
      } else {
        return fail(ErrorCode::kInvalidArgument, "Invalid version id specified");
      }
    }
  }
  auto decoded = silo::uri_decode(path);
  if (!decoded) return fail(ErrorCode::kInvalidArgument, "Invalid copy source encoding");
  std::string_view s = *decoded;
  if (s.starts_with('/')) s.remove_prefix(1);
  auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) {
    return fail(ErrorCode::kInvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  return CopySource{std::string(s.substr(0, slash)), std::string(s.substr(slash + 1)),
                    std::move(version)};
}

boost::asio::awaitable<Result<object::ObjectInfo>> write_body(Context& ctx, BodyReader& body,
                                                              const WriterFactory& open) {
  constexpr uint64_t kSmallBody = 256 * 1024;
  auto commit = [&body](object::ObjectWriter& w) -> Result<object::ObjectInfo> {
    if (body.content_md5()) {
      auto md5 = hex_decode(w.md5_hex());
      if (auto s = check_content_md5(body, md5.value_or("")); !s) return std::unexpected(s.error());
    }
    return w.commit(object::PutFinal{body.checksums()});
  };
  if (body.declared_size() && *body.declared_size() <= kSmallBody) {
    // One spare byte, so the read that reports the end (and runs the body
    // checks) always has room.
    size_t room = static_cast<size_t>(*body.declared_size()) + 1;
    Buffer data(room);
    size_t got = 0;
    while (true) {
      auto n = co_await body.read(data.span(room).subspan(got));
      if (!n) co_return std::unexpected(n.error());
      if (*n == 0) break;
      got += *n;
      if (got == room) co_return fail(ErrorCode::kIncompleteBody);
    }
    co_return co_await blocking(ctx, [&]() -> Result<object::ObjectInfo> {
      auto w = open();
      if (!w) return std::unexpected(w.error());
      if (auto s = (*w)->expect(got); !s) return std::unexpected(s.error());
      if (auto s = (*w)->write({data.data(), got}); !s) return std::unexpected(s.error());
      return commit(**w);
    });
  }
  // Refused before the body is read when the drives have no room for it.
  auto w = co_await blocking(ctx, [&]() -> Result<std::unique_ptr<object::ObjectWriter>> {
    auto opened = open();
    if (opened && body.declared_size()) {
      if (auto s = (*opened)->expect(*body.declared_size()); !s) return std::unexpected(s.error());
    }
    return opened;
  });
  if (!w) co_return std::unexpected(w.error());
  if (auto s = co_await stream_body(ctx, body, **w); !s) co_return std::unexpected(s.error());
  co_return co_await blocking(ctx, [&] { return commit(**w); });
}

boost::asio::awaitable<Status> stream_body(Context& ctx, BodyReader& body,
                                           object::ObjectWriter& writer) {
  using namespace boost::asio::experimental::awaitable_operators;
  size_t size = kStreamBuffer;
  if (body.declared_size()) size = std::max<size_t>(1, std::min<uint64_t>(*body.declared_size(), kStreamBuffer));
  Buffer a(size), b(size);
  auto n = co_await body.read(a.span(size));
  if (!n) co_return std::unexpected(n.error());
  size_t filled = *n;
  while (filled > 0) {
    // Fill more of `a` first so disk writes are large.
    while (filled < size) {
      auto more = co_await body.read(a.span(size).subspan(filled));
      if (!more) co_return std::unexpected(more.error());
      if (*more == 0) break;
      filled += *more;
    }
    auto chunk = std::span<const uint8_t>(a.data(), filled);
    auto [next, written] = co_await (
        body.read(b.span(size)) && blocking(ctx, [&writer, chunk] { return writer.write(chunk); }));
    if (!written) co_return written;
    if (!next) co_return std::unexpected(next.error());
    std::swap(a, b);
    filled = *next;
  }
  co_return Status{};
}

boost::asio::awaitable<Status> stream_copy(Context& ctx, object::ObjectReader& reader,
                                           object::ObjectWriter& writer, Checksummer* checksum) {
  co_return co_await blocking(ctx, [&]() -> Status {
    Buffer buf(kStreamBuffer);
    while (true) {
      auto n = reader.read(buf.span(kStreamBuffer));
      if (!n) return std::unexpected(n.error());
      if (*n == 0) return {};
      if (checksum) checksum->update(std::span<const uint8_t>(buf.data(), *n));
      if (auto s = writer.write({buf.data(), *n}); !s) return s;
    }
  });
}

void add_checksum_headers(http::ResponseHeader& h, const storage::KeyValues& checksums) {
  for (const auto& [algo, value] : checksums) {
    if (algo == "type") {
      h.set("x-amz-checksum-type", value);
    } else {
      h.set("x-amz-checksum-" + to_lower(algo), value);
    }
  }
}

Result<CopySource> readable_copy_source(const Context& ctx) {
  auto src = parse_copy_source(ctx);
  if (!src) return src;
  if (auto s = validate_key(src->key); !s) return std::unexpected(s.error());
  if (!allowed_on_key(ctx, "s3:GetObject", src->key, src->bucket)) {
    return fail(ErrorCode::kAccessDenied);
  }
  return src;
}

void add_checksum_elements(pugi::xml_node node, const storage::KeyValues& checksums) {
  for (const auto& [algo, value] : checksums) {
    if (algo == "type") {
      add_text(node, "ChecksumType", value);
    } else {
      add_text(node, ("Checksum" + algo).c_str(), value);
    }
  }
}

Result<std::optional<std::string>> version_param(const Context& ctx) {
  auto v = ctx.query.get("versionId");
  if (!v) return std::optional<std::string>();
  if (v->empty()) return fail(ErrorCode::kInvalidArgument, "Version id cannot be the empty string");
  if (*v == "null") return std::optional<std::string>(std::string());
  if (!storage::well_formed_version_id(*v)) {
    return fail(ErrorCode::kInvalidArgument, "Invalid version id specified");
  }
  return std::optional<std::string>(std::string(*v));
}

Result<std::string> tagging_from_header(const Context& ctx) {
  if (!ctx.has_header("x-amz-tagging")) return std::string();
  auto tags = parse_tagging_header(ctx.header("x-amz-tagging"));
  if (!tags) return std::unexpected(tags.error());
  return encode_tags(*tags);
}

boost::asio::awaitable<Result<object::ObjectInfo>> named_version(Context& ctx) {
  auto version = version_param(ctx);
  if (!version) co_return std::unexpected(version.error());
  co_return co_await blocking(ctx, [&] {
    return *version ? ctx.services.objects.head_version(ctx.bucket, ctx.key, **version)
                    : ctx.services.objects.head_object(ctx.bucket, ctx.key);
  });
}

boost::asio::awaitable<Status> edit_version_meta(Context& ctx, const object::MetaEdit& edit,
                                                 int status) {
  auto version = version_param(ctx);
  if (!version) co_return std::unexpected(version.error());
  auto info = co_await blocking(ctx, [&] {
    return ctx.services.objects.update_object_meta(ctx.bucket, ctx.key, edit,
                                                   *version ? &**version : nullptr);
  });
  if (!info) co_return std::unexpected(info.error());
  auto res = make_response(ctx, status);
  if (!info->version_id.empty()) res.set("x-amz-version-id", info->version_id);
  co_return co_await send(ctx, std::move(res));
}

}  // namespace silo::s3
