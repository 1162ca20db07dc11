// DriveLayer: the ObjectLayer over a single Drive (no erasure coding).
// Small objects are stored inline in the metadata record; larger ones as one
// bitrot-framed shard file per part.
#pragma once

#include <memory>

#include "object/ns_lock.h"
#include "object/object_layer.h"
#include "storage/drive.h"

namespace silo::object {

struct DriveLayerOptions {
  // Objects up to this size live inside their metadata record.
  size_t inline_threshold = 128 * 1024;
  size_t block_size = 1 << 20;
  // Every part but the last must be at least this large (S3: 5 MiB).
  int64_t min_part_size = 5 << 20;
};

class DriveLayer final : public ObjectLayer {
 public:
  DriveLayer(std::shared_ptr<storage::Drive> drive, DriveLayerOptions options = {});

  Status make_bucket(std::string_view bucket) override;
  Result<BucketInfo> head_bucket(std::string_view bucket) override;
  Result<std::vector<BucketInfo>> list_buckets() override;
  Status delete_bucket(std::string_view bucket) override;

  Result<std::unique_ptr<ObjectWriter>> begin_put(std::string_view bucket, std::string_view key,
                                                  PutOptions options) override;
  Result<ObjectInfo> head_object(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<ObjectReader>> open_object(std::string_view bucket,
                                                    std::string_view key) override;
  Status delete_object(std::string_view bucket, std::string_view key) override;
  Result<ListResult> list_objects(std::string_view bucket, const ListParams& params) override;

  Result<UploadInfo> create_upload(std::string_view bucket, std::string_view key,
                                   PutOptions options, std::string checksum_algorithm,
                                   std::string checksum_type) override;
  Result<UploadInfo> get_upload(std::string_view bucket, std::string_view key,
                                std::string_view upload_id) override;
  Result<std::unique_ptr<ObjectWriter>> begin_part(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id,
                                                   uint32_t part_number) override;
  Result<PartListing> list_parts(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id, uint32_t marker,
                                 size_t max_parts) override;
  Result<ObjectInfo> complete_upload(std::string_view bucket, std::string_view key,
                                     std::string_view upload_id,
                                     const std::vector<CompletePart>& parts,
                                     const WritePreconditions& preconditions) override;
  Status abort_upload(std::string_view bucket, std::string_view key,
                      std::string_view upload_id) override;
  Result<UploadListing> list_uploads(std::string_view bucket,
                                     const UploadListParams& params) override;
  Result<size_t> cleanup_uploads(int64_t older_than_ns) override;

  // Used by the writers this layer hands out.
  storage::Drive& drive() { return *drive_; }
  const DriveLayerOptions& options() const { return options_; }
  NamespaceLocks& locks() { return locks_; }
  // Serializes part commits against completion and abort of an upload. Kept
  // apart from the key locks so holding one of each can never self-deadlock.
  NamespaceLocks& upload_locks() { return upload_locks_; }
  // Checks `pre` against the current object; REQUIRES: the key's lock is held.
  Status check_preconditions(std::string_view bucket, std::string_view key,
                             const WritePreconditions& pre);

 private:
  std::shared_ptr<storage::Drive> drive_;
  DriveLayerOptions options_;
  NamespaceLocks locks_;
  NamespaceLocks upload_locks_;
};


}  // namespace silo::object
