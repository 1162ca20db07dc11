#include "object/set_context.h"

#include <algorithm>

#include "object/local_key_locks.h"

namespace silo::object {

const erasure::Codec& CodecCache::get(uint32_t k, uint32_t m) {
  std::lock_guard lock(mu_);
  auto& slot = codecs_[k * 33 + m];
  if (!slot) slot = std::make_unique<erasure::Codec>(static_cast<int>(k), static_cast<int>(m));
  return *slot;
}

SetContext::SetContext(std::vector<std::shared_ptr<storage::Drive>> drives,
                       ErasureSetOptions options)
    : drives_(std::move(drives)),
      options_(options),
      locks_(options_.key_locks ? options_.key_locks : std::make_shared<LocalKeyLocks>()),
      upload_locks_(options_.upload_locks ? options_.upload_locks
                                          : std::make_shared<LocalKeyLocks>()),
      // Drive tasks mostly wait for fsync; more of them in flight means
      // bigger RocksDB write groups (4 drives: 32 threads, +10% 4 KiB PUTs).
      pool_(std::max<size_t>(8, drives_.size() * 8)) {}

size_t SetContext::offline_drives() const {
  return static_cast<size_t>(
      std::count_if(drives_.begin(), drives_.end(), [](auto& d) { return !d->online(); }));
}

void SetContext::report_damage(std::string_view bucket, std::string_view key) const {
  if (on_damage_) on_damage_(std::string(bucket), std::string(key));
}

}  // namespace silo::object
