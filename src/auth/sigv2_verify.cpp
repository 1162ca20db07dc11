#include "auth/sigv2_verify.h"

#include <vector>

#include "auth/dates.h"
#include "auth/sigv2.h"
#include "common/hash.h"
#include "common/strings.h"

namespace silo::auth {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::string_view kNoDateMessage =
    "AWS authentication requires a valid Date or x-amz-date header";
constexpr std::string_view kQueryMissingMessage =
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";

// What the StringToSign is made of, apart from the Date line and the x-amz-*
// headers, which have variants.
struct Signed {
  std::string_view method;
  std::string content_md5;
  std::string content_type;
  std::vector<std::string> resources;  // CanonicalizedResource as each client spells it
  std::string signature;               // as provided (base64)
};

struct DateForm {
  std::string date_line;
  std::string amz_headers;  // CanonicalizedAmzHeaders
};

bool matches_any(const Signed& s, const std::vector<DateForm>& forms, std::string_view secret) {
  for (const auto& resource : s.resources) {
    for (const auto& form : forms) {
      std::string expected =
          signature_v2(secret, string_to_sign_v2(s.method, s.content_md5, s.content_type,
                                                 form.date_line, form.amz_headers, resource));
      if (constant_time_equal(expected, s.signature)) return true;
    }
  }
  return false;
}

// The spellings of a request's resource that clients sign; all name the
// same resource, and the canonical one comes first.
//  - A bucket itself is signed as "/bucket" by some clients and "/bucket/" by
//    others (botocore), whichever the path was.
//  - Debian 12's botocore (1.29) signs the literal query of its operation's
//    URI template, which leads the query it sends, before the sub-resources:
//    "/b?location?location", "/b/k?uploads?uploads", "/b?list-type=2". Later
//    botocore signs "/b/?location". The leading parameter is then signed as
//    sent; one holding a '?' could make two spellings meet, so none is taken.
Result<std::vector<std::string>> resources_of(const SignedRequest& request) {
  auto subresources = canonical_subresources(request.raw_query);
  if (!subresources) return std::unexpected(subresources.error());
  std::vector<std::string> suffixes{*subresources};
  std::string_view leading = request.raw_query.substr(0, request.raw_query.find('&'));
  if (!leading.empty() && leading.find('?') == std::string_view::npos) {
    std::string suffix(1, '?');
    suffix.append(leading).append(*subresources);
    suffixes.push_back(std::move(suffix));
  }

  std::vector<std::string> paths{resource_path_v2(request.raw_path, request.virtual_host_bucket)};
  std::string_view path = paths.front();
  size_t slash = path.find('/', 1);
  if (path.size() > 1 && slash == std::string_view::npos) {
    paths.push_back(std::string(path) + "/");
  } else if (slash == path.size() - 1 && path.size() > 2) {
    paths.push_back(std::string(path.substr(0, slash)));
  }

  std::vector<std::string> out;
  for (const auto& p : paths) {
    for (const auto& suffix : suffixes) out.push_back(p + suffix);
  }
  return out;
}

// The body protection a SigV2 request can have: see sigv2_verify.h.
Result<Payload> payload_of(const std::optional<std::string>& content_sha256) {
  if (!content_sha256) return Payload{};
  auto payload = parse_payload(*content_sha256);
  if (!payload) return std::unexpected(payload.error());
  if (payload->mode == PayloadMode::kStreamingSigned ||
      payload->mode == PayloadMode::kStreamingSignedTrailer) {
    return fail(ErrorCode::kInvalidRequest,
                "Signed aws-chunked uploads require AWS Signature Version 4");
  }
  return payload;
}

std::string header_or_empty(const Headers& headers, std::string_view name) {
  return std::string(trim(find_header(headers, name).value_or(std::string())));
}

AuthResult make_result(std::string access_key, bool presigned, Payload payload) {
  AuthResult r;
  r.scheme = Scheme::kSigV2;
  r.presigned = presigned;
  r.access_key = std::move(access_key);
  r.payload_mode = payload.mode;
  r.payload_sha256_hex = std::move(payload.sha256_hex);
  return r;
}

}  // namespace

Result<AuthResult> verify_sigv2_header(const SignedRequest& request, std::string_view authorization,
                                       const SecretLookup& lookup, Clock::time_point now) {
  std::string_view credentials = trim(trim(authorization).substr(3));
  size_t colon = credentials.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "AWS authorization header is invalid. Expected AwsAccessKeyId:signature");
  }
  std::string access_key(credentials.substr(0, colon));
  Signed s;
  s.method = request.method;
  s.signature = std::string(credentials.substr(colon + 1));

  auto payload = payload_of(find_header(request.headers, "x-amz-content-sha256"));
  if (!payload) return std::unexpected(payload.error());

  auto amz_date = find_header(request.headers, "x-amz-date");
  auto date = find_header(request.headers, "date");
  std::optional<Clock::time_point> when;
  if (amz_date) {
    // Usually an HTTP date in SigV2; some clients send SigV4's form.
    when = parse_http_date(trim(*amz_date));
    if (!when) when = parse_amz_date(trim(*amz_date));
  } else if (date) {
    when = parse_http_date(trim(*date));
  }
  if (!when) return fail(ErrorCode::kAccessDenied, std::string(kNoDateMessage));

  auto secret = lookup(access_key);
  if (!secret) return fail(ErrorCode::kInvalidAccessKeyId);
  if (*when > now + kMaxClockSkew || *when < now - kMaxClockSkew) {
    return fail(ErrorCode::kRequestTimeTooSkewed);
  }

  auto resources = resources_of(request);
  if (!resources) return std::unexpected(resources.error());
  s.resources = std::move(*resources);
  s.content_md5 = header_or_empty(request.headers, "content-md5");
  s.content_type = header_or_empty(request.headers, "content-type");

  std::string date_line = date ? std::string(trim(*date)) : std::string();
  std::vector<DateForm> forms{{date_line, canonical_amz_headers(request.headers)}};
  if (amz_date) {
    Headers without_date;
    for (const auto& h : request.headers) {
      if (h.first != "x-amz-date") without_date.push_back(h);
    }
    forms.push_back({std::string(trim(*amz_date)), canonical_amz_headers(without_date)});
    if (date) forms.push_back({std::string(), forms.front().amz_headers});
  }
  if (!matches_any(s, forms, *secret)) return fail(ErrorCode::kSignatureDoesNotMatch);
  return make_result(std::move(access_key), /*presigned=*/false, std::move(*payload));
}

Result<AuthResult> verify_sigv2_presigned(const SignedRequest& request, const QueryParams& params,
                                          const SecretLookup& lookup, Clock::time_point now) {
  const std::string* access_key = find_param(params, "AWSAccessKeyId");
  const std::string* signature = find_param(params, "Signature");
  const std::string* expires_text = find_param(params, "Expires");
  if (!access_key || !signature || !expires_text) {
    return fail(ErrorCode::kAccessDenied, std::string(kQueryMissingMessage));
  }
  auto expires = parse_i64(*expires_text);
  if (!expires) {
    return fail(ErrorCode::kAccessDenied,
                "Invalid date (should be seconds since epoch): " + *expires_text);
  }

  // Signed headers a presigning client moved into the query count as headers.
  Headers headers = request.headers;
  for (const auto& [name, value] : params) {
    std::string lower = to_lower(name);
    bool stands_in =
        (lower == "content-type" || lower == "content-md5") && !find_header(request.headers, lower);
    if (lower.starts_with("x-amz-") || stands_in) headers.emplace_back(std::move(lower), value);
  }

  auto payload = payload_of(find_header(headers, "x-amz-content-sha256"));
  if (!payload) return std::unexpected(payload.error());
  auto secret = lookup(*access_key);
  if (!secret) return fail(ErrorCode::kInvalidAccessKeyId);
  if (std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count() > *expires) {
    return fail(ErrorCode::kAccessDenied, "Request has expired");
  }

  auto resources = resources_of(request);
  if (!resources) return std::unexpected(resources.error());
  Signed s;
  s.method = request.method;
  s.signature = *signature;
  s.resources = std::move(*resources);
  s.content_md5 = header_or_empty(headers, "content-md5");
  s.content_type = header_or_empty(headers, "content-type");
  if (!matches_any(s, {{*expires_text, canonical_amz_headers(headers)}}, *secret)) {
    return fail(ErrorCode::kSignatureDoesNotMatch);
  }
  return make_result(*access_key, /*presigned=*/true, std::move(*payload));
}

}  // namespace silo::auth
