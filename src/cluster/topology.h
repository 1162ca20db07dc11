// The deployment as the `silo server` arguments describe it: which drives
// exist, which node owns each, which of them are this node's, and how they
// form erasure sets. Every node runs the same arguments and so computes the
// same topology; each recognizes its own drives by the host and port of its
// --address.
//
// An argument is plain folders (`/mnt/d{1...4}`: one node, this one) or
// endpoints (`http://10.0.0.{1...4}:9000/srv/disk{1...2}`), possibly a
// comma-separated list of them (several nodes on one machine). Folders and
// endpoints do not mix. Endpoints are all http:// or all https:// (nodes
// that serve TLS, `silo server --certs-dir`): the scheme is how nodes call
// each other. In a distributed deployment the drives are
// interleaved by node before they are cut into erasure sets (the first drive
// of every node, then the second, ...), so a set spreads over the nodes and
// losing one node costs each set at most its parity.
//
// Pools: a deployment grows by pools, each its own arguments' erasure sets.
// When every argument holds a {a...b} range or a comma-separated list, each
// argument is one pool (`silo server /a/d{1...4} /b/d{1...4}`: two pools);
// arguments without either are together one pool (`silo server /d1 /d2`).
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
  std::string scheme = "http";  // of the node: "http" or "https"
  // What the user wrote, after expansion: the folder, or http(s)://host:port/path.
  std::string display() const { return node.empty() ? path : node_url() + path; }
  // scheme://host:port of its node: where calls to the drive go.
  std::string node_url() const { return scheme + "://" + node; }
};

// One pool.
struct Topology {
  // The argument it came from (for plain folders without ranges, all of
  // them, space-separated): how a pool is named to the user.
  std::string spec;
  // In erasure-set order: set s is drives[s*set_size, (s+1)*set_size).
  std::vector<DriveEndpoint> drives;
  size_t set_size = 1;
  // Nodes in order of first appearance on the command line; empty when the
  // arguments are plain folders.
  std::vector<std::string> nodes;
  // This node's "host:port" (empty for plain folders, and in a pool where
  // this node owns no drive).
  std::string self;

  // The most drives of one erasure set that a single node holds: what
  // losing that node costs the set.
  size_t max_per_node = 1;
  // Every endpoint's scheme, "http" or "https" ("http" for plain folders).
  std::string scheme = "http";

  bool distributed() const { return !nodes.empty(); }
  // scheme://host:port of one of `nodes`.
  std::string url(const std::string& node) const { return scheme + "://" + node; }
  // The node that formats a new deployment: the owner of the first drive
  // given on the command line, so every node agrees on it.
  const std::string& first_node() const { return nodes.front(); }
  size_t local_count() const;
};

// A whole deployment: its pools, in command-line order.
struct Deployment {
  std::vector<Topology> pools;
  // Every node of every pool, in order of first appearance.
  std::vector<std::string> nodes;
  std::string self;
  std::string scheme = "http";  // every pool's
  bool distributed() const { return !nodes.empty(); }
  std::string url(const std::string& node) const { return scheme + "://" + node; }
  // Every pool's drives in one list (pool by pool), as one Topology.
  Topology all_drives() const;
};

// Parses the drive arguments of `silo server` into pools (see above), each
// as parse_topology does; this node must own a drive in at least one pool.
Result<Deployment> parse_deployment(const std::vector<std::string>& args,
                                    const std::string& own_host, uint16_t own_port);

// Parses the drive arguments of one pool. `own_host`/`own_port` are
// those of --address; an endpoint is this node's when its port is
// `own_port` and its host is `own_host` (or, when --address names no host,
// a name of this machine: localhost, 127.0.0.1 or its host name).
// Fails, saying what to change, on malformed endpoints, duplicates, mixed
// folders and endpoints, counts that cannot form equal sets, or a topology
// in which this node owns no drive (unless `may_be_foreign`: a pool of
// other nodes).
Result<Topology> parse_topology(const std::vector<std::string>& args, const std::string& own_host,
                                uint16_t own_port, bool may_be_foreign = false);

}  // namespace silo::cluster
