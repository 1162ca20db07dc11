// Building S3 responses: common headers (request id, server, date), XML
// bodies and the S3 error document.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "common/error.h"
#include "http/exchange.h"
#include "s3/context.h"

namespace silo::s3 {

// A response with Silo's common headers set.
http::StringResponse make_response(const Context& ctx, int status);
void add_common_headers(http::ResponseHeader& h, std::string_view request_id);
// add_common_headers and the request's own response headers (CORS).
void add_common_headers(http::ResponseHeader& h, const Context& ctx);
// The S3 error document for `error` concerning `resource`. `region` is the
// server's configured region, if any: a request signed for another region is
// told which one to use (<Region> and x-amz-bucket-region, as AWS does), so
// SDKs that follow redirects retry there.
http::StringResponse error_response(const Error& error, std::string_view resource,
                                    std::string_view request_id, unsigned http_version,
                                    bool head_request, std::string_view region = {});

boost::asio::awaitable<Status> send_xml(Context& ctx, int status, std::string body);
boost::asio::awaitable<Status> send_empty(Context& ctx, int status);
boost::asio::awaitable<Status> send(Context& ctx, http::StringResponse response);

// "\"<etag>\"" as S3 quotes ETags in headers and XML.
std::string quote_etag(std::string_view etag);

}  // namespace silo::s3
