#include "bench/mixed.h"

#include <cstdint>

#include "common/strings.h"

namespace silo::bench {

std::optional<MixedShares> parse_mixed(std::string_view text) {
  MixedShares shares{};
  size_t i = 0;
  uint64_t sum = 0;
  while (true) {
    auto colon = text.find(':');
    auto part = trim(text.substr(0, colon));
    auto n = parse_u64(part);
    if (i >= shares.size() || !n || *n > 1000000) return std::nullopt;
    shares[i++] = static_cast<unsigned>(*n);
    sum += *n;
    if (colon == std::string_view::npos) break;
    text = text.substr(colon + 1);
  }
  if (i != shares.size() || sum == 0) return std::nullopt;
  return shares;
}

}  // namespace silo::bench
