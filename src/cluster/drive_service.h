// DriveService: the server side of the internode drive protocol
// (cluster/wire.h). It answers `/silo/internode/v1/drive/<call>` requests on
// the node's HTTP server by calling the node's own drives, so that a
// RemoteDrive on another node behaves as these drives do.
//
// - Which drive: the `drive` query parameter is the drive's root as given
//   on the command line (its endpoint path, e.g. `/srv/n1/d1`), one of the
//   keys of `local_drives`; no other path is ever touched.
// - Auth: every request must carry the internode token (internode_auth.h),
//   else 403 before its body is read.
// - Deadlines: the caller's time left (x-silo-deadline-ms) becomes the
//   Deadline of the local drive call; blocking drive work runs on the
//   `blocking` pool, never on the network thread.
// - State between calls: staged shard writers stay open from create_staged
//   to close_staged (dropped after `writer_idle_timeout` without a call);
//   data leases are held from lease_data to release_lease, or until
//   `lease_ttl` passes.
// Thread-safe; register one per node, with every local drive.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "cluster/open_handles.h"
#include "http/server.h"
#include "storage/drive.h"

namespace silo::cluster {

struct DriveServiceOptions {
  std::chrono::milliseconds writer_idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds lease_ttl{std::chrono::minutes(10)};
  // Largest request body (one shard write, a few records).
  size_t max_body = 64 << 20;
  // Largest shard read and scan page a caller may ask for.
  size_t max_read = 64 << 20;
  size_t max_page = 10000;
};

class DriveService final : public http::RequestHandler {
 public:
  // `local_drives`: the node's drives by root (ManagedDrives in `silo
  // server`; a drive that is offline answers kDriveOffline as it does
  // locally). `token`: internode_token() of the root credentials.
  DriveService(std::map<std::string, std::shared_ptr<storage::Drive>> local_drives,
               std::string token, boost::asio::thread_pool& blocking,
               DriveServiceOptions options = {});
  ~DriveService() override;

  // True for the paths this service answers (S3Handler routes them here
  // before S3 authentication).
  static bool handles(std::string_view raw_path);

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  http::StringResponse malformed_request(ErrorCode code) override;

  // Open staged writers and held leases (for tests and admin output).
  size_t open_writers() const { return writers_.size(); }
  size_t held_leases() const { return leases_.size(); }

  struct Call;  // one decoded request (drive_service.cpp)

 private:
  Result<std::string> dispatch(Call& call);
  Result<std::string> bucket_call(const Call& call, bool& found);
  Result<std::string> object_call(const Call& call, bool& found);
  Result<std::string> shard_call(const Call& call, bool& found);
  Result<std::string> upload_call(const Call& call, bool& found);
  Result<std::string> drive_call(const Call& call, bool& found);
  Result<std::string> scan_objects_page(const Call& call);
  Result<std::string> scan_versions_page(const Call& call);
  Result<std::string> scan_uploads_page(const Call& call);

  std::map<std::string, std::shared_ptr<storage::Drive>> drives_;
  const std::string token_;
  boost::asio::thread_pool& blocking_;
  const DriveServiceOptions options_;
  StagedWriters writers_;
  LeaseTable leases_;
};

}  // namespace silo::cluster
