// STS on the S3 endpoint, as MinIO serves it: `POST /` with a form body
// (Action=AssumeRole&Version=2011-06-15&...), signed with SigV4 for the
// service "sts", the way boto3's and the AWS CLI's STS clients send it.
//
// AssumeRole answers temporary credentials (iam/session_token.h) that carry
// the caller's permissions, narrowed by the optional session Policy, for
// DurationSeconds (900 s to 12 h, one hour by default). RoleArn and
// RoleSessionName are accepted without being checked, as MinIO does: there
// are no roles to assume. Only the root user and IAM users may call it (an
// access key or a session cannot mint credentials of its own).
//
// Errors use the STS document (ErrorResponse/Error/Type,Code,Message).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "s3/context.h"

namespace silo::s3 {

// The largest STS form body accepted.
inline constexpr size_t kMaxStsBody = 64 << 10;

// Whether an HTTP request is an STS call (POST of the service root).
bool is_sts_request(std::string_view method, std::string_view path, bool virtual_host);

// Serves the authenticated STS call whose form body is `form`.
boost::asio::awaitable<Status> serve_sts(Context& ctx, std::string_view form);

// The STS error document for `error`.
http::StringResponse sts_error_response(const Error& error, std::string_view request_id,
                                        unsigned http_version);

}  // namespace silo::s3
