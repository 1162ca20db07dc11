#include "auth/client_sign.h"

#include <algorithm>

#include "auth/dates.h"
#include "common/strings.h"

namespace silo::auth {

ClientSignature sign_request(SignedRequest& request, std::string_view payload_hash,
                             const Credentials& credentials, std::string_view region,
                             std::chrono::system_clock::time_point now) {
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
  std::string scope = credential_scope(date, region);
  std::string creq = canonical_request(
      request.method, canonical_uri(request.raw_path).value_or(std::string(request.raw_path)),
      canonical_query(request.raw_query, false).value_or(std::string()), request.headers,
      signed_headers, payload_hash);
  std::string key = derive_signing_key(credentials.secret_key, date, region);
  std::string signature = signature_hex(key, string_to_sign(amz_date, scope, creq));

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
                          std::chrono::system_clock::time_point now, std::chrono::seconds expires) {
  std::string amz_date = format_amz_date(now);
  std::string date = amz_date.substr(0, 8);
  std::string scope = credential_scope(date, region);
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
  add("X-Amz-Signature", signature_hex(key, string_to_sign(amz_date, scope, creq)));
  return query;
}

}  // namespace silo::auth
