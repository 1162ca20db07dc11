// Bringing a pool of drives up at start: formats new drives, checks that
// formatted drives belong to this deployment and sit where the layout says,
// and recognizes replaced (empty) drives so they can be healed.
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
};

struct PoolLayout {
  std::string deployment_id;
  size_t set_size = 1;
  std::vector<DriveSlot> drives;  // in command-line order; set s = drives[s*size, (s+1)*size)
};

// Fails with a message naming the drive and what to do when a drive is
// foreign, out of place, or the command line disagrees with the layout.
Result<PoolLayout> prepare_drives(const std::vector<std::string>& paths, size_t set_size);

}  // namespace silo::server
