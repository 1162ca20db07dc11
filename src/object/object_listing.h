// ObjectListing: the object listing of one erasure set. The cursors of
// every online drive are merged in key order and each key is listed with
// the version a GET would read (the one most drives agree on among those
// held by at least k drives, quorum.h), which hides remnants of failed
// writes. With ListParams::include_unreadable (healing) every key any drive
// holds is listed, to be rebuilt or removed.
// Thread-safe; every method may block on disk.
#pragma once

#include <string_view>

#include "object/bucket_records.h"
#include "object/object_layer.h"
#include "object/set_context.h"

namespace silo::object {

class ObjectListing {
 public:
  ObjectListing(SetContext& set, BucketRecords& buckets) : set_(set), buckets_(buckets) {}

  Result<ListResult> list(std::string_view bucket, const ListParams& params);
  // Every version of every key (ListObjectVersions): the drives' version
  // cursors merged by (key, sort token), each version shown when it is
  // readable (as list() shows keys); the first shown of a key is its latest.
  Result<VersionListing> list_versions(std::string_view bucket, const VersionListParams& params);

 private:
  SetContext& set_;
  BucketRecords& buckets_;
};

}  // namespace silo::object
