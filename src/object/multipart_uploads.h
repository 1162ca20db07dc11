// MultipartUploads: multipart uploads on one erasure set. An upload fixes
// its erasure layout when it is created and its record is kept on every
// drive; every part is erasure-coded with that layout into the upload's
// data folder (through ObjectWrites), and completion commits one record per
// drive, settled by write quorum like any other change to the key.
// Thread-safe; every method may block on disk.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "object/bucket_records.h"
#include "object/object_layer.h"
#include "object/object_writes.h"
#include "object/set_context.h"
#include "object/settlement.h"

namespace silo::object {

class MultipartUploads {
 public:
  MultipartUploads(SetContext& set, BucketRecords& buckets, ObjectWrites& writes,
                   Settlement& settlement)
      : set_(set), buckets_(buckets), writes_(writes), settlement_(settlement) {}

  Result<UploadInfo> create(std::string_view bucket, std::string_view key, PutOptions options,
                            std::string checksum_algorithm, std::string checksum_type);
  Result<UploadInfo> get(std::string_view bucket, std::string_view key,
                         std::string_view upload_id);
  Result<std::unique_ptr<ObjectWriter>> begin_part(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id,
                                                   uint32_t part_number);
  Result<PartListing> list_parts(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id, uint32_t marker, size_t max_parts);
  Result<ObjectInfo> complete(std::string_view bucket, std::string_view key,
                              std::string_view upload_id, const std::vector<CompletePart>& parts,
                              const CompleteOptions& options);
  Status abort(std::string_view bucket, std::string_view key, std::string_view upload_id);
  Result<UploadListing> list(std::string_view bucket, const UploadListParams& params);
  // Aborts the uploads started before `older_than_ns`; returns how many.
  Result<size_t> cleanup(int64_t older_than_ns);

 private:
  // Every drive's parts of `upload` numbered above `after` (at most `limit`).
  std::vector<Result<std::vector<storage::PartRecord>>> read_parts(
      const storage::UploadRecord& upload, uint32_t after, size_t limit);
  // Cursors over the uploads of `bucket` on every online drive that answers
  // within the drive timeout; they read within one more.
  std::vector<std::unique_ptr<storage::UploadCursor>> scan_uploads(std::string_view bucket);
  // For a completion repeated after it succeeded (AWS answers it as it
  // answered the first): the key's current version when the upload made it,
  // on at least its read quorum of drives.
  std::optional<ObjectInfo> completed_earlier(std::string_view bucket, std::string_view key,
                                              std::string_view upload_id);
  // The upload record at least its read quorum of drives agree on.
  Result<storage::UploadRecord> read_upload_quorum(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id);

  SetContext& set_;
  BucketRecords& buckets_;
  ObjectWrites& writes_;
  Settlement& settlement_;
};

}  // namespace silo::object
