#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace silo {

void init_logging(bool debug) {
  auto logger = spdlog::stderr_color_mt("silo");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace silo
