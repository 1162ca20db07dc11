#include "s3/response.h"

#include "common/time.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace bhttp = boost::beast::http;

void add_common_headers(http::ResponseHeader& h, std::string_view request_id) {
  h.set(bhttp::field::server, "Silo");
  h.set("x-amz-request-id", request_id);
  h.set("x-amz-id-2", request_id);
  h.set(bhttp::field::date, format_http_date(now_ns()));
  h.set("Accept-Ranges", "bytes");
}

void add_common_headers(http::ResponseHeader& h, const Context& ctx) {
  add_common_headers(h, ctx.request_id);
  for (const auto& [name, value] : ctx.response_headers) h.set(name, value);
}

http::StringResponse make_response(const Context& ctx, int status) {
  http::StringResponse res{static_cast<bhttp::status>(status), ctx.request().version()};
  add_common_headers(res.base(), ctx);
  return res;
}

http::StringResponse error_response(const Error& error, std::string_view resource,
                                    std::string_view request_id, unsigned http_version,
                                    bool head_request, std::string_view region) {
  int status = error_http_status(error.code);
  http::StringResponse res{static_cast<bhttp::status>(status), http_version};
  add_common_headers(res.base(), request_id);
  bool wrong_region = !region.empty() && (error.code == ErrorCode::kAuthorizationHeaderMalformed ||
                                          error.code == ErrorCode::kAuthorizationQueryParametersError);
  if (wrong_region) res.set("x-amz-bucket-region", region);
  if (error.delete_marker) {
    res.set("x-amz-delete-marker", "true");
    res.set("x-amz-version-id", error.version_id);
    if (error.last_modified_ns) res.set("Last-Modified", format_http_date(error.last_modified_ns));
  }
  if (status == 304 || head_request) {
    // No body: HEAD responses and 304 carry only the status and headers.
    return res;
  }
  XmlDoc doc("Error", false);
  add_text(doc.root(), "Code", error_code_name(error.code));
  add_text(doc.root(), "Message", error.text());
  if (!error.resource.empty() || !resource.empty()) {
    add_text(doc.root(), "Resource", error.resource.empty() ? resource : error.resource);
  }
  if (wrong_region) add_text(doc.root(), "Region", region);
  add_text(doc.root(), "RequestId", request_id);
  add_text(doc.root(), "HostId", request_id);
  res.set(bhttp::field::content_type, "application/xml");
  res.body() = doc.str();
  return res;
}

boost::asio::awaitable<Status> send(Context& ctx, http::StringResponse response) {
  co_return co_await ctx.exchange.send(std::move(response));
}

boost::asio::awaitable<Status> send_xml(Context& ctx, int status, std::string body) {
  auto res = make_response(ctx, status);
  res.set(bhttp::field::content_type, "application/xml");
  res.body() = std::move(body);
  co_return co_await ctx.exchange.send(std::move(res));
}

boost::asio::awaitable<Status> send_empty(Context& ctx, int status) {
  co_return co_await ctx.exchange.send(make_response(ctx, status));
}

std::string quote_etag(std::string_view etag) {
  std::string out;
  out.reserve(etag.size() + 2);
  out.push_back('"');
  out.append(etag);
  out.push_back('"');
  return out;
}

}  // namespace silo::s3
