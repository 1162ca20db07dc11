#include "object/erasure_set.h"

namespace silo::object {

ErasureSet::ErasureSet(std::vector<std::shared_ptr<storage::Drive>> drives,
                       ErasureSetOptions options)
    : set_(std::move(drives), options),
      buckets_(set_),
      reads_(set_),
      settlement_(set_, reads_),
      writes_(set_, buckets_, reads_, settlement_),
      listing_(set_, buckets_),
      uploads_(set_, buckets_, writes_, settlement_),
      heal_(set_, buckets_, reads_) {}

// ---- Buckets

Status ErasureSet::make_bucket(std::string_view bucket, const BucketOptions& options) {
  return buckets_.make(bucket, options);
}

Result<BucketInfo> ErasureSet::head_bucket(std::string_view bucket) {
  return buckets_.head(bucket);
}

Result<std::vector<BucketInfo>> ErasureSet::list_buckets() { return buckets_.list(); }

Status ErasureSet::delete_bucket(std::string_view bucket) {
  if (auto s = buckets_.check(bucket); !s) return s;
  ListParams one;
  one.max_keys = 1;
  auto objects = listing_.list(bucket, one);
  if (!objects) return std::unexpected(objects.error());
  if (!objects->objects.empty()) return fail(ErrorCode::kBucketNotEmpty);
  // Uploads still in progress go with the bucket, as on AWS: they are not
  // objects, and nothing the user could list would keep the bucket.
  UploadListParams page;
  for (;;) {
    auto uploads = uploads_.list(bucket, page);
    if (!uploads) return std::unexpected(uploads.error());
    for (const auto& u : uploads->uploads) {
      auto s = uploads_.abort(bucket, u.key, u.upload_id);
      if (!s && s.error().code != ErrorCode::kNoSuchUpload) return s;
    }
    if (!uploads->truncated) break;
    page.key_marker = uploads->next_key_marker;
    page.upload_id_marker = uploads->next_upload_id_marker;
  }
  return buckets_.remove(bucket);
}

Result<size_t> ErasureSet::heal_bucket(std::string_view bucket) { return buckets_.heal(bucket); }

// ---- Objects

Result<std::unique_ptr<ObjectWriter>> ErasureSet::begin_put(std::string_view bucket,
                                                            std::string_view key,
                                                            PutOptions options) {
  if (auto s = buckets_.check(bucket); !s) return std::unexpected(s.error());
  return writes_.begin_put(bucket, key, std::move(options));
}

Result<ObjectInfo> ErasureSet::head_object(std::string_view bucket, std::string_view key) {
  return reads_.head(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> ErasureSet::open_object(std::string_view bucket,
                                                              std::string_view key) {
  return reads_.open(bucket, key);
}

Result<ObjectInfo> ErasureSet::head_object_cached(std::string_view bucket, std::string_view key) {
  return reads_.head_cached(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> ErasureSet::open_object_cached(std::string_view bucket,
                                                                     std::string_view key) {
  return reads_.open_cached(bucket, key);
}

Result<ObjectInfo> ErasureSet::update_object_meta(std::string_view bucket, std::string_view key,
                                                  const MetaEdit& edit,
                                                  const std::string* version_id) {
  return writes_.update_meta(bucket, key, edit, version_id);
}

Status ErasureSet::delete_object(std::string_view bucket, std::string_view key,
                                 const WritePreconditions& pre) {
  return writes_.delete_object(bucket, key, pre);
}

Result<ListResult> ErasureSet::list_objects(std::string_view bucket, const ListParams& params) {
  return listing_.list(bucket, params);
}

Result<ObjectInfo> ErasureSet::head_version(std::string_view bucket, std::string_view key,
                                           std::string_view version_id) {
  return reads_.head_version(bucket, key, version_id);
}

Result<std::unique_ptr<ObjectReader>> ErasureSet::open_version(std::string_view bucket,
                                                               std::string_view key,
                                                               std::string_view version_id) {
  return reads_.open_version(bucket, key, version_id);
}

Result<DeleteResult> ErasureSet::delete_versioned(std::string_view bucket, std::string_view key,
                                                  const DeleteOptions& options) {
  return writes_.delete_versioned(bucket, key, options);
}

Result<VersionListing> ErasureSet::list_versions(std::string_view bucket,
                                                 const VersionListParams& params) {
  return listing_.list_versions(bucket, params);
}

Result<Versioning> ErasureSet::versioning(std::string_view bucket) {
  auto doc = bucket_config(bucket, kVersioningConfig);
  if (!doc) return std::unexpected(doc.error());
  return versioning_from(*doc);
}

Result<HealResult> ErasureSet::heal_object(std::string_view bucket, std::string_view key,
                                           bool deep) {
  return heal_.heal(bucket, key, deep);
}

size_t ErasureSet::resolve_pending() { return settlement_.resolve_pending(); }

SetRoom ErasureSet::room(std::string_view key, std::string_view storage_class,
                         std::optional<uint64_t> size, bool refresh) const {
  return set_room(set_, key, storage_class, size, refresh);
}

Result<std::optional<uint64_t>> ErasureSet::bucket_quota(std::string_view bucket) {
  return buckets_.quota(bucket);
}

Result<storage::KeyValues> ErasureSet::bucket_configs(std::string_view bucket) {
  return buckets_.configs(bucket);
}

Result<std::optional<std::string>> ErasureSet::bucket_config(std::string_view bucket,
                                                             std::string_view name) {
  auto configs = buckets_.configs(bucket);
  if (!configs) return std::unexpected(configs.error());
  for (auto& [k, v] : *configs) {
    if (k == name) return std::optional<std::string>(std::move(v));
  }
  return std::optional<std::string>();
}

Status ErasureSet::set_bucket_config(std::string_view bucket, std::string_view name,
                                     std::optional<std::string_view> document) {
  return buckets_.set_config(bucket, name, document);
}

Status ErasureSet::set_bucket_quota(std::string_view bucket, std::optional<uint64_t> bytes) {
  return buckets_.set_quota(bucket, bytes);
}

Result<storage::BucketUsage> ErasureSet::bucket_usage(std::string_view bucket) {
  return buckets_.usage(bucket);
}

// ---- Multipart uploads

Result<UploadInfo> ErasureSet::create_upload(std::string_view bucket, std::string_view key,
                                             PutOptions options, std::string checksum_algorithm,
                                             std::string checksum_type) {
  return uploads_.create(bucket, key, std::move(options), std::move(checksum_algorithm),
                         std::move(checksum_type));
}

Result<UploadInfo> ErasureSet::get_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id) {
  return uploads_.get(bucket, key, upload_id);
}

Result<std::unique_ptr<ObjectWriter>> ErasureSet::begin_part(std::string_view bucket,
                                                             std::string_view key,
                                                             std::string_view upload_id,
                                                             uint32_t part_number) {
  return uploads_.begin_part(bucket, key, upload_id, part_number);
}

Result<PartListing> ErasureSet::list_parts(std::string_view bucket, std::string_view key,
                                           std::string_view upload_id, uint32_t marker,
                                           size_t max_parts) {
  return uploads_.list_parts(bucket, key, upload_id, marker, max_parts);
}

Result<ObjectInfo> ErasureSet::complete_upload(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id,
                                               const std::vector<CompletePart>& parts,
                                               const CompleteOptions& options) {
  return uploads_.complete(bucket, key, upload_id, parts, options);
}

Status ErasureSet::abort_upload(std::string_view bucket, std::string_view key,
                                std::string_view upload_id) {
  return uploads_.abort(bucket, key, upload_id);
}

Result<UploadListing> ErasureSet::list_uploads(std::string_view bucket,
                                               const UploadListParams& params) {
  return uploads_.list(bucket, params);
}

Result<size_t> ErasureSet::cleanup_uploads(int64_t older_than_ns) {
  return uploads_.cleanup(older_than_ns);
}

}  // namespace silo::object
