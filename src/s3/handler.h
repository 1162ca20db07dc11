// S3Handler turns an HTTP exchange into an S3 operation: it finds the bucket
// and key (path-style or virtual-host-style), authenticates the request,
// routes it by method and query, and maps any error to the S3 error document.
#pragma once

#include "http/server.h"
#include "s3/context.h"

namespace silo::s3 {

class S3Handler final : public http::RequestHandler {
 public:
  explicit S3Handler(Services& services) : services_(services) {}
  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  http::StringResponse malformed_request(ErrorCode code) override;

 private:
  boost::asio::awaitable<Status> route_admin(Context& ctx, std::string_view path);
  // GET, PUT (?size=BYTES) or DELETE /silo/admin/v1/quota?bucket=NAME.
  boost::asio::awaitable<Result<std::string>> quota_call(Context& ctx);
  // `call`: "pools" or "pools/<job>".
  boost::asio::awaitable<Result<std::string>> pools_call(Context& ctx, std::string_view call);
  Services& services_;
};

}  // namespace silo::s3
