// ObjectWrites: the write path of one erasure set.
//
// A writer encodes the body stripe by stripe (1 MiB stripes, k data and m
// parity shards by placement.h) onto every drive's staged file in
// parallel, dropping a drive that fails while the write quorum (k, k+1 when
// k == m) remains; small objects stay in memory and are stored inside their
// records. Its commit takes the key's namespace lock, checks the write
// preconditions, commits the record on every drive keeping the replaced
// version aside, and has Settlement finish or take back the change by write
// quorum. A drive that lacks the bucket (its create missed the drive) gets
// it from the set's record and its commit is tried once more. Deletes go
// the same two steps.
// Thread-safe; every method may block on disk. A writer serves one caller.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "object/bucket_records.h"
#include "object/object_layer.h"
#include "object/object_reads.h"
#include "object/set_context.h"
#include "object/settlement.h"

namespace silo::object {

class ObjectWrites {
 public:
  ObjectWrites(SetContext& set, BucketRecords& buckets, ObjectReads& reads,
               Settlement& settlement)
      : set_(set), buckets_(buckets), reads_(reads), settlement_(settlement) {}

  // A writer of a whole object. REQUIRES: the bucket exists (checked by the caller).
  std::unique_ptr<ObjectWriter> begin_put(std::string_view bucket, std::string_view key,
                                          PutOptions options);
  // A writer of part `part_number` of `upload`, erasure-coded with the
  // upload's layout into its data folder.
  std::unique_ptr<ObjectWriter> begin_part(storage::UploadRecord upload, uint32_t part_number);
  Status delete_object(std::string_view bucket, std::string_view key,
                       const WritePreconditions& pre = {});
  // ObjectLayer::delete_versioned.
  Result<DeleteResult> delete_versioned(std::string_view bucket, std::string_view key,
                                        const DeleteOptions& options);
  // Removes version `version_id` ("": null) of bucket/key for good.
  // AccessDenied while its lock keeps it (object/object_lock.h).
  Result<DeleteResult> delete_version(std::string_view bucket, std::string_view key,
                                      std::string_view version_id, bool bypass_governance);
  // Changes the metadata of the current version in place (see
  // ObjectLayer::update_object_meta) on the drives that hold it.
  Result<ObjectInfo> update_meta(std::string_view bucket, std::string_view key,
                                 const MetaEdit& edit, const std::string* version_id = nullptr);
  // Fails with PreconditionFailed (or NoSuchKey for If-Match) when `pre`
  // does not hold for the current version of bucket/key.
  // REQUIRES: the caller holds the key's namespace lock.
  Status check_preconditions(std::string_view bucket, std::string_view key,
                             const WritePreconditions& pre);
  // Gives `bucket` to the drives whose `results` say they lack it while
  // most of the set has it. True when any got it: their step may be retried.
  bool restore_bucket(std::string_view bucket, const std::vector<Status>& results);

 private:
  SetContext& set_;
  BucketRecords& buckets_;
  ObjectReads& reads_;
  Settlement& settlement_;
};

}  // namespace silo::object
