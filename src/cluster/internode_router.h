// InternodeRouter: the one handler S3Handler gives every `/silo/internode/`
// path (Services::internode). It sends `/silo/internode/v1/drive/...` to the
// node's DriveService, `/silo/internode/v1/lock/...` to its LockService and
// `/silo/internode/v1/event/...` to its PeerEventService, and answers
// anything else 404, so each service sees only its own calls. Any service
// may be absent (null): its paths are then 404 too. Auth is
// each service's job; an unknown path reveals nothing without it.
// Thread-safe as the services are; they must outlive the router.
#pragma once

#include "http/server.h"

namespace silo::cluster {

class InternodeRouter final : public http::RequestHandler {
 public:
  InternodeRouter(http::RequestHandler* drives, http::RequestHandler* locks,
                  http::RequestHandler* events = nullptr)
      : drives_(drives), locks_(locks), events_(events) {}

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  http::StringResponse malformed_request(ErrorCode code) override;

 private:
  http::RequestHandler* const drives_;
  http::RequestHandler* const locks_;
  http::RequestHandler* const events_;
};

}  // namespace silo::cluster
