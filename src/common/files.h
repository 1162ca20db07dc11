// Small whole-file reads (policies, configuration, certificates): what
// several commands and the server read before they parse.
#pragma once

#include <optional>
#include <string>

namespace silo {

// The contents of the file at `path`; nullopt when it cannot be opened or read.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace silo
