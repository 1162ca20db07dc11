// format.json: the identity of a drive within a deployment. Written once when
// a drive is first formatted and checked at every start, so that a drive
// from another deployment, or drives given in another order, are refused
// instead of being silently mixed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace silo::storage {

struct Format {
  std::string deployment_id;
  std::string drive_id;
  // Drive ids of every erasure set of the pool, in command-line order.
  std::vector<std::vector<std::string>> sets;
};

// nullopt when the drive has no format.json (new or replaced drive).
// Fails when the file exists but is not a Silo format, or cannot be read.
Result<std::optional<Format>> read_format(const std::string& root);
Status write_format(const std::string& root, const Format& format);

}  // namespace silo::storage
