#include "cluster/endpoints.h"

#include <set>

#include "common/strings.h"

namespace silo::cluster {

Result<std::vector<std::string>> expand_ellipses(std::string_view arg) {
  auto open = arg.find('{');
  if (open == std::string_view::npos) return std::vector<std::string>{std::string(arg)};
  auto close = arg.find('}', open);
  auto dots = arg.find("...", open);
  if (close == std::string_view::npos || dots == std::string_view::npos || dots > close) {
    return fail(ErrorCode::kInvalidArgument,
                "bad range in '" + std::string(arg) + "': write it like /data{1...4}");
  }
  std::string_view lo = arg.substr(open + 1, dots - open - 1);
  std::string_view hi = arg.substr(dots + 3, close - dots - 3);
  auto a = parse_u64(lo), b = parse_u64(hi);
  if (!a || !b || *a > *b || *b - *a > 1024) {
    return fail(ErrorCode::kInvalidArgument,
                "bad range {" + std::string(lo) + "..." + std::string(hi) + "} in '" +
                    std::string(arg) + "'");
  }
  size_t width = lo.size() > 1 && lo.front() == '0' ? lo.size() : 0;
  auto rest = expand_ellipses(arg.substr(close + 1));
  if (!rest) return rest;
  std::vector<std::string> out;
  for (uint64_t i = *a; i <= *b; ++i) {
    std::string n = std::to_string(i);
    if (n.size() < width) n.insert(0, width - n.size(), '0');
    for (const auto& tail : *rest) {
      out.push_back(std::string(arg.substr(0, open)) + n + tail);
    }
  }
  return out;
}

Result<std::vector<std::string>> expand_all(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& arg : args) {
    auto expanded = expand_ellipses(arg);
    if (!expanded) return expanded;
    for (auto& d : *expanded) {
      if (!seen.insert(d).second) {
        return fail(ErrorCode::kInvalidArgument, "drive '" + d + "' is given twice");
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

Result<size_t> choose_set_size(size_t drives) {
  if (drives == 0) return fail(ErrorCode::kInvalidArgument, "no drives given");
  if (drives == 1) return size_t{1};
  for (size_t size = 16; size >= 2; --size) {
    if (drives % size == 0) return size;
  }
  return fail(ErrorCode::kInvalidArgument,
              std::to_string(drives) +
                  " drives cannot be split into equal erasure sets of 2 to 16 drives; "
                  "use a count such as 4, 8, 12 or 16");
}

int default_parity(size_t set_size) {
  if (set_size <= 1) return 0;
  if (set_size <= 3) return 1;
  if (set_size <= 5) return 2;
  if (set_size <= 7) return 3;
  return 4;
}

Result<int> parse_parity(std::string_view value, size_t set_size) {
  value = trim(value);
  if (!value.starts_with("EC:")) {
    return fail(ErrorCode::kInvalidArgument, "storage class must look like EC:2, not '" +
                                                 std::string(value) + "'");
  }
  auto n = parse_u64(value.substr(3));
  if (!n || *n > set_size / 2) {
    return fail(ErrorCode::kInvalidArgument,
                "parity " + std::string(value) + " is not possible with erasure sets of " +
                    std::to_string(set_size) + " drives (at most EC:" +
                    std::to_string(set_size / 2) + ")");
  }
  return static_cast<int>(*n);
}

}  // namespace silo::cluster
