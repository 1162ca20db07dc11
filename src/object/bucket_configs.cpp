#include "object/bucket_configs.h"

namespace silo::object {

namespace {
// How long configurations read from the bucket records are trusted when no
// change notice arrives (a notice that another node could not deliver).
constexpr auto kConfigTtl = std::chrono::seconds(2);

std::optional<std::string> lookup(const storage::KeyValues& configs, std::string_view name) {
  for (const auto& [k, v] : configs) {
    if (k == name) return v;
  }
  return std::nullopt;
}
}  // namespace

Result<std::optional<std::string>> BucketConfigs::get(std::string_view bucket,
                                                      std::string_view name) {
  auto found = get_all(bucket, {name});
  if (!found) return std::unexpected(found.error());
  return std::move(found->front());
}

Result<std::vector<std::optional<std::string>>> BucketConfigs::get_all(
    std::string_view bucket, std::initializer_list<std::string_view> names) {
  auto pick = [&](const storage::KeyValues& configs) {
    std::vector<std::optional<std::string>> out;
    out.reserve(names.size());
    for (auto name : names) out.push_back(lookup(configs, name));
    return out;
  };
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(bucket);
    if (it != entries_.end() && now - it->second.read_at < kConfigTtl) {
      return pick(it->second.configs);
    }
  }
  // The first set decides, as it decides whether the bucket exists.
  auto configs = sets_.front()->bucket_configs(bucket);
  if (!configs) return std::unexpected(configs.error());
  auto found = pick(*configs);
  std::lock_guard lock(mu_);
  entries_[std::string(bucket)] = Entry{std::move(*configs), now};
  return found;
}

Status BucketConfigs::set(std::string_view bucket, std::string_view name,
                          std::optional<std::string_view> document) {
  forget(bucket);
  for (ErasureSet* set : sets_) {
    if (auto s = set->set_bucket_config(bucket, name, document); !s) return s;
  }
  return {};
}

void BucketConfigs::forget(std::string_view bucket) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(bucket); it != entries_.end()) entries_.erase(it);
}

}  // namespace silo::object
