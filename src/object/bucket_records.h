// BucketRecords: the bucket records of one erasure set. Every drive keeps
// each bucket's record whole, so a change needs a majority of the drives
// and an answer is believed from half of them (any two such groups overlap).
// Thread-safe; every method may block on disk.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "object/object_layer.h"
#include "object/set_context.h"

namespace silo::object {

class BucketRecords {
 public:
  explicit BucketRecords(SetContext& set) : set_(set) {}

  Status make(std::string_view bucket, const BucketOptions& options);
  Result<BucketInfo> head(std::string_view bucket);
  Result<std::vector<BucketInfo>> list();
  // Removes the record from the drives. The caller has checked that no
  // object or upload is listed; a drive that still holds one refuses.
  Status remove(std::string_view bucket);
  // Fails with the error the drives agree on, or NoSuchBucket when most lack it.
  Status check(std::string_view bucket);
  // Creates the bucket on drives that miss it; returns how many were fixed.
  Result<size_t> heal(std::string_view bucket);

  // The bucket's quota in bytes (nullopt: none), the value most drives
  // hold: a change that missed a drive or two counts once it is on most.
  Result<std::optional<uint64_t>> quota(std::string_view bucket);
  // Sets (or with nullopt clears) the quota on a majority of the drives.
  Status set_quota(std::string_view bucket, std::optional<uint64_t> bytes);
  // What the bucket holds in this set: the largest count an online drive
  // keeps (a drive that missed writes counts less, never more).
  Result<storage::BucketUsage> usage(std::string_view bucket);

 private:
  // With `enough`, answers from memory that already reach a quorum of
  // "exists" decide without asking the other drives.
  Result<BucketInfo> head(std::string_view bucket, bool enough);

  SetContext& set_;
};

}  // namespace silo::object
