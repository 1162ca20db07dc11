// Bucket configurations: the S3 settings of a bucket that Silo keeps as
// documents by name ("tagging", "policy", later "versioning", "lifecycle",
// "cors", ...), in the bucket's record on every drive of every set
// (storage::BucketRecord::configs), written with the metadata write quorum.
// What a document holds is up to the S3 layer that sets it; here it is an
// opaque string.
//
// Every request may need one (a bucket policy is read for each anonymous
// request), so they are remembered: for a few seconds, and dropped at once
// when this node changes them or another node says it did (forget(), through
// Pools::forget_bucket).
//
// Thread-safe; get() and set() may block on disk.
#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object/erasure_set.h"

namespace silo::object {

class BucketConfigs {
 public:
  explicit BucketConfigs(std::vector<ErasureSet*> sets) : sets_(std::move(sets)) {}

  // Configuration `name` of `bucket`: nullopt when it is not set;
  // NoSuchBucket when the bucket does not exist.
  Result<std::optional<std::string>> get(std::string_view bucket, std::string_view name);
  // Several of them at once (one lookup), in the order of `names`.
  Result<std::vector<std::optional<std::string>>> get_all(
      std::string_view bucket, std::initializer_list<std::string_view> names);
  // Sets `name` to `document` (nullopt: removes it) on every set.
  // REQUIRES: the caller serializes the changes of one bucket's settings.
  Status set(std::string_view bucket, std::string_view name,
             std::optional<std::string_view> document);
  // What this node remembers of `bucket` is stale.
  void forget(std::string_view bucket);

 private:
  struct Entry {
    storage::KeyValues configs;
    std::chrono::steady_clock::time_point read_at;
  };
  std::vector<ErasureSet*> sets_;
  std::mutex mu_;  // guards entries_
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace silo::object
