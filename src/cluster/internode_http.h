// What every internode service does the same way on the server side
// (DriveService, LockService): check the token, read the caller's deadline,
// and answer in the protocol's shape (wire.h), so the services cannot
// drift apart.
#pragma once

#include <string_view>

#include "common/deadline.h"
#include "common/error.h"
#include "http/exchange.h"

namespace silo::cluster {

// Whether the request carries the internode token `expected` (constant-time).
bool token_accepted(const http::RequestHeader& req, std::string_view expected);
// The caller's time left (kDeadlineHeader) from now; never() without one.
Deadline deadline_of(const http::RequestHeader& req);
// An empty response of `status` in the protocol's content type.
http::StringResponse plain_response(const http::RequestHeader& req,
                                    boost::beast::http::status status);
// The answer to a request refused for its token (403, before its body).
http::StringResponse forbidden_response(const http::RequestHeader& req);
// A failed call: the error's HTTP status (500 when it has none), its code's
// name in kErrorHeader and its message as the body.
http::StringResponse error_response(const http::RequestHeader& req, const Error& error);

}  // namespace silo::cluster
