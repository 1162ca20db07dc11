// The deployment as the `silo server` arguments describe it: which drives
// exist, which node owns each, which of them are this node's, and how they
// form erasure sets. Every node runs the same arguments and so computes the
// same topology; each recognizes its own drives by the host and port of its
// --address.
//
// An argument is plain folders (`/mnt/d{1...4}`: one node, this one) or
// endpoints (`http://10.0.0.{1...4}:9000/srv/disk{1...2}`), possibly a
// comma-separated list of them (several nodes on one machine). Folders and
// endpoints do not mix. In a distributed deployment the drives are
// interleaved by node before they are cut into erasure sets (the first drive
// of every node, then the second, ...), so a set spreads over the nodes and
// losing one node costs each set at most its parity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace silo::cluster {

struct DriveEndpoint {
  std::string node;  // "host:port" of the node that owns it; empty for a plain folder
  std::string path;  // the folder on that node
  bool local = true;
  // What the user wrote, after expansion: the folder, or http://host:port/path.
  std::string display() const { return node.empty() ? path : "http://" + node + path; }
};

struct Topology {
  // In erasure-set order: set s is drives[s*set_size, (s+1)*set_size).
  std::vector<DriveEndpoint> drives;
  size_t set_size = 1;
  // Nodes in order of first appearance on the command line; empty when the
  // arguments are plain folders.
  std::vector<std::string> nodes;
  // This node's "host:port" (empty for plain folders).
  std::string self;

  // The most drives of one erasure set that a single node holds: what
  // losing that node costs the set.
  size_t max_per_node = 1;

  bool distributed() const { return !nodes.empty(); }
  // The node that formats a new deployment: the owner of the first drive
  // given on the command line, so every node agrees on it.
  const std::string& first_node() const { return nodes.front(); }
  size_t local_count() const;
};

// Parses the drive arguments of `silo server`. `own_host`/`own_port` are
// those of --address; an endpoint is this node's when its port is
// `own_port` and its host is `own_host` (or, when --address names no host,
// a name of this machine: localhost, 127.0.0.1 or its host name).
// Fails, saying what to change, on malformed endpoints, duplicates, mixed
// folders and endpoints, counts that cannot form equal sets, or a topology
// in which this node owns no drive.
Result<Topology> parse_topology(const std::vector<std::string>& args, const std::string& own_host,
                                uint16_t own_port);

}  // namespace silo::cluster
