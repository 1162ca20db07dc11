#include "auth/sigv4.h"

#include <algorithm>

#include "common/hash.h"
#include "common/strings.h"

namespace silo::auth {
namespace {

// Trimmed, with runs of spaces collapsed to one (SigV4 canonical header value).
std::string normalize_header_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  return out;
}

// All values of header `name`, each normalized, joined by ','; empty when absent.
std::string canonical_header_value(const Headers& headers, std::string_view name) {
  std::string out;
  bool first = true;
  for (const auto& [n, v] : headers) {
    if (n != name) continue;
    if (!first) out.push_back(',');
    first = false;
    out += normalize_header_value(v);
  }
  return out;
}

}  // namespace

bool is_streaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

Result<Payload> parse_payload(std::string_view value) {
  if (value == kUnsignedPayload) return Payload{PayloadMode::kUnsigned, {}};
  if (value == kStreamingSignedPayload) return Payload{PayloadMode::kStreamingSigned, {}};
  if (value == kStreamingSignedPayloadTrailer) {
    return Payload{PayloadMode::kStreamingSignedTrailer, {}};
  }
  if (value == kStreamingUnsignedPayloadTrailer) {
    return Payload{PayloadMode::kStreamingUnsignedTrailer, {}};
  }
  if (value.size() == 64 && hex_decode(value))
    return Payload{PayloadMode::kSigned, to_lower(value)};
  if (value.starts_with("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")) {
    return fail(ErrorCode::kNotImplemented, "Signature Version 4A (ECDSA) is not supported");
  }
  return fail(ErrorCode::kInvalidArgument,
              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
              "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a "
              "valid sha256 value.");
}

std::string derive_signing_key(std::string_view secret, std::string_view yyyymmdd,
                               std::string_view region, std::string_view service) {
  // Requests overwhelmingly share one key, so each thread remembers the last
  // one it derived.
  struct Last {
    std::string secret, date, region, service, key;
  };
  thread_local Last last;
  if (!last.key.empty() && last.secret == secret && last.date == yyyymmdd &&
      last.region == region && last.service == service) {
    return last.key;
  }
  std::string k = hmac_sha256_raw("AWS4" + std::string(secret), yyyymmdd);
  k = hmac_sha256_raw(k, region);
  k = hmac_sha256_raw(k, service);
  k = hmac_sha256_raw(k, "aws4_request");
  last = Last{std::string(secret), std::string(yyyymmdd), std::string(region), std::string(service),
              k};
  return k;
}

std::string credential_scope(std::string_view yyyymmdd, std::string_view region,
                             std::string_view service) {
  std::string scope(yyyymmdd);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";
  return scope;
}

Result<std::string> canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return std::string("/");
  auto decoded = silo::uri_decode(raw_path);
  if (!decoded) return fail(ErrorCode::kInvalidURI, "Couldn't parse the specified URI.");
  return silo::uri_encode(*decoded, /*keep_slash=*/true);
}

Result<std::string> canonical_query(std::string_view raw_query, bool exclude_signature) {
  auto params = parse_signed_query(raw_query);
  if (!params) return std::unexpected(params.error());
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params->size());
  for (const auto& [name, value] : *params) {
    if (exclude_signature && name == "X-Amz-Signature") continue;
    encoded.emplace_back(silo::uri_encode(name, false), silo::uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, const Headers& headers,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash) {
  std::string out;
  out.reserve(512);
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  for (const auto& name : signed_headers) {
    out += name;
    out.push_back(':');
    out += canonical_header_value(headers, name);
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out.push_back(';');
    out += signed_headers[i];
  }
  out.push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out(kSigV4Algorithm);
  out.push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out += sha256_hex(canonical_request);
  return out;
}

std::string signature_hex(std::string_view signing_key, std::string_view string_to_sign) {
  return hex_encode(hmac_sha256_raw(signing_key, string_to_sign));
}

std::string chunk_signature(const ChunkSigningContext& ctx, std::string_view previous_signature,
                            std::string_view chunk_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts.append(ctx.amz_date).push_back('\n');
  sts.append(ctx.scope).push_back('\n');
  sts.append(previous_signature).push_back('\n');
  sts.append(kEmptySha256Hex).push_back('\n');
  sts.append(chunk_sha256_hex);
  return signature_hex(ctx.signing_key, sts);
}

std::string trailer_signature(const ChunkSigningContext& ctx, std::string_view previous_signature,
                              std::string_view trailer_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
  sts.append(ctx.amz_date).push_back('\n');
  sts.append(ctx.scope).push_back('\n');
  sts.append(previous_signature).push_back('\n');
  sts.append(trailer_sha256_hex);
  return signature_hex(ctx.signing_key, sts);
}

}  // namespace silo::auth
