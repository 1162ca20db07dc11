#include "server/cluster_start.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "cluster/drive_service.h"
#include "cluster/remote_drive.h"
#include "common/log.h"

namespace silo::server {

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

}  // namespace

// What a starting node answers: internode calls (format and lock calls
// matter), its liveness check, and 503 for the rest.
struct StartingListener::Handler final : public http::RequestHandler {
  explicit Handler(http::RequestHandler& internode) : internode_(internode) {}

  asio::awaitable<void> handle(http::Exchange& exchange) override {
    const auto& req = exchange.request();
    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    if (path.starts_with("/silo/internode/")) {
      co_await internode_.handle(exchange);
      co_return;
    }
    http::StringResponse res{path == "/silo/health/live" ? bhttp::status::ok
                                                         : bhttp::status::service_unavailable,
                             req.version()};
    res.set(bhttp::field::server, "Silo");
    if (res.result() != bhttp::status::ok) {
      res.set(bhttp::field::content_type, "application/xml");
      res.set(bhttp::field::retry_after, "1");
      res.body() =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ServiceUnavailable</Code>"
          "<Message>This node is starting: it is waiting for the other nodes of the "
          "deployment. Retry in a moment.</Message></Error>";
    }
    res.prepare_payload();
    co_await exchange.send(std::move(res));
  }
  http::StringResponse malformed_request(ErrorCode) override {
    http::StringResponse res{bhttp::status::bad_request, 11};
    res.prepare_payload();
    return res;
  }

  http::RequestHandler& internode_;
};

namespace {

DriveState remote_state(cluster::RemoteDrive& drive) {
  auto f = drive.read_format(Deadline::after(std::chrono::seconds(2)));
  DriveState state;
  if (!f) {
    bool down = f.error().code == ErrorCode::kDriveOffline ||
                f.error().code == ErrorCode::kDriveTimeout;
    state.kind = down ? DriveState::Kind::kUnreachable : DriveState::Kind::kUnreadable;
    state.why = f.error().text();
    return state;
  }
  switch (f->state) {
    case cluster::RemoteFormat::State::kFormatted:
      state.kind = DriveState::Kind::kFormatted;
      state.format = f->format;
      break;
    case cluster::RemoteFormat::State::kUnformatted:
      state.kind = DriveState::Kind::kEmpty;
      break;
    case cluster::RemoteFormat::State::kMissingFolder:
      state.kind = DriveState::Kind::kMissing;
      break;
  }
  return state;
}

}  // namespace

Result<std::unique_ptr<StartingListener>> StartingListener::start(
    const cluster::Topology& topology, const http::ServerOptions& http_options,
    const std::string& token, http::RequestHandler& locks) {
  std::unique_ptr<StartingListener> l(new StartingListener());
  // This node's folders, served for the format calls only: the drives are
  // not open yet (ManagedDrives never opened answer everything else with
  // kDriveOffline).
  std::map<std::string, std::shared_ptr<storage::Drive>> own;
  for (const auto& d : topology.drives) {
    if (d.local) own[d.path] = std::make_shared<storage::ManagedDrive>(d.path, "");
  }
  // Drive calls run on the listener's own threads, which stop() joins
  // before the loops their answers resume on go.
  l->drives_ = std::make_unique<cluster::DriveService>(std::move(own), token, l->calls_);
  l->router_ = std::make_unique<cluster::InternodeRouter>(l->drives_.get(), &locks);
  l->handler_ = std::make_unique<Handler>(*l->router_);
  http::ServerOptions options = http_options;
  options.threads = 1;
  l->server_ = std::make_unique<http::Server>(l->io_, options, *l->handler_);
  if (auto s = l->server_->start(); !s) return std::unexpected(s.error());
  l->loop_ = std::thread([io = &l->io_] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  return l;
}

void StartingListener::stop() {
  if (!server_) return;
  // No request starts from here on (http::Server::stop); those in progress
  // end (each has a deadline) while their drive calls can still run.
  server_->stop();
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_->active() > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // A drive call still running resumes on its connection's loop: every one
  // ends before the loops are destroyed. Waiting only for the server's
  // requests was not enough: a call whose connection had gone still ran,
  // and crashed the node at start when it finished.
  calls_.join();
  server_->join();
  io_.stop();
  // Not started when the port could not be bound.
  if (loop_.joinable()) loop_.join();
  server_.reset();
}

StartingListener::~StartingListener() { stop(); }

Result<PoolLayout> join_cluster(const cluster::Topology& topology,
                                std::shared_ptr<cluster::InternodeClient> client,
                                size_t read_quorum, const std::atomic<bool>& stop,
                                const std::string& deployment_id) {
  std::vector<FormatAccess> access;
  for (const auto& d : topology.drives) {
    if (d.local) {
      access.push_back(local_format_access(d.path));
      continue;
    }
    auto remote = std::make_shared<cluster::RemoteDrive>(client, d.node_url(), d.path);
    FormatAccess a;
    a.read = [remote] { return remote_state(*remote); };
    a.write = [remote](const storage::Format& f) {
      return remote->write_format(Deadline::after(std::chrono::seconds(5)), f);
    };
    access.push_back(std::move(a));
  }
  Result<PoolLayout> layout = fail(ErrorCode::kServiceUnavailable, "stopped while starting");
  auto next_log = std::chrono::steady_clock::now();
  while (!stop.load()) {
    layout = prepare_cluster(topology, access, read_quorum, deployment_id);
    if (layout || layout.error().code != ErrorCode::kServiceUnavailable) break;
    if (std::chrono::steady_clock::now() >= next_log) {
      spdlog::info("joining the deployment: {}", layout.error().text());
      next_log = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    for (int i = 0; i < 5 && !stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return layout;
}

std::vector<std::shared_ptr<storage::Drive>> cluster_drives(
    const cluster::Topology& topology, const PoolLayout& layout,
    const storage::ManagedDriveOptions& options, std::shared_ptr<cluster::InternodeClient> client,
    std::vector<std::pair<size_t, std::shared_ptr<storage::ManagedDrive>>>& local) {
  std::vector<std::shared_ptr<storage::Drive>> drives;
  for (size_t i = 0; i < topology.drives.size(); ++i) {
    const auto& d = topology.drives[i];
    const auto& slot = layout.drives[i];
    if (!d.local) {
      drives.push_back(std::make_shared<cluster::RemoteDrive>(client, d.node_url(), d.path));
      continue;
    }
    auto managed = std::make_shared<storage::ManagedDrive>(slot.path, slot.drive_id, options);
    if (slot.reachable && !managed->open_now()) {
      spdlog::error("drive {} could not be opened; it stays offline and is retried", slot.path);
    }
    local.emplace_back(i, managed);
    drives.push_back(std::move(managed));
  }
  return drives;
}

}  // namespace silo::server
