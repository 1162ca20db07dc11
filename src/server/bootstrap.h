// Bringing a pool of drives up at start: formats new drives, checks that
// formatted drives belong to this deployment and sit where the layout says,
// and recognizes replaced (empty) drives so they can be healed.
//
// Only a new deployment (no drive formatted yet) creates drive folders. Once
// one drive is formatted, a folder that does not exist is an offline drive:
// it is never created nor formatted (it may be an unmounted disk, whose
// mount point must not fill the root file system), and the server runs
// without it while every erasure set keeps its read quorum. An existing
// folder without format.json is a replaced drive: formatted, then healed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/topology.h"
#include "common/error.h"
#include "storage/format.h"

namespace silo::server {

struct DriveSlot {
  std::string path;
  std::string drive_id;
  bool replaced = false;   // was empty while others were formatted: needs a full heal
  bool reachable = true;   // its folder could be read at start
  bool missing = false;    // its folder does not exist (an offline drive; never created)
};

struct PoolLayout {
  std::string deployment_id;
  size_t set_size = 1;
  std::vector<DriveSlot> drives;  // in command-line order; set s = drives[s*size, (s+1)*size)
};

// Fails with a message naming the drive and what to do when a drive is
// foreign, out of place, or the command line disagrees with the layout; and,
// naming the drives that are missing, empty or unreadable, when an erasure
// set has fewer formatted drives than `read_quorum` (nothing is formatted
// then, so the drives can still come back).
// `deployment_id` is the deployment's when another pool already has it: a
// new pool is formatted with it, and a formatted pool must carry it. Empty
// for the first pool (a new deployment gets a new id).
Result<PoolLayout> prepare_drives(const std::vector<std::string>& paths, size_t set_size,
                                  size_t read_quorum, const std::string& deployment_id = {});

// Formats the existing, empty folder of drive `index` as a replacement of the
// drive that was there (same drive id). False when it is not empty or the
// format cannot be written.
bool format_replacement(const PoolLayout& layout, size_t index);

// ---- Distributed deployments

// What bootstrap can learn of one drive of a distributed deployment.
struct DriveState {
  enum class Kind {
    kFormatted,    // format.json read: `format`
    kEmpty,        // the folder exists and holds no format.json
    kMissing,      // the folder does not exist
    kUnreadable,   // the folder or its format.json cannot be read: `why`
    kUnreachable,  // its node does not answer (yet): `why`
  };
  Kind kind = Kind::kUnreachable;
  std::optional<storage::Format> format;
  std::string why;
};

// Reads and writes one drive's format, on this node or through its node.
struct FormatAccess {
  std::function<DriveState()> read;
  // Writes format.json into the existing, empty folder.
  std::function<Status(const storage::Format&)> write;
  // Creates the missing folder (set for this node's drives only: each node
  // creates its own).
  std::function<Status()> create;
};

// The local implementation of FormatAccess for a folder on this node.
FormatAccess local_format_access(const std::string& path);

// One round of bringing a distributed pool up, from every drive's state:
//  - a deployment with formatted drives: the layout most of them carry;
//    this node formats its own empty drives as replacements; drives of nodes
//    that do not answer are offline (reachable = false). Waits while a set
//    has fewer formatted drives than `read_quorum` (nodes still starting).
//  - a new deployment (no drive formatted): once every drive answers, each
//    node creates its missing folders, and once every folder exists the
//    first node (Topology::first_node) formats every drive; the others wait
//    until they find their drives formatted.
// Fails on what waiting cannot fix (a foreign drive, drives out of place, a
// command line that disagrees with format.json); a wait is kServiceUnavailable
// with the reason in its message.
// `deployment_id` as for prepare_drives.
Result<PoolLayout> prepare_cluster(const cluster::Topology& topology,
                                   std::vector<FormatAccess>& drives, size_t read_quorum,
                                   const std::string& deployment_id = {});

}  // namespace silo::server
