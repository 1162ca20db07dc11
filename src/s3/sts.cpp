#include "s3/sts.h"

#include "common/strings.h"
#include "common/time.h"
#include "iam/policy.h"
#include "s3/response.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

namespace bhttp = boost::beast::http;

constexpr const char* kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr int64_t kMinDuration = 900;
constexpr int64_t kMaxDuration = 12 * 3600;
constexpr size_t kMaxSessionPolicy = 2048;

const std::string* param(const std::vector<std::pair<std::string, std::string>>& form,
                         std::string_view name) {
  for (const auto& [k, v] : form) {
    if (k == name) return &v;
  }
  return nullptr;
}

Error invalid_value(std::string message) {
  return Error(ErrorCode::kInvalidParameterValue, std::move(message));
}

boost::asio::awaitable<Status> assume_role(
    Context& ctx, const std::vector<std::pair<std::string, std::string>>& form) {
  const auto& id = *ctx.identity;
  if (id.kind != iam::IdentityKind::kRoot && id.kind != iam::IdentityKind::kUser) {
    co_return fail(ErrorCode::kAccessDenied,
                   "Only the root user and IAM users may assume a role; access keys and "
                   "temporary credentials may not.");
  }
  int64_t duration = 3600;
  if (const auto* d = param(form, "DurationSeconds")) {
    auto n = parse_i64(*d);
    if (!n || *n < kMinDuration || *n > kMaxDuration) {
      co_return fail(invalid_value("1 validation error detected: Value '" + *d +
                                   "' at 'durationSeconds' failed to satisfy constraint: Member "
                                   "must have value between 900 and 43200"));
    }
    duration = *n;
  }
  if (const auto* name = param(form, "RoleSessionName")) {
    if (name->size() < 2 || name->size() > 64) {
      co_return fail(invalid_value("RoleSessionName must have 2 to 64 characters"));
    }
  }
  std::optional<std::string> policy;
  if (const auto* p = param(form, "Policy"); p && !p->empty()) {
    if (p->size() > kMaxSessionPolicy) {
      co_return fail(ErrorCode::kMalformedPolicyDocument,
                     "The session policy has more than 2048 characters.");
    }
    auto parsed = iam::Policy::parse_identity_policy(*p);
    if (!parsed) co_return fail(ErrorCode::kMalformedPolicyDocument, parsed.error().message);
    policy = *p;
  }
  auto claims = ctx.services.iam.issue_session(id, std::chrono::seconds(duration), policy);
  std::string token = ctx.services.iam.session_token(claims);

  XmlDoc doc("AssumeRoleResponse", false);
  doc.root().append_attribute("xmlns") = kStsNamespace;
  auto result = doc.root().append_child("AssumeRoleResult");
  auto user = result.append_child("AssumedRoleUser");
  std::string session_name = "silo";
  if (const auto* name = param(form, "RoleSessionName")) session_name = *name;
  add_text(user, "Arn", "arn:aws:sts:::assumed-role/" + id.user + "/" + session_name);
  add_text(user, "AssumedRoleId", claims.access_key + ":" + session_name);
  auto creds = result.append_child("Credentials");
  add_text(creds, "AccessKeyId", claims.access_key);
  add_text(creds, "SecretAccessKey", claims.secret);
  add_text(creds, "SessionToken", token);
  add_text(creds, "Expiration", format_iso8601(claims.expires_s * 1'000'000'000));
  auto meta = doc.root().append_child("ResponseMetadata");
  add_text(meta, "RequestId", ctx.request_id);
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::content_type, "text/xml");
  res.body() = doc.str();
  co_return co_await send(ctx, std::move(res));
}

}  // namespace

bool is_sts_request(std::string_view method, std::string_view path, bool virtual_host) {
  return method == "POST" && path == "/" && !virtual_host;
}

boost::asio::awaitable<Status> serve_sts(Context& ctx, std::string_view body) {
  if (!ctx.identity) co_return fail(ErrorCode::kAccessDenied, "STS calls must be signed.");
  auto form = parse_query(body, /*plus_as_space=*/true);
  if (!form) co_return fail(ErrorCode::kInvalidParameterValue, "The form body does not parse.");
  const auto* action = param(*form, "Action");
  const auto* version = param(*form, "Version");
  if (action && *action == "AssumeRole" && (!version || *version == "2011-06-15")) {
    co_return co_await assume_role(ctx, *form);
  }
  co_return fail(ErrorCode::kInvalidAction,
                 "Could not find operation " + (action ? *action : std::string()) +
                     " for version " + (version ? *version : std::string()));
}

http::StringResponse sts_error_response(const Error& error, std::string_view request_id,
                                        unsigned http_version) {
  int status = error_http_status(error.code);
  http::StringResponse res{static_cast<bhttp::status>(status), http_version};
  add_common_headers(res.base(), request_id);
  XmlDoc doc("ErrorResponse", false);
  doc.root().append_attribute("xmlns") = kStsNamespace;
  auto e = doc.root().append_child("Error");
  add_text(e, "Type", status >= 500 ? "Receiver" : "Sender");
  add_text(e, "Code", error_code_name(error.code));
  add_text(e, "Message", error.text());
  add_text(doc.root(), "RequestId", request_id);
  res.set(bhttp::field::content_type, "text/xml");
  res.body() = doc.str();
  return res;
}

}  // namespace silo::s3
