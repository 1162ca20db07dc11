#include "cluster/topology.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "cluster/endpoints.h"
#include "common/strings.h"

namespace silo::cluster {

namespace {

struct Parsed {
  std::string scheme;
  std::string host;
  uint16_t port = 0;
  std::string path;
};

// "http(s)://host:port/path" (IPv6 hosts in brackets). The port is required:
// every node of a deployment must agree on where each drive lives.
Result<Parsed> parse_endpoint(const std::string& url) {
  auto bad = [&](std::string why) {
    return fail(ErrorCode::kInvalidArgument,
                "bad endpoint '" + url + "': " + why +
                    "; write endpoints like http://10.0.0.1:9000/srv/disk1 (https:// with "
                    "--certs-dir)");
  };
  Parsed p;
  std::string_view rest;
  for (std::string_view scheme : {"http", "https"}) {
    std::string prefix = std::string(scheme) + "://";
    if (std::string_view(url).starts_with(prefix)) {
      p.scheme = scheme;
      rest = std::string_view(url).substr(prefix.size());
    }
  }
  if (p.scheme.empty()) return bad("it must start with http:// or https://");
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 >= rest.size()) return bad("no drive folder");
  std::string_view authority = rest.substr(0, slash);
  p.path = std::string(rest.substr(slash));
  size_t colon;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed [");
    p.host = std::string(authority.substr(0, close + 1));
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1
                                                                         : std::string_view::npos;
  } else {
    colon = authority.rfind(':');
    p.host = std::string(authority.substr(0, colon));
  }
  if (colon == std::string_view::npos) return bad("no port");
  auto port = parse_u64(authority.substr(colon + 1));
  if (!port || *port == 0 || *port > 65535) return bad("bad port");
  if (p.host.empty()) return bad("no host");
  p.port = static_cast<uint16_t>(*port);
  if (p.path.find("/../") != std::string::npos || p.path.ends_with("/..")) {
    return bad("'..' in the folder");
  }
  while (p.path.size() > 1 && p.path.back() == '/') p.path.pop_back();
  return p;
}

std::string machine_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

bool is_self(const Parsed& e, const std::string& own_host, uint16_t own_port) {
  if (e.port != own_port) return false;
  if (!own_host.empty() && own_host != "0.0.0.0" && own_host != "::") return e.host == own_host;
  static const std::string host_name = machine_name();
  return e.host == "localhost" || e.host == "127.0.0.1" || e.host == "[::1]" ||
         (!host_name.empty() && e.host == host_name);
}

}  // namespace

size_t Topology::local_count() const {
  return static_cast<size_t>(
      std::count_if(drives.begin(), drives.end(), [](const auto& d) { return d.local; }));
}

Result<Topology> parse_topology(const std::vector<std::string>& args, const std::string& own_host,
                                uint16_t own_port, bool may_be_foreign) {
  std::vector<std::string> pieces;
  for (const auto& arg : args) {
    // A comma-separated list of endpoints is one argument (one pool);
    // commas are not split inside {a...b} ranges, which have none.
    size_t start = 0;
    while (true) {
      auto comma = arg.find(',', start);
      std::string piece = arg.substr(start, comma - start);
      if (!piece.empty()) pieces.push_back(std::move(piece));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  auto expanded = expand_all(pieces);
  if (!expanded) return std::unexpected(expanded.error());
  Topology t;
  for (const auto& arg : args) t.spec += (t.spec.empty() ? "" : " ") + arg;
  size_t urls = 0;
  for (const auto& e : *expanded) urls += e.find("://") != std::string::npos ? 1 : 0;
  if (urls == 0) {
    for (const auto& path : *expanded) t.drives.push_back({"", path, true});
    auto size = choose_set_size(t.drives.size());
    if (!size) return std::unexpected(size.error());
    t.set_size = *size;
    return t;
  }
  if (urls != expanded->size()) {
    return fail(ErrorCode::kInvalidArgument,
                "drives mix plain folders and http:// endpoints; in a distributed deployment "
                "give every drive as http://host:port/folder");
  }
  // Drives per node in command-line order, nodes in order of appearance.
  std::map<std::string, std::vector<DriveEndpoint>> by_node;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& url : *expanded) {
    auto p = parse_endpoint(url);
    if (!p) return std::unexpected(p.error());
    if (&url == &expanded->front()) {
      t.scheme = p->scheme;
    } else if (p->scheme != t.scheme) {
      return fail(ErrorCode::kInvalidArgument,
                  "endpoints mix http:// and https://; every node serves the same way (https:// "
                  "when every node runs with --certs-dir)");
    }
    std::string node = p->host + ":" + std::to_string(p->port);
    if (!seen.insert({node, p->path}).second) {
      return fail(ErrorCode::kInvalidArgument, "drive '" + url + "' is given twice");
    }
    if (!by_node.contains(node)) t.nodes.push_back(node);
    bool local = is_self(*p, own_host, own_port);
    if (local) t.self = node;
    by_node[node].push_back({node, p->path, local, p->scheme});
  }
  if (t.self.empty() && !may_be_foreign) {
    return fail(ErrorCode::kInvalidArgument,
                "none of the endpoints is this node (--address " + own_host + ":" +
                    std::to_string(own_port) +
                    "); give every node the same endpoints and each its own --address");
  }
  for (const auto& node : t.nodes) {
    if (by_node[node].size() != by_node[t.nodes.front()].size()) {
      return fail(ErrorCode::kInvalidArgument,
                  "node " + node + " has " + std::to_string(by_node[node].size()) +
                      " drives but " + t.first_node() + " has " +
                      std::to_string(by_node[t.first_node()].size()) +
                      "; give every node the same number of drives");
    }
  }
  auto size = choose_set_size(expanded->size());
  if (!size) return std::unexpected(size.error());
  t.set_size = *size;
  // Interleaved: drive 1 of every node, then drive 2 of every node, ...
  size_t per_node = by_node[t.first_node()].size();
  for (size_t d = 0; d < per_node; ++d) {
    for (const auto& node : t.nodes) t.drives.push_back(by_node[node][d]);
  }
  t.max_per_node = 0;
  for (size_t s = 0; s < t.drives.size() / t.set_size; ++s) {
    std::map<std::string, size_t> count;
    for (size_t i = s * t.set_size; i < (s + 1) * t.set_size; ++i) {
      t.max_per_node = std::max(t.max_per_node, ++count[t.drives[i].node]);
    }
  }
  return t;
}

Topology Deployment::all_drives() const {
  Topology all;
  all.nodes = nodes;
  all.self = self;
  all.scheme = scheme;
  for (const auto& p : pools) all.drives.insert(all.drives.end(), p.drives.begin(), p.drives.end());
  return all;
}

Result<Deployment> parse_deployment(const std::vector<std::string>& args,
                                    const std::string& own_host, uint16_t own_port) {
  auto grouped = [](const std::string& a) {
    return a.find("...") != std::string::npos || a.find(',') != std::string::npos;
  };
  size_t groups = static_cast<size_t>(std::count_if(args.begin(), args.end(), grouped));
  std::vector<std::vector<std::string>> pool_args;
  if (args.size() > 1 && groups == args.size()) {
    for (const auto& a : args) pool_args.push_back({a});
  } else if (groups > 0 && args.size() > 1) {
    return fail(ErrorCode::kInvalidArgument,
                "some drive arguments use {a...b} ranges or comma lists and some do not; give "
                "every pool as one argument with ranges (e.g. /srv/pool1/d{1...4} "
                "/srv/pool2/d{1...4}), or every drive as its own argument (one pool)");
  } else {
    pool_args.push_back(args);
  }
  Deployment d;
  std::set<std::string> seen_nodes;
  std::set<std::string> seen_drives;
  for (size_t p = 0; p < pool_args.size(); ++p) {
    auto t = parse_topology(pool_args[p], own_host, own_port, pool_args.size() > 1);
    if (!t) {
      if (pool_args.size() == 1) return std::unexpected(t.error());
      return fail(t.error().code, "pool " + std::to_string(p + 1) + " (" + pool_args[p][0] +
                                      "): " + std::string(t.error().text()));
    }
    if (p > 0 && t->distributed() != d.pools[0].distributed()) {
      return fail(ErrorCode::kInvalidArgument,
                  "pools mix plain folders and http:// endpoints; give every pool the same kind");
    }
    if (p > 0 && t->scheme != d.pools[0].scheme) {
      return fail(ErrorCode::kInvalidArgument,
                  "pools mix http:// and https:// endpoints; every node serves the same way");
    }
    d.scheme = t->scheme;
    for (const auto& drive : t->drives) {
      if (!seen_drives.insert(drive.display()).second) {
        return fail(ErrorCode::kInvalidArgument,
                    "drive '" + drive.display() + "' is in more than one pool");
      }
    }
    for (const auto& n : t->nodes) {
      if (seen_nodes.insert(n).second) d.nodes.push_back(n);
    }
    if (!t->self.empty()) d.self = t->self;
    d.pools.push_back(std::move(*t));
  }
  if (d.distributed() && d.self.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "none of the endpoints is this node (--address " + own_host + ":" +
                    std::to_string(own_port) +
                    "); give every node the same endpoints and each its own --address");
  }
  return d;
}

}  // namespace silo::cluster
