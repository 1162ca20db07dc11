// Logging goes through spdlog; this sets it up once for the process.
// Secrets (secret keys, signatures, Authorization headers) are never logged.
#pragma once

#include <spdlog/spdlog.h>

namespace silo {

// Configures the default logger: stderr, "[time] [level] message".
void init_logging(bool debug);

}  // namespace silo
