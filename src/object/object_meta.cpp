#include "object/object_meta.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace silo::object {

int64_t meta_stamp(const storage::KeyValues& meta) {
  for (const auto& [name, value] : meta) {
    if (name != kMetaStampMeta) continue;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    return ec == std::errc() && end == value.data() + value.size() ? v : 0;
  }
  return 0;
}

void set_meta_stamp(storage::KeyValues& meta, int64_t stamp_ns) {
  set_meta(meta, kMetaStampMeta, std::to_string(stamp_ns));
}

void set_meta(storage::KeyValues& meta, std::string_view name, std::string_view value) {
  std::erase_if(meta, [&](const auto& kv) { return kv.first == name; });
  if (!value.empty()) meta.emplace_back(std::string(name), std::string(value));
}

bool internal_meta(std::string_view name) {
  return name == kTagsMeta || name.starts_with(kInternalPrefix);
}

}  // namespace silo::object
