#include "s3/sse.h"

#include <boost/asio/ip/address.hpp>
#include <cstring>

#include "common/hash.h"
#include "common/strings.h"
#include "object/object_meta.h"
#include "s3/xml.h"

namespace silo::s3::sse {

namespace {

constexpr std::string_view kObjectKeyPrefix = "x-amz-server-side-encryption-customer-";
constexpr std::string_view kCopyKeyPrefix = "x-amz-copy-source-server-side-encryption-customer-";
// Set on an ObjectInfo once client_view changed it, so a view is never
// taken twice; like every x-silo-sse entry it is dropped before a write.
constexpr std::string_view kViewMeta = "x-silo-sse-view";

std::string_view meta_value(const storage::KeyValues& meta, std::string_view name) {
  for (const auto& [k, v] : meta) {
    if (k == name) return v;
  }
  return {};
}

std::unexpected<Error> invalid_argument(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(message));
}

std::unexpected<Error> kms_not_configured() {
  return fail(ErrorCode::kNotImplemented,
              "Server side encryption specified but KMS is not configured: start the server with "
              "SILO_KMS_SECRET_KEY=<key-name>:<base64 of 32 bytes> (e.g. from openssl rand "
              "-base64 32).");
}

std::string object_context(std::string_view bucket, std::string_view key) {
  std::string c(bucket);
  c.push_back('/');
  c.append(key);
  return c;
}

// "<first part number>:<plaintext size>*<count>" runs of consecutive part
// numbers with equal sizes, comma-separated: a 10,000-part upload of equal
// parts is two runs.
std::string encode_streams(const std::vector<Stream>& streams) {
  std::string out;
  for (size_t i = 0; i < streams.size();) {
    size_t j = i + 1;
    while (j < streams.size() && streams[j].plain == streams[i].plain &&
           streams[j].part_number == streams[j - 1].part_number + 1) {
      ++j;
    }
    if (!out.empty()) out.push_back(',');
    out += std::to_string(streams[i].part_number) + ":" + std::to_string(streams[i].plain) + "*" +
           std::to_string(j - i);
    i = j;
  }
  return out;
}

Result<std::vector<Stream>> decode_streams(std::string_view text) {
  std::vector<Stream> out;
  auto bad = [] { return fail(ErrorCode::kInternalError, "corrupt encryption layout"); };
  for (auto run : split(text, ',')) {
    auto colon = run.find(':');
    auto star = run.find('*');
    if (colon == std::string_view::npos || star == std::string_view::npos || star < colon) {
      return bad();
    }
    auto first = parse_u64(run.substr(0, colon));
    auto plain = parse_u64(run.substr(colon + 1, star - colon - 1));
    auto count = parse_u64(run.substr(star + 1));
    if (!first || !plain || !count || *count == 0 || *first + *count > 10001) return bad();
    for (uint64_t i = 0; i < *count; ++i) {
      out.push_back({static_cast<uint32_t>(*first + i), *plain, 0});
    }
  }
  if (out.empty()) return bad();
  return out;
}

}  // namespace

bool secure_or_loopback(const Context& ctx) {
  // A server with --certs-dir serves TLS on every connection.
  if (ctx.secure()) return true;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(ctx.exchange.remote_address(), ec);
  if (ec) return false;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6()).is_loopback();
  }
  return addr.is_loopback();
}

namespace {
Result<std::optional<CustomerKey>> customer_key_from(const Context& ctx, const FieldLookup& get,
                                                     std::string_view prefix_view) {
  std::string prefix(prefix_view);
  std::string algo_name = prefix + "algorithm", key_name = prefix + "key",
              md5_name = prefix + "key-md5";
  auto algo = get(algo_name), key = get(key_name), md5_field = get(md5_name);
  bool has_algo = algo.has_value(), has_key = key.has_value(), has_md5 = md5_field.has_value();
  if (!has_algo && !has_key && !has_md5) return std::optional<CustomerKey>();
  if (!secure_or_loopback(ctx)) {
    return fail(ErrorCode::kInvalidRequest,
                "Requests specifying Server Side Encryption with Customer provided keys must be "
                "made over a secure connection.");
  }
  if (!has_algo || trim(*algo) != "AES256") {
    return invalid_argument(
        "Requests specifying Server Side Encryption with Customer provided keys must provide a "
        "valid encryption algorithm.");
  }
  if (!has_key) {
    return invalid_argument(
        "Requests specifying Server Side Encryption with Customer provided keys must provide an "
        "appropriate secret key.");
  }
  auto raw = base64_decode(trim(*key));
  if (!raw || raw->size() != crypto::kKeySize) {
    return invalid_argument("The secret key was invalid for the specified algorithm.");
  }
  if (!has_md5) {
    return invalid_argument(
        "Requests specifying Server Side Encryption with Customer provided keys must provide the "
        "client calculated MD5 of the secret key.");
  }
  std::string md5(trim(*md5_field));
  auto given_md5 = base64_decode(md5);
  if (!given_md5 || !constant_time_equal(*given_md5, md5_raw(*raw))) {
    return invalid_argument(
        "The calculated MD5 hash of the key did not match the hash that was provided.");
  }
  CustomerKey out;
  std::memcpy(out.key.data(), raw->data(), crypto::kKeySize);
  std::fill(raw->begin(), raw->end(), '\0');
  out.md5 = std::move(md5);
  return std::optional<CustomerKey>(std::move(out));
}

FieldLookup header_lookup(const Context& ctx) {
  return [&ctx](std::string_view name) -> std::optional<std::string_view> {
    if (!ctx.has_header(name)) return std::nullopt;
    return ctx.header(name);
  };
}
}  // namespace

Result<std::optional<CustomerKey>> customer_key(const Context& ctx, KeyHeaders which) {
  // Most requests carry none of these headers: answered without building
  // the lookup.
  static constexpr std::string_view kObjectNames[] = {
      "x-amz-server-side-encryption-customer-algorithm",
      "x-amz-server-side-encryption-customer-key",
      "x-amz-server-side-encryption-customer-key-md5"};
  static constexpr std::string_view kCopyNames[] = {
      "x-amz-copy-source-server-side-encryption-customer-algorithm",
      "x-amz-copy-source-server-side-encryption-customer-key",
      "x-amz-copy-source-server-side-encryption-customer-key-md5"};
  bool object = which == KeyHeaders::kObject;
  const auto& names = object ? kObjectNames : kCopyNames;
  if (!ctx.has_header(names[0]) && !ctx.has_header(names[1]) && !ctx.has_header(names[2])) {
    return std::optional<CustomerKey>();
  }
  return customer_key_from(ctx, header_lookup(ctx), object ? kObjectKeyPrefix : kCopyKeyPrefix);
}

Result<Mode> mode_from_value(std::string_view value) {
  value = trim(value);
  // aws:kms is served by the built-in KMS as SSE-S3 is (and answered as
  // AES256): Silo has one master key, not a key service.
  if (value == "AES256" || value == "aws:kms" || value == "aws:kms:dsse") return Mode::kS3;
  return fail(ErrorCode::kInvalidArgument, "The encryption method specified is not supported");
}

Result<WriteRequest> write_request(const Context& ctx) {
  // Most writes carry no encryption header: answered without allocating.
  auto customer = customer_key(ctx, KeyHeaders::kObject);
  if (!customer) return std::unexpected(customer.error());
  if (!*customer && !ctx.has_header("x-amz-server-side-encryption")) return WriteRequest{};
  return write_request(ctx, header_lookup(ctx));
}

Result<WriteRequest> write_request(const Context& ctx, const FieldLookup& get) {
  WriteRequest out;
  auto customer = customer_key_from(ctx, get, kObjectKeyPrefix);
  if (!customer) return std::unexpected(customer.error());
  auto sse_value = get("x-amz-server-side-encryption");
  bool has_sse = sse_value.has_value();
  if (*customer && has_sse) {
    return invalid_argument(
        "Server Side Encryption with Customer provided key is incompatible with the encryption "
        "method specified");
  }
  if (*customer) {
    out.mode = Mode::kCustomer;
    out.customer = std::move(*customer);
    out.explicit_mode = true;
    return out;
  }
  if (!has_sse) return out;
  auto mode = mode_from_value(*sse_value);
  if (!mode) return std::unexpected(mode.error());
  if (!ctx.services.kms) return kms_not_configured();
  if (auto key_id = get("x-amz-server-side-encryption-aws-kms-key-id")) {
    std::string_view id = trim(*key_id);
    if (id != ctx.services.kms->key_name() && !id.ends_with("/" + ctx.services.kms->key_name())) {
      return invalid_argument("The KMS key '" + std::string(id) +
                              "' does not exist: this server's KMS key is '" +
                              ctx.services.kms->key_name() + "'.");
    }
  }
  out.mode = *mode;
  out.explicit_mode = true;
  return out;
}

Status resolve_default(const Context& ctx, WriteRequest& request) {
  if (request.explicit_mode) return {};
  auto doc = ctx.services.objects.bucket_config(ctx.bucket, "encryption");
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) return {};
  auto parsed = parse_xml(**doc);
  if (!parsed) return std::unexpected(parsed.error());
  auto rule = xml_child(parsed->document_element(), "Rule");
  auto algo = xml_child(xml_child(rule, "ApplyServerSideEncryptionByDefault"), "SSEAlgorithm");
  if (!algo) return {};
  auto mode = mode_from_value(algo.child_value());
  if (!mode) return {};
  if (!ctx.services.kms) return kms_not_configured();
  request.mode = *mode;
  return {};
}

Result<std::optional<Sealing>> seal_new_key(const Context& ctx, const WriteRequest& request,
                                            std::string_view bucket, std::string_view key,
                                            storage::KeyValues& meta) {
  std::erase_if(meta, [](const auto& kv) { return kv.first.starts_with(kModeMeta); });
  if (request.mode == Mode::kNone) return std::optional<Sealing>();
  auto object_key = crypto::random_key();
  if (!object_key) return std::unexpected(object_key.error());
  std::string context = object_context(bucket, key);
  Result<std::string> sealed;
  if (request.mode == Mode::kS3) {
    if (!ctx.services.kms) return kms_not_configured();
    sealed = ctx.services.kms->seal(*object_key, context);
    if (!sealed) return std::unexpected(sealed.error());
    meta.emplace_back(std::string(kModeMeta), "S3");
    meta.emplace_back(std::string(kKmsKeyMeta), ctx.services.kms->key_name());
  } else {
    sealed = crypto::seal_key(request.customer->key, *object_key, context);
    if (!sealed) return std::unexpected(sealed.error());
    meta.emplace_back(std::string(kModeMeta), "C");
  }
  meta.emplace_back(std::string(kSealedKeyMeta), base64_encode(*sealed));
  return std::optional<Sealing>(Sealing{request.mode, *object_key});
}

Mode mode_of(const storage::KeyValues& meta) {
  auto v = meta_value(meta, kModeMeta);
  if (v.empty()) return Mode::kNone;
  return v == "C" ? Mode::kCustomer : Mode::kS3;
}

Result<std::optional<Sealing>> open_key(const Context& ctx, const storage::KeyValues& meta,
                                        std::string_view bucket, std::string_view key,
                                        const std::optional<CustomerKey>& given) {
  Mode mode = mode_of(meta);
  if (mode != Mode::kCustomer && given) {
    return fail(ErrorCode::kInvalidRequest,
                "The encryption parameters are not applicable to this object.");
  }
  if (mode == Mode::kNone) return std::optional<Sealing>();
  auto sealed = base64_decode(meta_value(meta, kSealedKeyMeta));
  if (!sealed) return fail(ErrorCode::kInternalError, "corrupt sealed object key");
  std::string context = object_context(bucket, key);
  Result<crypto::Key> object_key;
  if (mode == Mode::kS3) {
    if (!ctx.services.kms) return kms_not_configured();
    object_key = ctx.services.kms->unseal(meta_value(meta, kKmsKeyMeta), *sealed, context);
  } else {
    if (!given) {
      return fail(ErrorCode::kInvalidRequest,
                  "The object was stored using a form of Server Side Encryption. The correct "
                  "parameters must be provided to retrieve the object.");
    }
    object_key = crypto::unseal_key(given->key, *sealed, context);
  }
  if (!object_key) return std::unexpected(object_key.error());
  return std::optional<Sealing>(Sealing{mode, *object_key});
}

void add_headers(std::vector<std::pair<std::string, std::string>>& h, Mode mode,
                 const std::optional<CustomerKey>& given) {
  struct List {
    std::vector<std::pair<std::string, std::string>>& items;
    void set(std::string_view name, std::string_view value) {
      items.emplace_back(std::string(name), std::string(value));
    }
  } list{h};
  add_headers(list, mode, given);
}

int64_t part_plain_size(int64_t stored) {
  auto plain = crypto::plain_size(static_cast<uint64_t>(stored));
  return plain ? static_cast<int64_t>(*plain) : stored;
}

Result<std::vector<Stream>> streams_of(const object::ObjectInfo& stored) {
  std::vector<Stream> out;
  auto layout = meta_value(stored.meta, kPartsMeta);
  auto corrupt = [] { return fail(ErrorCode::kInternalError, "encrypted object has a corrupt layout"); };
  if (!layout.empty()) {
    auto decoded = decode_streams(layout);
    if (!decoded) return std::unexpected(decoded.error());
    out = std::move(*decoded);
  } else if (!stored.parts.empty()) {
    for (const auto& p : stored.parts) {
      auto plain = crypto::plain_size(static_cast<uint64_t>(p.size));
      if (!plain) return corrupt();
      out.push_back({p.number, *plain, 0});
    }
  } else {
    auto plain = crypto::plain_size(static_cast<uint64_t>(stored.size));
    if (!plain) return corrupt();
    out.push_back({1, *plain, 0});
  }
  uint64_t at = 0;
  for (auto& s : out) {
    s.sealed_start = at;
    at += crypto::sealed_size(s.plain);
  }
  if (at != static_cast<uint64_t>(stored.size)) return corrupt();
  return out;
}

Status record_streams(object::ObjectInfo& completed) {
  if (mode_of(completed.meta) == Mode::kNone) return {};
  std::erase_if(completed.meta, [](const auto& kv) { return kv.first == kPartsMeta; });
  auto streams = streams_of(completed);
  if (!streams) return std::unexpected(streams.error());
  completed.meta.emplace_back(std::string(kPartsMeta), encode_streams(*streams));
  return {};
}

Status client_view(object::ObjectInfo& info) {
  if (mode_of(info.meta) == Mode::kNone || !meta_value(info.meta, kViewMeta).empty()) return {};
  auto streams = streams_of(info);
  if (!streams) return std::unexpected(streams.error());
  int64_t total = 0;
  for (const auto& s : *streams) total += static_cast<int64_t>(s.plain);
  info.size = total;
  if (info.parts.size() == streams->size()) {
    for (size_t i = 0; i < info.parts.size(); ++i) {
      info.parts[i].size = static_cast<int64_t>((*streams)[i].plain);
    }
  }
  info.meta.emplace_back(std::string(kViewMeta), "1");
  return {};
}

}  // namespace silo::s3::sse
