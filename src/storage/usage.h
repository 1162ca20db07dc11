// What each bucket holds on one drive, counted as it changes: every batch
// that adds, replaces or removes an object record also merges the change
// into the bucket's counter (key `q/<bucket>`), so the counters are exact
// after any crash, never need a listing, and concurrent commits to
// different keys add up (a RocksDB merge, not a read-modify-write).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace rocksdb {
class DB;
class MergeOperator;
class WriteBatch;
}  // namespace rocksdb

namespace silo::storage {

struct BucketUsage {
  int64_t objects = 0;
  int64_t bytes = 0;  // object sizes as clients see them (not shard bytes)
  bool operator==(const BucketUsage&) const = default;
};

std::string usage_key(std::string_view bucket);
// Adds `delta` to the counter of `bucket` within `batch`.
void add_usage(rocksdb::WriteBatch& batch, std::string_view bucket, BucketUsage delta);
// The counter of `bucket` (zero when it has none).
Result<BucketUsage> read_usage(rocksdb::DB& db, std::string_view bucket);
// The merge operator the metadata store must be opened with.
std::shared_ptr<rocksdb::MergeOperator> usage_merge_operator();
// Counts the object records of every bucket once, for a store written
// before the counters existed; later calls find its mark and return.
Status init_usage(rocksdb::DB& db);

}  // namespace silo::storage
