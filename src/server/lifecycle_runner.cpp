#include "server/lifecycle_runner.h"

#include <spdlog/spdlog.h>

#include "object/object_meta.h"
#include "s3/lifecycle.h"
#include "s3/tags.h"

namespace silo::server {

namespace {

// Whether some enabled rule expires `o` at `now_ns`.
bool expired(const std::vector<s3::LifecycleRule>& rules, const object::ObjectInfo& o,
             const LifecycleOptions& options, int64_t now_ns) {
  std::optional<s3::TagSet> tags;
  for (const auto& r : rules) {
    if (!r.enabled || (!r.expiration_days && !r.expiration_date_ns)) continue;
    if (r.expiration_days && o.mod_time_ns + *r.expiration_days * options.day_ns > now_ns) continue;
    if (r.expiration_date_ns && now_ns < *r.expiration_date_ns) continue;
    if (!r.filter.tags.empty() && !tags) tags = s3::decode_tags(o.meta_value(object::kTagsMeta));
    if (s3::lifecycle_selects(r, o.key, o.size, tags ? *tags : s3::TagSet{})) return true;
  }
  return false;
}

void expire_objects(object::ObjectLayer& layer, const std::string& bucket,
                    const std::vector<s3::LifecycleRule>& rules, const LifecycleOptions& options,
                    int64_t now_ns, LifecyclePass& pass) {
  object::ListParams params;
  for (;;) {
    auto page = layer.list_objects(bucket, params);
    if (!page) {
      spdlog::warn("lifecycle: cannot list bucket {}: {}", bucket, page.error().text());
      return;
    }
    for (const auto& o : page->objects) {
      if (!expired(rules, o, options, now_ns)) continue;
      object::WritePreconditions only_this;
      only_this.if_mod_time_ns = o.mod_time_ns;
      auto s = layer.delete_object(bucket, o.key, only_this);
      if (s) {
        ++pass.expired;
      } else if (s.error().code != ErrorCode::kPreconditionFailed &&
                 s.error().code != ErrorCode::kNoSuchKey) {
        spdlog::warn("lifecycle: cannot expire {}/{}: {}", bucket, o.key, s.error().text());
      }
    }
    if (!page->truncated) return;
    params.marker = page->next_marker;
  }
}

void abort_uploads(object::ObjectLayer& layer, const std::string& bucket,
                   const std::vector<s3::LifecycleRule>& rules, const LifecycleOptions& options,
                   int64_t now_ns, LifecyclePass& pass) {
  object::UploadListParams params;
  for (;;) {
    auto page = layer.list_uploads(bucket, params);
    if (!page) return;
    for (const auto& u : page->uploads) {
      for (const auto& r : rules) {
        if (!r.enabled || !r.abort_incomplete_upload_days) continue;
        if (u.initiated_ns + *r.abort_incomplete_upload_days * options.day_ns > now_ns) continue;
        if (!u.key.starts_with(r.filter.prefix)) continue;
        if (layer.abort_upload(bucket, u.key, u.upload_id)) ++pass.aborted;
        break;
      }
    }
    if (!page->truncated) return;
    params.key_marker = page->next_key_marker;
    params.upload_id_marker = page->next_upload_id_marker;
  }
}

}  // namespace

LifecyclePass run_lifecycle(object::ObjectLayer& layer, const LifecycleOptions& options,
                            int64_t now_ns) {
  LifecyclePass pass;
  auto buckets = layer.list_buckets();
  if (!buckets) return pass;
  for (const auto& b : *buckets) {
    auto doc = layer.bucket_config(b.name, "lifecycle");
    if (!doc || !*doc) continue;
    auto rules = s3::parse_lifecycle_xml(**doc);
    if (!rules) continue;
    ++pass.buckets;
    expire_objects(layer, b.name, *rules, options, now_ns, pass);
    abort_uploads(layer, b.name, *rules, options, now_ns, pass);
  }
  return pass;
}

}  // namespace silo::server
