#include "object/object_layer.h"

namespace silo::object {

std::string_view ObjectInfo::meta_value(std::string_view name) const {
  for (const auto& [k, v] : meta) {
    if (k == name) return v;
  }
  return {};
}

ObjectInfo to_object_info(std::string_view bucket, std::string_view key,
                          const storage::ObjectRecord& r) {
  ObjectInfo info;
  info.bucket = bucket;
  info.key = key;
  info.version_id = r.version_id;
  info.delete_marker = r.delete_marker;
  info.size = r.size;
  info.etag = r.etag;
  info.mod_time_ns = r.mod_time_ns;
  info.storage_class = r.storage_class.empty() ? "STANDARD" : r.storage_class;
  info.meta = r.meta;
  info.checksums = r.checksums;
  info.parts = r.parts;
  return info;
}

Versioning versioning_from(const std::optional<std::string>& document) {
  if (!document) return Versioning::kUnversioned;
  if (*document == "Enabled") return Versioning::kEnabled;
  if (*document == "Suspended") return Versioning::kSuspended;
  return Versioning::kUnversioned;
}

Status check_write_preconditions(const WritePreconditions& pre, const ObjectInfo* current) {
  if (pre.if_none_match_any && current) return fail(ErrorCode::kPreconditionFailed);
  if (pre.if_match) {
    if (!current) return fail(ErrorCode::kNoSuchKey);
    if (*pre.if_match != "*" && *pre.if_match != current->etag) {
      return fail(ErrorCode::kPreconditionFailed);
    }
  }
  if (pre.if_mod_time_ns) {
    if (!current) return fail(ErrorCode::kNoSuchKey);
    if (*pre.if_mod_time_ns != current->mod_time_ns) return fail(ErrorCode::kPreconditionFailed);
  }
  return {};
}

}  // namespace silo::object
