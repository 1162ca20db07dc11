#include "object/pools.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <map>

#include "common/hash.h"
#include "object/capacity.h"

namespace silo::object {

namespace {
std::vector<ErasureSet*> set_pointers(const std::vector<std::unique_ptr<ErasureSet>>& sets) {
  std::vector<ErasureSet*> out;
  for (const auto& s : sets) out.push_back(s.get());
  return out;
}
}  // namespace

namespace {
NoBucketEvents no_bucket_events;
}  // namespace

Pools::Pools(std::vector<std::unique_ptr<ErasureSet>> sets, std::string deployment_id,
             BucketEvents* events)
    : sets_(std::move(sets)),
      siphash_key_(md5_raw(deployment_id)),
      quotas_(set_pointers(sets_)),
      events_(events ? *events : no_bucket_events) {}

Status Pools::set_bucket_quota(std::string_view bucket, std::optional<uint64_t> bytes) {
  if (auto s = quotas_.set_quota(bucket, bytes); !s) return s;
  events_.bucket_changed(bucket);
  return {};
}

void Pools::forget_bucket(std::string_view bucket) { quotas_.forget(bucket); }

Result<std::unique_ptr<ObjectWriter>> Pools::admitted(ErasureSet& set, std::string_view bucket,
                                                      std::string_view key,
                                                      std::string storage_class,
                                                      std::optional<uint64_t> size,
                                                      std::unique_ptr<ObjectWriter> inner) {
  auto quota = quotas_.quota(bucket);
  if (!quota) return std::unexpected(quota.error());
  auto w = capacity_writer(set, std::string(key), std::move(storage_class), std::move(inner));
  if (*quota) w = quota_writer(quotas_, std::string(bucket), **quota, std::move(w));
  if (size) {
    if (auto s = w->expect(*size); !s) return std::unexpected(s.error());
  }
  return w;
}

size_t Pools::set_index(std::string_view key) const {
  if (sets_.size() == 1) return 0;
  // Fetched once: the lookup walks OpenSSL's provider tables.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t out_size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                         OSSL_PARAM_construct_end()};
  uint64_t h = 0;
  if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(siphash_key_.data()),
                   siphash_key_.size(), params) == 1) {
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    unsigned char out[8];
    size_t len = 0;
    EVP_MAC_final(ctx, out, &len, sizeof out);
    for (int i = 7; i >= 0; --i) h = h << 8 | out[i];
  }
  EVP_MAC_CTX_free(ctx);
  return static_cast<size_t>(h % sets_.size());
}

size_t Pools::resolve_pending() {
  size_t n = 0;
  for (auto& s : sets_) n += s->resolve_pending();
  return n;
}

Status Pools::make_bucket(std::string_view bucket, const BucketOptions& options) {
  size_t exists = 0;
  for (auto& s : sets_) {
    auto r = s->make_bucket(bucket, options);
    if (!r) {
      if (r.error().code != ErrorCode::kBucketAlreadyOwnedByYou) return r;
      ++exists;
    }
  }
  if (exists == sets_.size()) return fail(ErrorCode::kBucketAlreadyOwnedByYou);
  quotas_.forget(bucket);
  events_.bucket_changed(bucket);
  return {};
}

Result<BucketInfo> Pools::head_bucket(std::string_view bucket) {
  return sets_[0]->head_bucket(bucket);
}

Result<std::vector<BucketInfo>> Pools::list_buckets() { return sets_[0]->list_buckets(); }

Status Pools::delete_bucket(std::string_view bucket) {
  if (auto b = head_bucket(bucket); !b) return std::unexpected(b.error());
  for (auto& s : sets_) {
    ListParams one;
    one.max_keys = 1;
    auto objects = s->list_objects(bucket, one);
    if (objects && !objects->objects.empty()) return fail(ErrorCode::kBucketNotEmpty);
  }
  for (auto& s : sets_) {
    auto r = s->delete_bucket(bucket);
    if (!r && r.error().code != ErrorCode::kNoSuchBucket) return r;
  }
  quotas_.forget(bucket);
  events_.bucket_changed(bucket);
  return {};
}

Result<std::unique_ptr<ObjectWriter>> Pools::begin_put(std::string_view bucket,
                                                       std::string_view key, PutOptions options) {
  ErasureSet& set = set_for(key);
  auto size = options.size;
  std::string storage_class = options.storage_class;
  auto w = set.begin_put(bucket, key, std::move(options));
  if (!w) return w;
  return admitted(set, bucket, key, std::move(storage_class), size, std::move(*w));
}

Result<ObjectInfo> Pools::head_object(std::string_view bucket, std::string_view key) {
  return set_for(key).head_object(bucket, key);
}

Result<ObjectInfo> Pools::head_object_cached(std::string_view bucket, std::string_view key) {
  return set_for(key).head_object_cached(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> Pools::open_object_cached(std::string_view bucket,
                                                                std::string_view key) {
  return set_for(key).open_object_cached(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> Pools::open_object(std::string_view bucket,
                                                         std::string_view key) {
  return set_for(key).open_object(bucket, key);
}

Status Pools::delete_object(std::string_view bucket, std::string_view key) {
  ErasureSet& set = set_for(key);
  auto s = set.delete_object(bucket, key);
  if (!s && s.error().code == ErrorCode::kInsufficientWriteQuorum) {
    // Deletes need no room beyond a few bytes of log; drives that cannot
    // find even those are full past their reserve (from outside Silo).
    auto room = set.room(key, {}, 0, true);
    if (room.out_of_space()) {
      return fail(storage_full_error(room, std::nullopt, "record this delete"));
    }
  }
  return s;
}

Result<ListResult> Pools::list_objects(std::string_view bucket, const ListParams& params) {
  if (sets_.size() == 1) return sets_[0]->list_objects(bucket, params);
  // Each set lists up to max_keys entries; the first max_keys of their union
  // are the first max_keys overall.
  std::map<std::string, std::optional<ObjectInfo>> merged;  // key or common prefix
  bool any_truncated = false;
  for (auto& s : sets_) {
    auto r = s->list_objects(bucket, params);
    if (!r) return r;
    any_truncated = any_truncated || r->truncated;
    for (auto& o : r->objects) merged.emplace(o.key, std::move(o));
    for (auto& p : r->common_prefixes) merged.emplace(p, std::nullopt);
  }
  ListResult out;
  size_t count = 0;
  for (auto& [name, object] : merged) {
    if (count == params.max_keys) {
      out.truncated = true;
      break;
    }
    if (object) out.objects.push_back(std::move(*object));
    else out.common_prefixes.push_back(name);
    out.next_marker = name;
    ++count;
  }
  out.truncated = out.truncated || (any_truncated && count == params.max_keys);
  if (!out.truncated) out.next_marker.clear();
  return out;
}

Result<UploadInfo> Pools::create_upload(std::string_view bucket, std::string_view key,
                                        PutOptions options, std::string checksum_algorithm,
                                        std::string checksum_type) {
  return set_for(key).create_upload(bucket, key, std::move(options), std::move(checksum_algorithm),
                                    std::move(checksum_type));
}

Result<UploadInfo> Pools::get_upload(std::string_view bucket, std::string_view key,
                                     std::string_view upload_id) {
  return set_for(key).get_upload(bucket, key, upload_id);
}

Result<std::unique_ptr<ObjectWriter>> Pools::begin_part(std::string_view bucket,
                                                        std::string_view key,
                                                        std::string_view upload_id,
                                                        uint32_t part_number) {
  ErasureSet& set = set_for(key);
  auto w = set.begin_part(bucket, key, upload_id, part_number);
  if (!w) return w;
  return admitted(set, bucket, key, {}, std::nullopt, std::move(*w));
}

Result<PartListing> Pools::list_parts(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id, uint32_t marker,
                                      size_t max_parts) {
  return set_for(key).list_parts(bucket, key, upload_id, marker, max_parts);
}

Result<ObjectInfo> Pools::complete_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id,
                                          const std::vector<CompletePart>& parts,
                                          const CompleteOptions& options) {
  ErasureSet& set = set_for(key);
  auto quota = quotas_.quota(bucket);
  if (!quota) return std::unexpected(quota.error());
  if (!*quota) return set.complete_upload(bucket, key, upload_id, parts, options);
  // The parts were admitted one by one; the object they make must fit too.
  auto stored = set.list_parts(bucket, key, upload_id, 0, 10000);
  if (!stored) return std::unexpected(stored.error());
  uint64_t size = 0;
  for (const auto& want : parts) {
    for (const auto& p : stored->parts) {
      if (p.number == want.number) size += static_cast<uint64_t>(p.size);
    }
  }
  if (auto s = quotas_.claim(bucket, **quota, size); !s) return std::unexpected(s.error());
  auto r = set.complete_upload(bucket, key, upload_id, parts, options);
  quotas_.release(bucket, size);
  return r;
}

Status Pools::abort_upload(std::string_view bucket, std::string_view key,
                           std::string_view upload_id) {
  return set_for(key).abort_upload(bucket, key, upload_id);
}

Result<UploadListing> Pools::list_uploads(std::string_view bucket,
                                          const UploadListParams& params) {
  if (sets_.size() == 1) return sets_[0]->list_uploads(bucket, params);
  std::map<std::string, std::optional<UploadInfo>> merged;
  bool any_truncated = false;
  for (auto& s : sets_) {
    auto r = s->list_uploads(bucket, params);
    if (!r) return r;
    any_truncated = any_truncated || r->truncated;
    for (auto& u : r->uploads) merged.emplace(u.key + std::string(1, '\0') + u.upload_id, std::move(u));
    for (auto& p : r->common_prefixes) merged.emplace(p, std::nullopt);
  }
  UploadListing out;
  size_t count = 0;
  for (auto& [name, upload] : merged) {
    if (count == params.max_uploads) {
      out.truncated = true;
      break;
    }
    if (upload) {
      out.next_key_marker = upload->key;
      out.next_upload_id_marker = upload->upload_id;
      out.uploads.push_back(std::move(*upload));
    } else {
      out.next_key_marker = name;
      out.next_upload_id_marker.clear();
      out.common_prefixes.push_back(name);
    }
    ++count;
  }
  out.truncated = out.truncated || (any_truncated && count == params.max_uploads);
  return out;
}

Result<size_t> Pools::cleanup_uploads(int64_t older_than_ns) {
  size_t total = 0;
  for (auto& s : sets_) {
    auto n = s->cleanup_uploads(older_than_ns);
    if (n) total += *n;
  }
  return total;
}

}  // namespace silo::object
