#include "auth/request.h"

#include "common/strings.h"

namespace silo::auth {

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [n, v] : headers) {
    if (n != name) continue;
    if (out) {
      out->push_back(',');
    } else {
      out.emplace();
    }
    out->append(v);
  }
  return out;
}

Result<QueryParams> parse_signed_query(std::string_view raw) {
  auto params = silo::parse_query(raw, /*plus_as_space=*/false);
  if (!params) return fail(ErrorCode::kInvalidURI, "Couldn't parse the specified URI.");
  return std::move(*params);
}

const std::string* find_param(const QueryParams& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace silo::auth
