// BucketRecords: the bucket records of one erasure set. Every drive keeps
// each bucket's record whole, so a change needs a majority of the drives
// and an answer is believed from half of them (any two such groups overlap).
// Thread-safe; every method may block on disk.
#pragma once

#include <cstdint>
#include <functional>
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
  // Creates the bucket on drives that miss it, and gives the agreed settings
  // to drives whose own are stale; returns how many were fixed.
  Result<size_t> heal(std::string_view bucket);

  // The bucket's quota in bytes (nullopt: none), the value most drives
  // hold: a change that missed a drive or two counts once it is on most.
  Result<std::optional<uint64_t>> quota(std::string_view bucket);
  // Sets (or with nullopt clears) the quota on a majority of the drives.
  // REQUIRES (as for set_config): the caller serializes the changes of a
  // bucket's settings (Pools holds the bucket's pool lock).
  Status set_quota(std::string_view bucket, std::optional<uint64_t> bytes);
  // The bucket's configurations (storage::BucketRecord::configs), each the
  // value most drives hold.
  Result<storage::KeyValues> configs(std::string_view bucket);
  // Sets configuration `name` to `document` (nullopt: removes it) on a
  // majority of the drives.
  Status set_config(std::string_view bucket, std::string_view name,
                    std::optional<std::string_view> document);
  // What the bucket holds in this set: the largest count an online drive
  // keeps (a drive that missed writes counts less, never more).
  Result<storage::BucketUsage> usage(std::string_view bucket);

 private:
  // With `enough`, answers from memory that already reach a quorum of
  // "exists" decide without asking the other drives.
  Result<BucketInfo> head(std::string_view bucket, bool enough);

  // The record as most drives hold it: each setting by vote (a change that
  // missed a drive or two counts once it is on most), the earliest creation.
  Result<storage::BucketRecord> agreed(std::string_view bucket);
  // Writes the agreed record changed by `change` to every drive.
  Status update(std::string_view bucket,
                const std::function<void(storage::BucketRecord&)>& change);

  SetContext& set_;
};

}  // namespace silo::object
