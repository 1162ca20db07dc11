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
      object::DeleteOptions only_this;
      only_this.preconditions.if_mod_time_ns = o.mod_time_ns;
      auto s = layer.delete_versioned(bucket, o.key, only_this);
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

bool wants_versions(const std::vector<s3::LifecycleRule>& rules) {
  for (const auto& r : rules) {
    if (r.enabled && (r.noncurrent_days || r.expired_object_delete_marker)) return true;
  }
  return false;
}

bool selects(const s3::LifecycleRule& r, const object::ObjectInfo& v) {
  s3::TagSet tags;
  if (!r.filter.tags.empty()) tags = s3::decode_tags(v.meta_value(object::kTagsMeta));
  return s3::lifecycle_selects(r, v.key, v.size, tags);
}

// The versions of one key, newest first: the noncurrent ones past their
// time, and a delete marker left alone.
void expire_key_versions(object::ObjectLayer& layer, const std::string& bucket,
                         const std::vector<s3::LifecycleRule>& rules,
                         const std::vector<object::ObjectInfo>& versions,
                         const LifecycleOptions& options, int64_t now_ns, LifecyclePass& pass) {
  auto remove = [&](const object::ObjectInfo& v, uint64_t& counter) {
    object::DeleteOptions exact;
    exact.version_id = v.version_id;
    auto r = layer.delete_versioned(bucket, v.key, exact);
    if (r) {
      ++counter;
    } else {
      spdlog::warn("lifecycle: cannot remove version {} of {}/{}: {}", v.version_id, bucket, v.key,
                   r.error().text());
    }
  };
  if (versions.size() == 1 && versions[0].delete_marker && versions[0].is_latest) {
    for (const auto& r : rules) {
      if (r.enabled && r.expired_object_delete_marker && selects(r, versions[0])) {
        remove(versions[0], pass.markers);
        return;
      }
    }
    return;
  }
  for (size_t i = 1; i < versions.size(); ++i) {
    const auto& v = versions[i];
    // Noncurrent since its successor was made.
    int64_t since = versions[i - 1].mod_time_ns;
    size_t newer_noncurrent = i - 1;
    for (const auto& r : rules) {
      if (!r.enabled || !r.noncurrent_days) continue;
      if (since + *r.noncurrent_days * options.day_ns > now_ns) continue;
      if (r.newer_noncurrent_versions &&
          newer_noncurrent < static_cast<size_t>(*r.newer_noncurrent_versions)) {
        continue;
      }
      if (!selects(r, v)) continue;
      remove(v, pass.noncurrent);
      break;
    }
  }
}

void expire_versions(object::ObjectLayer& layer, const std::string& bucket,
                     const std::vector<s3::LifecycleRule>& rules, const LifecycleOptions& options,
                     int64_t now_ns, LifecyclePass& pass) {
  object::VersionListParams params;
  std::vector<object::ObjectInfo> key_versions;
  for (;;) {
    auto page = layer.list_versions(bucket, params);
    if (!page) {
      spdlog::warn("lifecycle: cannot list the versions of {}: {}", bucket, page.error().text());
      return;
    }
    for (auto& v : page->versions) {
      if (!key_versions.empty() && key_versions.front().key != v.key) {
        expire_key_versions(layer, bucket, rules, key_versions, options, now_ns, pass);
        key_versions.clear();
      }
      key_versions.push_back(std::move(v));
    }
    if (!page->truncated) break;
    params.key_marker = page->next_key_marker;
    params.version_marker = page->next_version_marker;
  }
  if (!key_versions.empty()) {
    expire_key_versions(layer, bucket, rules, key_versions, options, now_ns, pass);
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
    if (wants_versions(*rules)) expire_versions(layer, b.name, *rules, options, now_ns, pass);
    abort_uploads(layer, b.name, *rules, options, now_ns, pass);
  }
  return pass;
}

}  // namespace silo::server
