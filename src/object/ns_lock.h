// Namespace locks serialize the commit of writes to one (bucket, key), so
// that preconditions (If-Match, If-None-Match) are checked atomically with
// the commit. This local implementation stripes a fixed set of mutexes; a
// distributed implementation will take the same lock on a majority of nodes.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <string_view>

namespace silo::object {

class NamespaceLocks {
 public:
  class Guard {
   public:
    explicit Guard(std::mutex& m) : lock_(m) {}

   private:
    std::unique_lock<std::mutex> lock_;
  };

  // Blocks until the write lock of (bucket, key) is held; released with the Guard.
  Guard lock(std::string_view bucket, std::string_view key) {
    size_t h = std::hash<std::string_view>{}(bucket) * 31 + std::hash<std::string_view>{}(key);
    return Guard(stripes_[h % stripes_.size()]);
  }

 private:
  std::array<std::mutex, 1024> stripes_;
};

}  // namespace silo::object
