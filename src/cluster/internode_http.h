// What every internode service does the same way on the server side
// (DriveService, LockService): check the token, read the caller's deadline,
// and answer in the protocol's shape (wire.h), so the services cannot
// drift apart.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "common/deadline.h"
#include "common/error.h"
#include "http/exchange.h"

namespace silo::cluster {

// Whether the request carries the internode token `expected` (constant-time).
bool token_accepted(const http::RequestHeader& req, std::string_view expected);
// The caller's time left (kDeadlineHeader) from now; never() without one.
Deadline deadline_of(const http::RequestHeader& req);
// The whole request body, at most `max_body` bytes (kEntityTooLarge beyond).
boost::asio::awaitable<Result<std::string>> read_small_body(http::Exchange& exchange,
                                                            size_t max_body);
// An empty response of `status` in the protocol's content type.
http::StringResponse plain_response(const http::RequestHeader& req,
                                    boost::beast::http::status status);
// The answer to a request refused for its token (403, before its body).
http::StringResponse forbidden_response(const http::RequestHeader& req);
// A failed call: the error's HTTP status (500 when it has none), its code's
// name in kErrorHeader and its message as the body.
http::StringResponse error_response(const http::RequestHeader& req, const Error& error);

}  // namespace silo::cluster
