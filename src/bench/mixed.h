// The mixed workload's distribution as `silo bench mixed --mixed`
// takes it ("45:30:15:10"). Pure function, no state.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace silo::bench {

// Shares of GET:STAT:PUT:DELETE in the mixed workload ("45:30:15:10", in
// warp's order). Any non-negative integers with a positive sum.
using MixedShares = std::array<unsigned, 4>;
std::optional<MixedShares> parse_mixed(std::string_view text);

}  // namespace silo::bench
