#include "auth/sigv4_verify.h"

#include <algorithm>

#include "auth/dates.h"
#include "common/hash.h"
#include "common/strings.h"

namespace silo::auth {
namespace {

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

// ---- credential scope ----

struct Scope {
  std::string access_key;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;
  std::string text;  // date/region/service/aws4_request
};

// Parses "AK/yyyymmdd/region/s3/aws4_request". Errors are `code` with AWS's
// message after `prefix`.
Result<Scope> parse_scope(std::string_view credential, std::string_view server_region,
                          std::string_view service, ErrorCode code, std::string_view prefix) {
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
  if (parts[2] != service) {
    return fail(code, std::string(prefix) + "incorrect service \"" + std::string(parts[2]) +
                          "\". This endpoint belongs to \"" + std::string(service) + "\".");
  }
  if (!server_region.empty() && parts[1] != server_region) {
    return fail(code, std::string(prefix) + "the region '" + std::string(parts[1]) +
                          "' is wrong; expecting '" + std::string(server_region) + "'");
  }
  Scope s;
  s.access_key = std::string(rest);
  s.date = std::string(parts[0]);
  s.region = std::string(parts[1]);
  s.service = std::string(service);
  s.text = credential_scope(s.date, s.region, service);
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

// ---- verification shared by both forms ----

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

// Returns the derived signing key when the signature matches.
Result<std::string> verify_signature(const SignedRequest& request, const Verification& v,
                                     const std::string& secret) {
  if (auto st = check_signed_headers(request.headers, v.signed_headers, v.presigned); !st) {
    return std::unexpected(st.error());
  }
  std::string key = derive_signing_key(secret, v.scope.date, v.scope.region, v.scope.service);
  auto matches = [&](std::string_view uri) {
    std::string creq = canonical_request(v.method, uri, v.canonical_query, request.headers,
                                         v.signed_headers, v.payload_hash);
    std::string expected = signature_hex(key, string_to_sign(v.amz_date, v.scope.text, creq));
    return constant_time_equal(expected, v.signature);
  };
  bool ok = matches(v.canonical_uri);
  if (!ok) {
    if (auto alt = canonical_uri_keeping_encoded_slashes(request.raw_path)) ok = matches(*alt);
  }
  if (!ok) return fail(ErrorCode::kSignatureDoesNotMatch);
  return key;
}

// Fills in the canonical URI and query, then checks the signature.
Result<AuthResult> finish(const SignedRequest& request, Verification& v, const Payload& payload,
                          const std::string& secret) {
  auto canon_uri = canonical_uri(request.raw_path);
  if (!canon_uri) return std::unexpected(canon_uri.error());
  v.canonical_uri = std::move(*canon_uri);
  auto canon_query = canonical_query(request.raw_query, v.presigned);
  if (!canon_query) return std::unexpected(canon_query.error());
  v.canonical_query = std::move(*canon_query);

  auto key = verify_signature(request, v, secret);
  if (!key) return std::unexpected(key.error());
  AuthResult r;
  r.scheme = Scheme::kSigV4;
  r.presigned = v.presigned;
  r.access_key = v.scope.access_key;
  r.payload_mode = payload.mode;
  r.payload_sha256_hex = payload.sha256_hex;
  r.region = v.scope.region;
  if (payload.mode == PayloadMode::kStreamingSigned ||
      payload.mode == PayloadMode::kStreamingSignedTrailer) {
    r.chunk_signing = ChunkSigningContext{std::move(*key), v.amz_date, v.scope.text, v.signature};
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

}  // namespace

Result<AuthResult> verify_sigv4_header(const SignedRequest& request, std::string_view authorization,
                                       const SecretLookup& lookup, std::string_view server_region,
                                       Clock::time_point now) {
  auto auth = parse_authorization(authorization);
  if (!auth) return std::unexpected(auth.error());
  Verification v;
  v.method = request.method;
  auto scope = parse_scope(auth->credential, server_region, request.service,
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
  if (!content_sha && !request.body_sha256.empty()) content_sha = std::string(request.body_sha256);
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
  return finish(request, v, *payload, *secret);
}

Result<AuthResult> verify_sigv4_presigned(const SignedRequest& request, const QueryParams& params,
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
  auto scope = parse_scope(*credential, server_region, request.service,
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
  if (expires_text->starts_with('-') && is_digits(expires_text->substr(1))) {
    return query_error("X-Amz-Expires must be non-negative");
  }
  if (!is_digits(*expires_text)) return query_error("X-Amz-Expires should be a number");
  auto expires = parse_u64(*expires_text);
  if (expires && *expires == 0) return query_error("X-Amz-Expires must be greater than 0");
  if (!expires || *expires > static_cast<uint64_t>(kMaxPresignExpires)) {  // !expires: too long
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
  return finish(request, v, *payload, *secret);
}

}  // namespace silo::auth
