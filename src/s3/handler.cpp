#include "s3/handler.h"

#include <chrono>

#include "auth/authenticate.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/uuid.h"
#include "http/blocking.h"
#include "common/hash.h"
#include "s3/access.h"
#include "s3/admin_iam.h"
#include "s3/body.h"
#include "s3/cors.h"
#include "s3/credential_lookup.h"
#include "s3/ops.h"
#include "s3/router.h"
#include "s3/response.h"
#include "s3/sts.h"
#include "s3/validate.h"

namespace silo::s3 {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

bool QueryParams::has(std::string_view name) const { return get(name).has_value(); }

std::optional<std::string_view> QueryParams::get(std::string_view name) const {
  for (const auto& [k, v] : params_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Context::header(std::string_view name) const {
  auto it = request().find(name);
  if (it == request().end()) return {};
  return {it->value().data(), it->value().size()};
}

bool Context::has_header(std::string_view name) const {
  return request().find(name) != request().end();
}

namespace {

std::string_view host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(0, end + 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

http::StringResponse health_response(const http::RequestHeader& req) {
  http::StringResponse res{bhttp::status::ok, req.version()};
  res.set(bhttp::field::server, "Silo");
  return res;
}

}  // namespace

namespace {

awaitable<void> add_cors_headers(Context& ctx) {
  auto doc = co_await http::run_blocking(ctx.services.blocking, [&] {
    return ctx.services.objects.bucket_config(ctx.bucket, "cors");
  });
  if (!doc || !*doc) co_return;
  auto rules = parse_cors_xml(**doc);
  if (!rules) co_return;
  std::string_view method(ctx.request().method_string().data(),
                          ctx.request().method_string().size());
  if (const CorsRule* rule = match_cors(*rules, ctx.header("origin"), method, {})) {
    ctx.response_headers = cors_headers(*rule, ctx.header("origin"), false, {});
  }
}

}  // namespace

http::StringResponse S3Handler::malformed_request(ErrorCode code) {
  return error_response(Error(code), "", new_request_id(), 11, false);
}

awaitable<void> S3Handler::handle(http::Exchange& exchange) {
  const auto& req = exchange.request();
  std::string_view target(req.target().data(), req.target().size());
  auto qmark = target.find('?');
  std::string_view raw_path = target.substr(0, qmark);
  std::string_view raw_query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  if (raw_path == "/silo/health/live") {
    co_await exchange.send(health_response(req));
    co_return;
  }
  if (raw_path == "/silo/health/ready") {
    // 503 while the node cannot reach write quorum, so load balancers send
    // requests elsewhere.
    auto res = health_response(req);
    if (services_.admin && !services_.admin->ready()) {
      res.result(bhttp::status::service_unavailable);
    }
    co_await exchange.send(std::move(res));
    co_return;
  }
  if (raw_path == "/silo/health/cluster") {
    auto res = health_response(req);
    if (services_.admin) {
      // 503 while any set cannot take writes: its drives are offline or full.
      auto [writable, body] = services_.admin->cluster_health();
      if (!writable) res.result(bhttp::status::service_unavailable);
      res.set(bhttp::field::content_type, "application/json");
      res.body() = std::move(body);
      res.prepare_payload();
    }
    co_await exchange.send(std::move(res));
    co_return;
  }

  if (services_.internode && raw_path.starts_with("/silo/internode/")) {
    co_await services_.internode->handle(exchange);
    co_return;
  }

  Context ctx{exchange, services_, new_request_id()};
  auto started = std::chrono::steady_clock::now();
  Status result = co_await [&]() -> awaitable<Status> {
    if (raw_path.empty() || raw_path.front() != '/') co_return fail(ErrorCode::kInvalidURI);
    auto path = silo::uri_decode(raw_path);
    auto query = parse_query(raw_query);
    if (!path || !query) co_return fail(ErrorCode::kInvalidURI);
    ctx.query = QueryParams(std::move(*query));

    std::string_view host = host_without_port(ctx.header("host"));
    std::string_view rest = std::string_view(*path).substr(1);
    bool vhost = false;
    for (const auto& domain : services_.config.domains) {
      if (host.size() > domain.size() + 1 && host.ends_with(domain) &&
          host[host.size() - domain.size() - 1] == '.') {
        ctx.bucket = std::string(host.substr(0, host.size() - domain.size() - 1));
        ctx.key = std::string(rest);
        ctx.key_in_path = !rest.empty();
        vhost = true;
        break;
      }
    }
    if (!vhost) {
      auto slash = rest.find('/');
      ctx.bucket = std::string(rest.substr(0, slash));
      if (slash != std::string_view::npos) {
        ctx.key = std::string(rest.substr(slash + 1));
        ctx.key_in_path = true;
      }
    }

    // Router -> authentication -> authorization -> operation.
    bool admin = raw_path.starts_with("/silo/admin/");
    std::string_view method(req.method_string().data(), req.method_string().size());
    ctx.sts = !admin && is_sts_request(method, raw_path, vhost);
    Route route = admin || ctx.sts ? Route{} : route_request(ctx);
    // A CORS preflight carries no credentials of its own (a presigned URL's
    // query signs the request that follows, not the OPTIONS): it is
    // answered from the bucket's rules, whatever its query says.
    if (route.open && route.serve == ops::cors_preflight) co_return co_await route.serve(ctx);
    auth::SignedRequest signed_req{
        std::string_view(req.method_string().data(), req.method_string().size()),
        raw_path,
        raw_query,
        {}};
    if (vhost) signed_req.virtual_host_bucket = ctx.bucket;
    for (const auto& field : req) {
      signed_req.headers.emplace_back(
          to_lower(std::string_view(field.name_string().data(), field.name_string().size())),
          std::string(field.value().data(), field.value().size()));
    }
    std::string sts_form, sts_hash;
    if (ctx.sts) {
      // An STS call signs its form body for the service "sts", without the
      // x-amz-content-sha256 header S3 requires: the hash is computed here.
      auto body = co_await read_small_body(ctx, kMaxStsBody);
      if (!body) co_return std::unexpected(body.error());
      sts_form = std::move(*body);
      sts_hash = sha256_hex(sts_form);
      auto declared = auth::find_header(signed_req.headers, "x-amz-content-sha256");
      if (declared && *declared != sts_hash && *declared != "UNSIGNED-PAYLOAD") {
        co_return fail(ErrorCode::kXAmzContentSHA256Mismatch);
      }
      signed_req.body_sha256 = sts_hash;
      signed_req.service = "sts";
    }
    CredentialLookup credentials(services_.iam, security_token(signed_req));
    auto verified = auth::authenticate(signed_req, credentials.lookup(), services_.config.region,
                                       std::chrono::system_clock::now());
    // A bad security token is what AWS reports, whatever the signature.
    if (credentials.token_error()) co_return fail(*credentials.token_error());
    if (!verified) co_return std::unexpected(verified.error());
    ctx.auth = std::move(*verified);
    if (!ctx.auth.anonymous()) ctx.identity = credentials.identity();
    if (ctx.sts) co_return co_await serve_sts(ctx, sts_form);
    if (admin) co_return co_await route_admin(ctx, raw_path);
    if (route.level == Level::kObject) {
      if (auto s = validate_key(ctx.key); !s) co_return s;
    }
    if (!route.open && !ctx.bucket.empty() && ctx.has_header("origin")) {
      // A browser's request: the bucket's CORS rules decide what its
      // response (an error too) may show the page.
      co_await add_cors_headers(ctx);
    }
    if (auto allowed = co_await authorize(ctx, route); !allowed) {
      // A HEAD of a bucket the caller may not list still tells its region,
      // as AWS does: SDKs find a bucket's region this way.
      if (ctx.auth.anonymous() && route.serve == ops::head_bucket &&
          allowed.error().code == ErrorCode::kAccessDenied) {
        co_return co_await ops::head_bucket_anonymous(ctx);
      }
      co_return allowed;
    }
    Status served = co_await route.serve(ctx);
    if (!served && served.error().code == ErrorCode::kNoSuchKey && !ctx.unlimited() &&
        !co_await may_list_bucket(ctx)) {
      co_return fail(ErrorCode::kAccessDenied);
    }
    co_return served;
  }();

  if (!result) {
    const Error& err = result.error();
    if (!exchange.response_started()) {
      std::string resource(raw_path);
      auto res = ctx.sts ? sts_error_response(err, ctx.request_id, req.version())
                         : error_response(err, resource, ctx.request_id, req.version(),
                                          req.method() == bhttp::verb::head,
                                          services_.config.region);
      for (const auto& [name, value] : ctx.response_headers) res.set(name, value);
      co_await exchange.send(std::move(res));
    } else {
      exchange.set_close();
    }
    // A full drive is logged once by the drive, not once per refused request.
    if (error_http_status(err.code) >= 500 && err.code != ErrorCode::kStorageFull) {
      spdlog::error("{} {} {} -> {} {}", ctx.request_id, req.method_string(), raw_path,
                    error_code_name(err.code), err.text());
    }
  }
  spdlog::debug("{} {} {} {} {}us", ctx.request_id, req.method_string(), target,
                result ? "ok" : std::string(error_code_name(result.error().code)),
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
}

awaitable<Status> S3Handler::route_admin(Context& ctx, std::string_view path) {
  if (!services_.admin || !ctx.identity) co_return fail(ErrorCode::kAccessDenied);
  // v3 is the admin API with IAM; v1 (the calls before it) stays for older clients.
  constexpr std::string_view kV1 = "/silo/admin/v1/", kV3 = "/silo/admin/v3/";
  bool v3 = path.starts_with(kV3);
  if (!v3 && !path.starts_with(kV1)) co_return fail(ErrorCode::kInvalidRequest, "unknown admin API call");
  std::string_view call = path.substr(kV3.size());
  if (v3) {
    if (auto served = co_await serve_iam_admin(ctx, call)) co_return *served;
  }
  auto method = ctx.request().method();
  // The action each server call needs, as MinIO names them.
  std::string_view action;
  if (call == "info") {
    action = "admin:ServerInfo";
  } else if (call == "heal") {
    action = "admin:Heal";
  } else if (call == "quota") {
    action = method == bhttp::verb::get ? "admin:GetBucketQuota" : "admin:SetBucketQuota";
  } else if (call == "pools" || call.starts_with("pools/")) {
    action = method == bhttp::verb::get ? "admin:ServerInfo"
             : call.ends_with("rebalance") ? "admin:Rebalance"
                                           : "admin:Decommission";
  } else {
    co_return fail(ErrorCode::kInvalidRequest, "unknown admin API call");
  }
  if (!admin_allowed(ctx, action)) co_return fail(ErrorCode::kAccessDenied);
  std::string body;
  if (call == "info" && method == bhttp::verb::get) {
    body = co_await http::run_blocking(services_.blocking, [this] { return services_.admin->info_json(); });
  } else if (call == "heal" && method == bhttp::verb::post) {
    std::string bucket(ctx.query.value("bucket")), prefix(ctx.query.value("prefix"));
    bool background = ctx.query.value("background") == "true";
    body = co_await http::run_blocking(services_.blocking, [this, &bucket, &prefix, background] {
      return background ? services_.admin->heal_start_json(bucket, prefix)
                        : services_.admin->heal_json(bucket, prefix);
    });
  } else if (call == "quota") {
    auto answer = co_await quota_call(ctx);
    if (!answer) co_return std::unexpected(answer.error());
    body = std::move(*answer);
  } else if (call == "pools" || call.starts_with("pools/")) {
    auto answer = co_await pools_call(ctx, call);
    if (!answer) co_return std::unexpected(answer.error());
    body = std::move(*answer);
  } else if (call == "heal" && method == bhttp::verb::get) {
    std::string kind(ctx.query.value("kind"));
    if (!kind.empty() && kind != "heal" && kind != "scanner") {
      co_return fail(ErrorCode::kInvalidArgument, "kind must be heal or scanner");
    }
    body = services_.admin->heal_status_json(kind);
  } else {
    co_return fail(ErrorCode::kMethodNotAllowed);
  }
  auto res = make_response(ctx, 200);
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  co_return co_await send(ctx, std::move(res));
}

// GET pools: every pool. GET pools/decommission?pool=P and
// pools/rebalance: a job's status; POST with ?action=start|cancel
// (decommission) or start|stop (rebalance).
awaitable<Result<std::string>> S3Handler::pools_call(Context& ctx, std::string_view call) {
  auto method = ctx.request().method();
  std::string job(call == "pools" ? std::string_view() : call.substr(std::string_view("pools/").size()));
  std::string action(ctx.query.value("action")), pool(ctx.query.value("pool"));
  if (job.empty() || method == bhttp::verb::get) {
    if (method != bhttp::verb::get) co_return fail(ErrorCode::kMethodNotAllowed);
    action = "status";
  } else if (method != bhttp::verb::post) {
    co_return fail(ErrorCode::kMethodNotAllowed);
  }
  if (job == "decommission" && pool.empty()) {
    co_return fail(ErrorCode::kInvalidArgument, "pool is required (its number or name)");
  }
  co_return co_await http::run_blocking(services_.blocking, [&]() -> Result<std::string> {
    return services_.admin->pools_json(job, job.empty() ? "" : action, pool);
  });
}

awaitable<Result<std::string>> S3Handler::quota_call(Context& ctx) {
  std::string bucket(ctx.query.value("bucket"));
  if (bucket.empty()) co_return fail(ErrorCode::kInvalidArgument, "bucket is required");
  auto method = ctx.request().method();
  std::optional<uint64_t> size;
  if (method == bhttp::verb::put) {
    size = parse_u64(ctx.query.value("size"));
    if (!size || *size == 0) {
      co_return fail(ErrorCode::kInvalidArgument, "size must be a number of bytes above 0");
    }
  } else if (method != bhttp::verb::get && method != bhttp::verb::delete_) {
    co_return fail(ErrorCode::kMethodNotAllowed);
  }
  co_return co_await http::run_blocking(services_.blocking, [&]() -> Result<std::string> {
    if (method == bhttp::verb::get) return services_.admin->quota_json(bucket);
    return services_.admin->set_quota(bucket, size);
  });
}

}  // namespace silo::s3
