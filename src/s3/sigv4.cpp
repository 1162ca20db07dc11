#include "s3/sigv4.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/hash.h"
#include "common/strings.h"
#include "common/time.h"

namespace silo::s3 {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::system_clock;

constexpr std::string_view kHeaderMalformedPrefix = "The authorization header is malformed; ";
constexpr std::string_view kQueryMalformedPrefix = "Error parsing the X-Amz-Credential parameter; ";
constexpr std::string_view kNoDateMessage =
    "AWS authentication requires a valid Date or x-amz-date header";
constexpr std::string_view kUnsignedHeadersMessage =
    "There were headers present in the request which were not signed";
constexpr std::string_view kQueryMissingMessage =
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

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

// All values of header `name` joined by ',' (normalized for the canonical
// request, else raw); nullopt when absent.
std::optional<std::string> find_header(const Headers& headers, std::string_view name,
                                       bool normalize = false) {
  std::optional<std::string> out;
  for (const auto& [n, v] : headers) {
    if (n != name) continue;
    if (out) {
      out->push_back(',');
    } else {
      out.emplace();
    }
    out->append(normalize ? normalize_header_value(v) : v);
  }
  return out;
}

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits and percent-decodes a raw query string. For signing, '+' is a
// literal plus: the client signed the bytes it sent.
Result<QueryParams> parse_query(std::string_view raw) {
  auto params = silo::parse_query(raw, /*plus_as_space=*/false);
  if (!params) return fail(ErrorCode::kInvalidURI, "Couldn't parse the specified URI.");
  return std::move(*params);
}

const std::string* find_param(const QueryParams& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

// ---- dates ----

std::optional<int> parse_int(std::string_view s) {
  if (!is_digits(s)) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<Clock::time_point> make_time(int y, int mo, int d, int h, int mi, int s) {
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  sys_seconds t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(s);
  // Clock counts nanoseconds in 64 bits (years 1678 to 2262): a date outside
  // that is malformed here, not an overflow.
  if (t > floor<seconds>(Clock::time_point::max()) || t < ceil<seconds>(Clock::time_point::min())) {
    return std::nullopt;
  }
  return Clock::time_point(t);
}

// ---- credential scope ----

struct Scope {
  std::string access_key;
  std::string date;  // yyyymmdd
  std::string region;
  std::string text;  // date/region/s3/aws4_request
};

// Parses "AK/yyyymmdd/region/s3/aws4_request". Errors are `code` with AWS's
// message after `prefix`.
Result<Scope> parse_scope(std::string_view credential, std::string_view server_region,
                          ErrorCode code, std::string_view prefix) {
  auto malformed = [&] {
    return fail(code, std::string(prefix) +
                          "the Credential is mal-formed; expecting "
                          "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  };
  std::string_view parts[4];
  std::string_view rest = credential;
  for (int i = 3; i >= 0; --i) {
    size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) return malformed();
    parts[i] = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (rest.empty() || parts[0].size() != 8 || !is_digits(parts[0])) return malformed();
  if (parts[3] != "aws4_request") {
    return fail(code, std::string(prefix) + "incorrect terminal \"" + std::string(parts[3]) +
                          "\". This endpoint uses \"aws4_request\".");
  }
  if (parts[2] != "s3") {
    return fail(code, std::string(prefix) + "incorrect service \"" + std::string(parts[2]) +
                          "\". This endpoint belongs to \"s3\".");
  }
  if (!server_region.empty() && parts[1] != server_region) {
    return fail(code, std::string(prefix) + "the region '" + std::string(parts[1]) +
                          "' is wrong; expecting '" + std::string(server_region) + "'");
  }
  Scope s;
  s.access_key = std::string(rest);
  s.date = std::string(parts[0]);
  s.region = std::string(parts[1]);
  s.text = s.date + "/" + s.region + "/s3/aws4_request";
  return s;
}

Result<std::vector<std::string>> parse_signed_headers(std::string_view list, ErrorCode code,
                                                      std::string_view message) {
  std::vector<std::string> out;
  if (list.empty()) return fail(code, std::string(message));
  while (true) {
    size_t semi = list.find(';');
    std::string_view name = list.substr(0, semi);
    if (name.empty()) return fail(code, std::string(message));
    out.emplace_back(name);
    if (semi == std::string_view::npos) break;
    list.remove_prefix(semi + 1);
  }
  return out;
}

// ---- payload mode ----

struct Payload {
  PayloadMode mode;
  std::string sha256_hex;
};

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

// ---- verification shared by both schemes ----

struct Verification {
  std::string_view method;
  std::string canonical_uri;
  std::string canonical_query;
  std::vector<std::string> signed_headers;
  std::string payload_hash;  // as it goes in the canonical request
  std::string amz_date;
  Scope scope;
  std::string signature;  // as provided
  bool presigned = false;
};

// Checks that host and every x-amz-* header present are signed.
Status check_signed_headers(const Headers& headers, const std::vector<std::string>& signed_headers,
                            bool presigned) {
  auto is_signed = [&](std::string_view name) {
    return std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end();
  };
  if (!is_signed("host"))
    return fail(ErrorCode::kAccessDenied, std::string(kUnsignedHeadersMessage));
  for (const auto& [name, value] : headers) {
    if (!name.starts_with("x-amz-") || is_signed(name)) continue;
    // A presigned URL carries its auth in the query; the body hash header is
    // allowed unsigned (it was unsigned anyway).
    if (presigned && name == "x-amz-content-sha256") continue;
    return fail(ErrorCode::kAccessDenied, std::string(kUnsignedHeadersMessage) + " (" + name + ")");
  }
  return {};
}

// The canonical URI of a client that kept "%2F" escaped inside a key (Go's
// EscapedPath does) instead of decoding it; nullopt when the path has none.
// Both spellings name the same key, so accepting either is safe.
std::optional<std::string> canonical_uri_keeping_encoded_slashes(std::string_view raw) {
  std::string out;
  bool found = false;
  while (true) {
    size_t pos = std::string_view::npos;
    for (size_t i = 0; i + 2 < raw.size(); ++i) {
      if (raw[i] == '%' && raw[i + 1] == '2' && (raw[i + 2] == 'F' || raw[i + 2] == 'f')) {
        pos = i;
        break;
      }
    }
    auto piece = silo::uri_decode(raw.substr(0, pos));
    if (!piece) return std::nullopt;
    out += silo::uri_encode(*piece, /*keep_slash=*/true);
    if (pos == std::string_view::npos) break;
    out += "%2F";
    found = true;
    raw.remove_prefix(pos + 3);
  }
  if (!found) return std::nullopt;
  return out;
}

Result<std::string> verify_signature(const SignedRequest& request, const Verification& v,
                                     const std::string& secret) {
  if (auto st = check_signed_headers(request.headers, v.signed_headers, v.presigned); !st) {
    return std::unexpected(st.error());
  }
  std::string key = derive_signing_key(secret, v.scope.date, v.scope.region);
  auto matches = [&](std::string_view uri) {
    std::string creq = canonical_request(v.method, uri, v.canonical_query, request.headers,
                                         v.signed_headers, v.payload_hash);
    std::string expected =
        hex_encode(hmac_sha256_raw(key, string_to_sign(v.amz_date, v.scope.text, creq)));
    return constant_time_equal(expected, v.signature);
  };
  bool ok = matches(v.canonical_uri);
  if (!ok) {
    if (auto alt = canonical_uri_keeping_encoded_slashes(request.raw_path)) ok = matches(*alt);
  }
  if (!ok) return fail(ErrorCode::kSignatureDoesNotMatch);
  return key;
}

AuthResult make_result(const Verification& v, const Payload& payload, std::string signing_key) {
  AuthResult r;
  r.presigned = v.presigned;
  r.access_key = v.scope.access_key;
  r.payload_mode = payload.mode;
  r.payload_sha256_hex = payload.sha256_hex;
  r.region = v.scope.region;
  if (payload.mode == PayloadMode::kStreamingSigned ||
      payload.mode == PayloadMode::kStreamingSignedTrailer) {
    r.chunk_signing =
        ChunkSigningContext{std::move(signing_key), v.amz_date, v.scope.text, v.signature};
  }
  return r;
}

// ---- header authentication ----

struct AuthHeader {
  std::string credential;
  std::string signed_headers;
  std::string signature;
};

Result<AuthHeader> parse_authorization(std::string_view value) {
  auto malformed = [](std::string detail) {
    return fail(ErrorCode::kAuthorizationHeaderMalformed,
                std::string(kHeaderMalformedPrefix) + detail);
  };
  value = trim(value);
  if (!value.starts_with(kSigV4Algorithm) || value.size() == kSigV4Algorithm.size() ||
      (value[kSigV4Algorithm.size()] != ' ' && value[kSigV4Algorithm.size()] != '\t')) {
    if (value.starts_with("AWS ")) {
      return fail(ErrorCode::kInvalidRequest,
                  "The authorization mechanism you have provided is not supported. Please use "
                  "AWS4-HMAC-SHA256.");
    }
    return fail(ErrorCode::kInvalidArgument, "Unsupported Authorization Type");
  }
  value.remove_prefix(kSigV4Algorithm.size());
  AuthHeader h;
  bool seen[3] = {false, false, false};
  while (true) {
    size_t start = value.find_first_not_of(", \t");
    if (start == std::string_view::npos) break;
    value.remove_prefix(start);
    size_t end = value.find_first_of(", \t");
    std::string_view token = value.substr(0, end);
    value = end == std::string_view::npos ? std::string_view{} : value.substr(end);
    size_t eq = token.find('=');
    std::string_view key = token.substr(0, eq);
    std::string_view val = eq == std::string_view::npos ? std::string_view{} : token.substr(eq + 1);
    int idx = key == "Credential" ? 0 : key == "SignedHeaders" ? 1 : key == "Signature" ? 2 : -1;
    if (idx < 0 || eq == std::string_view::npos || seen[idx]) {
      return malformed("the authorization component \"" + std::string(token) + "\" is malformed.");
    }
    seen[idx] = true;
    (idx == 0 ? h.credential : idx == 1 ? h.signed_headers : h.signature) = std::string(val);
  }
  if (!seen[0] || !seen[1] || !seen[2]) {
    return malformed(
        "the authorization header requires three components: Credential, SignedHeaders, and "
        "Signature.");
  }
  return h;
}

Result<AuthResult> authenticate_header(const SignedRequest& request, std::string_view auth_value,
                                       const SecretLookup& lookup, std::string_view server_region,
                                       Clock::time_point now) {
  auto auth = parse_authorization(auth_value);
  if (!auth) return std::unexpected(auth.error());
  Verification v;
  v.method = request.method;
  auto scope = parse_scope(auth->credential, server_region,
                           ErrorCode::kAuthorizationHeaderMalformed, kHeaderMalformedPrefix);
  if (!scope) return std::unexpected(scope.error());
  v.scope = std::move(*scope);
  auto signed_headers = parse_signed_headers(
      auth->signed_headers, ErrorCode::kAuthorizationHeaderMalformed,
      std::string(kHeaderMalformedPrefix) + "the SignedHeaders component is malformed.");
  if (!signed_headers) return std::unexpected(signed_headers.error());
  v.signed_headers = std::move(*signed_headers);
  v.signature = std::move(auth->signature);

  auto content_sha = find_header(request.headers, "x-amz-content-sha256");
  if (!content_sha) {
    return fail(ErrorCode::kInvalidRequest,
                "Missing required header for this request: x-amz-content-sha256");
  }
  auto payload = parse_payload(*content_sha);
  if (!payload) return std::unexpected(payload.error());
  v.payload_hash = *content_sha;

  std::optional<Clock::time_point> when;
  if (auto d = find_header(request.headers, "x-amz-date")) {
    when = parse_amz_date(trim(*d));
  } else if (auto d2 = find_header(request.headers, "date")) {
    when = parse_http_date(trim(*d2));
  }
  if (!when) return fail(ErrorCode::kAccessDenied, std::string(kNoDateMessage));
  v.amz_date = format_amz_date(*when);
  if (v.amz_date.substr(0, 8) != v.scope.date) {
    return fail(ErrorCode::kAuthorizationHeaderMalformed,
                std::string(kHeaderMalformedPrefix) + "Invalid credential date \"" + v.scope.date +
                    "\". This date is not the same as X-Amz-Date: \"" + v.amz_date.substr(0, 8) +
                    "\".");
  }
  auto secret = lookup(v.scope.access_key);
  if (!secret) return fail(ErrorCode::kInvalidAccessKeyId);
  if (*when > now + kMaxClockSkew || *when < now - kMaxClockSkew) {
    return fail(ErrorCode::kRequestTimeTooSkewed);
  }
  auto canon_uri = canonical_uri(request.raw_path);
  if (!canon_uri) return std::unexpected(canon_uri.error());
  v.canonical_uri = std::move(*canon_uri);
  auto canon_query = canonical_query(request.raw_query, false);
  if (!canon_query) return std::unexpected(canon_query.error());
  v.canonical_query = std::move(*canon_query);

  auto key = verify_signature(request, v, *secret);
  if (!key) return std::unexpected(key.error());
  return make_result(v, *payload, std::move(*key));
}

// ---- presigned (query) authentication ----

Result<AuthResult> authenticate_presigned(const SignedRequest& request, const QueryParams& params,
                                          const SecretLookup& lookup,
                                          std::string_view server_region, Clock::time_point now) {
  auto query_error = [](std::string msg) {
    return fail(ErrorCode::kAuthorizationQueryParametersError, std::move(msg));
  };
  const std::string* algorithm = find_param(params, "X-Amz-Algorithm");
  const std::string* credential = find_param(params, "X-Amz-Credential");
  const std::string* signature = find_param(params, "X-Amz-Signature");
  const std::string* date = find_param(params, "X-Amz-Date");
  const std::string* signed_list = find_param(params, "X-Amz-SignedHeaders");
  const std::string* expires_text = find_param(params, "X-Amz-Expires");
  if (!algorithm || !credential || !signature || !date || !signed_list || !expires_text) {
    return query_error(std::string(kQueryMissingMessage));
  }
  if (*algorithm != kSigV4Algorithm) {
    return query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  Verification v;
  v.method = request.method;
  v.presigned = true;
  auto scope = parse_scope(*credential, server_region,
                           ErrorCode::kAuthorizationQueryParametersError, kQueryMalformedPrefix);
  if (!scope) return std::unexpected(scope.error());
  v.scope = std::move(*scope);
  auto when = parse_amz_date(*date);
  if (!when) {
    return query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  v.amz_date = *date;
  if (v.amz_date.substr(0, 8) != v.scope.date) {
    return query_error(std::string(kQueryMalformedPrefix) + "Invalid credential date \"" +
                       v.scope.date + "\". This date is not the same as X-Amz-Date: \"" +
                       v.amz_date.substr(0, 8) + "\".");
  }
  auto expires = parse_int(*expires_text);
  if (expires_text->starts_with('-') && is_digits(expires_text->substr(1))) {
    return query_error("X-Amz-Expires must be non-negative");
  }
  if (!is_digits(*expires_text)) return query_error("X-Amz-Expires should be a number");
  if (expires && *expires == 0) return query_error("X-Amz-Expires must be greater than 0");
  if (!expires || *expires > kMaxPresignExpires) {  // !expires: too many digits for an int
    return query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  auto signed_headers =
      parse_signed_headers(*signed_list, ErrorCode::kAuthorizationQueryParametersError,
                           "X-Amz-SignedHeaders is malformed.");
  if (!signed_headers) return std::unexpected(signed_headers.error());
  v.signed_headers = std::move(*signed_headers);
  v.signature = *signature;

  // Body: UNSIGNED-PAYLOAD unless the client stated a hash (query or header).
  std::string payload_value(kUnsignedPayload);
  if (const std::string* q = find_param(params, "X-Amz-Content-Sha256")) {
    payload_value = *q;
  } else if (auto h = find_header(request.headers, "x-amz-content-sha256")) {
    payload_value = *h;
  }
  auto payload = parse_payload(payload_value);
  if (!payload) return std::unexpected(payload.error());
  v.payload_hash = payload_value;

  auto secret = lookup(v.scope.access_key);
  if (!secret) return fail(ErrorCode::kInvalidAccessKeyId);
  if (*when > now + kMaxClockSkew) {
    return fail(ErrorCode::kAccessDenied, "Request is not valid yet");
  }
  if (now > *when + std::chrono::seconds(*expires)) {
    return fail(ErrorCode::kAccessDenied, "Request has expired");
  }
  auto canon_uri = canonical_uri(request.raw_path);
  if (!canon_uri) return std::unexpected(canon_uri.error());
  v.canonical_uri = std::move(*canon_uri);
  auto canon_query = canonical_query(request.raw_query, true);
  if (!canon_query) return std::unexpected(canon_query.error());
  v.canonical_query = std::move(*canon_query);

  auto key = verify_signature(request, v, *secret);
  if (!key) return std::unexpected(key.error());
  return make_result(v, *payload, std::move(*key));
}

std::string hmac_hex(std::string_view key, std::string_view data) {
  return hex_encode(hmac_sha256_raw(key, data));
}

}  // namespace

bool is_streaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

Result<AuthResult> authenticate(const SignedRequest& request, const SecretLookup& lookup,
                                std::string_view server_region, Clock::time_point now) {
  auto auth = find_header(request.headers, "authorization");
  auto params = parse_query(request.raw_query);
  bool query_auth = false;
  bool v2_query = false;
  if (params) {
    query_auth = find_param(*params, "X-Amz-Algorithm") || find_param(*params, "X-Amz-Credential");
    v2_query = find_param(*params, "AWSAccessKeyId") && find_param(*params, "Signature");
  }
  if (auth && (query_auth || v2_query)) {
    return fail(ErrorCode::kInvalidArgument,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified");
  }
  if (auth) return authenticate_header(request, *auth, lookup, server_region, now);
  if (!params) {
    // Unparseable query with no Authorization header: nothing to verify; the
    // router reports the bad URI.
    AuthResult r;
    r.anonymous = true;
    return r;
  }
  if (query_auth) return authenticate_presigned(request, *params, lookup, server_region, now);
  if (v2_query) {
    return fail(ErrorCode::kInvalidRequest,
                "The authorization mechanism you have provided is not supported. Please use "
                "AWS4-HMAC-SHA256.");
  }
  AuthResult r;
  r.anonymous = true;
  return r;
}

std::string derive_signing_key(std::string_view secret, std::string_view yyyymmdd,
                               std::string_view region, std::string_view service) {
  // The key changes once a day per credential, but deriving it costs four
  // HMACs: more than checking the signature itself. Each thread remembers
  // the last one it derived (requests overwhelmingly share it).
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
  last = Last{std::string(secret), std::string(yyyymmdd), std::string(region),
              std::string(service), k};
  return k;
}

Result<std::string> canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return std::string("/");
  auto decoded = silo::uri_decode(raw_path);
  if (!decoded) return fail(ErrorCode::kInvalidURI, "Couldn't parse the specified URI.");
  return silo::uri_encode(*decoded, /*keep_slash=*/true);
}

Result<std::string> canonical_query(std::string_view raw_query, bool exclude_signature) {
  auto params = parse_query(raw_query);
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
    out += find_header(headers, name, true).value_or(std::string());
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

std::string format_amz_date(Clock::time_point t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd(days);
  hh_mm_ss hms(secs - days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto y = parse_int(s.substr(0, 4)), mo = parse_int(s.substr(4, 2)), d = parse_int(s.substr(6, 2));
  auto h = parse_int(s.substr(9, 2)), mi = parse_int(s.substr(11, 2)),
       sec = parse_int(s.substr(13, 2));
  if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
  return make_time(*y, *mo, *d, *h, *mi, *sec);
}

std::optional<Clock::time_point> parse_http_date(std::string_view s) {
  auto ns = silo::parse_http_date(s);
  if (!ns) return std::nullopt;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(*ns)));
}

std::string chunk_signature(const ChunkSigningContext& ctx, std::string_view previous_signature,
                            std::string_view chunk_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts.append(ctx.amz_date).push_back('\n');
  sts.append(ctx.scope).push_back('\n');
  sts.append(previous_signature).push_back('\n');
  sts.append(kEmptySha256Hex).push_back('\n');
  sts.append(chunk_sha256_hex);
  return hmac_hex(ctx.signing_key, sts);
}

std::string trailer_signature(const ChunkSigningContext& ctx, std::string_view previous_signature,
                              std::string_view trailer_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
  sts.append(ctx.amz_date).push_back('\n');
  sts.append(ctx.scope).push_back('\n');
  sts.append(previous_signature).push_back('\n');
  sts.append(trailer_sha256_hex);
  return hmac_hex(ctx.signing_key, sts);
}

ClientSignature sign_request(SignedRequest& request, std::string_view payload_hash,
                             const Credentials& credentials, std::string_view region,
                             Clock::time_point now) {
  std::string amz_date = format_amz_date(now);
  auto set_header = [&](std::string_view name, std::string_view value) {
    std::erase_if(request.headers, [&](const auto& h) { return h.first == name; });
    request.headers.emplace_back(std::string(name), std::string(value));
  };
  set_header("x-amz-date", amz_date);
  if (!find_header(request.headers, "x-amz-content-sha256")) {
    set_header("x-amz-content-sha256", payload_hash);
  }
  if (!credentials.session_token.empty()) {
    set_header("x-amz-security-token", credentials.session_token);
  }
  static constexpr std::string_view kIgnored[] = {"authorization", "user-agent",
                                                  "expect",        "x-amzn-trace-id",
                                                  "connection",    "transfer-encoding"};
  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : request.headers) {
    if (std::find(std::begin(kIgnored), std::end(kIgnored), name) != std::end(kIgnored)) continue;
    signed_headers.push_back(name);
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + std::string(region) + "/s3/aws4_request";
  std::string creq = canonical_request(
      request.method, canonical_uri(request.raw_path).value_or(std::string(request.raw_path)),
      canonical_query(request.raw_query, false).value_or(std::string()), request.headers,
      signed_headers, payload_hash);
  std::string key = derive_signing_key(credentials.secret_key, date, region);
  std::string signature = hmac_hex(key, string_to_sign(amz_date, scope, creq));

  ClientSignature out;
  out.authorization = std::string(kSigV4Algorithm) + " Credential=" + credentials.access_key + "/" +
                      scope + ",SignedHeaders=";
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out.authorization.push_back(';');
    out.authorization += signed_headers[i];
  }
  out.authorization += ",Signature=" + signature;
  out.chunk_signing = ChunkSigningContext{std::move(key), amz_date, scope, signature};
  return out;
}

std::string presign_query(std::string_view method, std::string_view raw_path,
                          std::string_view raw_query, std::string_view host,
                          const Credentials& credentials, std::string_view region,
                          Clock::time_point now, std::chrono::seconds expires) {
  std::string amz_date = format_amz_date(now);
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + std::string(region) + "/s3/aws4_request";
  std::string query(raw_query);
  auto add = [&](std::string_view name, std::string_view value) {
    if (!query.empty()) query.push_back('&');
    query += name;
    query.push_back('=');
    query += silo::uri_encode(value, false);
  };
  add("X-Amz-Algorithm", kSigV4Algorithm);
  add("X-Amz-Credential", credentials.access_key + "/" + scope);
  add("X-Amz-Date", amz_date);
  add("X-Amz-Expires", std::to_string(expires.count()));
  if (!credentials.session_token.empty()) add("X-Amz-Security-Token", credentials.session_token);
  add("X-Amz-SignedHeaders", "host");

  Headers headers = {{"host", std::string(host)}};
  std::string creq = canonical_request(
      method, canonical_uri(raw_path).value_or(std::string(raw_path)),
      canonical_query(query, false).value_or(std::string()), headers, {"host"}, kUnsignedPayload);
  std::string key = derive_signing_key(credentials.secret_key, date, region);
  add("X-Amz-Signature", hmac_hex(key, string_to_sign(amz_date, scope, creq)));
  return query;
}

}  // namespace silo::s3
