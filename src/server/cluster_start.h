// Starting a node of a distributed deployment: before it serves S3 the node
// must agree with the other nodes on the drives' format (prepare_cluster)
// and settle the changes a crash left undecided, which takes key locks on
// the other nodes. Meanwhile it answers, on the address it will serve from,
// the internode format calls for its own drives (the first node formats a
// new deployment through them), the lock calls of the other nodes, and its
// liveness check, and refuses everything else with 503.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <memory>
#include <thread>

#include "cluster/drive_service.h"
#include "cluster/internode_client.h"
#include "cluster/internode_router.h"
#include "cluster/topology.h"
#include "common/error.h"
#include "http/server.h"
#include "server/bootstrap.h"
#include "storage/managed_drive.h"

namespace silo::server {

// The listener of a starting node. Stopped (and its port freed for the
// real server) by stop() or its destructor.
class StartingListener {
 public:
  // `locks` answers /silo/internode/v1/lock/ (the LockService the node
  // keeps once it serves); it must outlive the listener.
  static Result<std::unique_ptr<StartingListener>> start(const cluster::Topology& topology,
                                                         const http::ServerOptions& http_options,
                                                         const std::string& token,
                                                         http::RequestHandler& locks);
  ~StartingListener();
  void stop();

  struct Handler;  // what it answers (cluster_start.cpp)

 private:
  StartingListener() = default;
  // Declared before drives_: the service's calls run here.
  boost::asio::thread_pool calls_{4};
  std::unique_ptr<cluster::DriveService> drives_;
  std::unique_ptr<cluster::InternodeRouter> router_;
  std::unique_ptr<Handler> handler_;
  boost::asio::io_context io_{1};
  std::unique_ptr<http::Server> server_;
  std::thread loop_;
};

// Runs prepare_cluster rounds (every half second, logging what it waits for
// every 5 s) until the layout is agreed, or fails on what waiting cannot
// fix. `stop` is polled: a stop signal ends the wait with
// kServiceUnavailable. The layout's drive paths are endpoints as
// DriveEndpoint::display() writes them.
// `deployment_id` as for prepare_cluster (pools after the first).
Result<PoolLayout> join_cluster(const cluster::Topology& topology,
                                std::shared_ptr<cluster::InternodeClient> client,
                                size_t read_quorum, const std::atomic<bool>& stop,
                                const std::string& deployment_id = {});

// The drives of one pool's erasure sets in set order: this node's as
// ManagedDrives at their layout paths (also returned in `local`, with their
// index), the others' as RemoteDrives through `client` (unused, and may be
// null, when every drive is local: a single node).
std::vector<std::shared_ptr<storage::Drive>> cluster_drives(
    const cluster::Topology& topology, const PoolLayout& layout,
    const storage::ManagedDriveOptions& options, std::shared_ptr<cluster::InternodeClient> client,
    std::vector<std::pair<size_t, std::shared_ptr<storage::ManagedDrive>>>& local);

}  // namespace silo::server
