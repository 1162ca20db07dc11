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

#include <string>
#include <vector>

#include "common/error.h"

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
Result<PoolLayout> prepare_drives(const std::vector<std::string>& paths, size_t set_size,
                                  size_t read_quorum);

// Formats the existing, empty folder of drive `index` as a replacement of the
// drive that was there (same drive id). False when it is not empty or the
// format cannot be written.
bool format_replacement(const PoolLayout& layout, size_t index);

}  // namespace silo::server
