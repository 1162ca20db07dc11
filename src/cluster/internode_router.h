// InternodeRouter: the one handler S3Handler gives every `/silo/internode/`
// path (Services::internode). It sends `/silo/internode/v1/drive/...` to the
// node's DriveService and `/silo/internode/v1/lock/...` to its LockService,
// and answers anything else 404, so each service sees only its own calls.
// Either service may be absent (null): its paths are then 404 too. Auth is
// each service's job; an unknown path reveals nothing without it.
// Thread-safe as the services are; they must outlive the router.
#pragma once

#include "http/server.h"

namespace silo::cluster {

class InternodeRouter final : public http::RequestHandler {
 public:
  InternodeRouter(http::RequestHandler* drives, http::RequestHandler* locks)
      : drives_(drives), locks_(locks) {}

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  http::StringResponse malformed_request(ErrorCode code) override;

 private:
  http::RequestHandler* const drives_;
  http::RequestHandler* const locks_;
};

}  // namespace silo::cluster
