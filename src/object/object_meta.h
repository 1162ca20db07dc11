// Entries of an object's metadata (ObjectRecord::meta) that are not HTTP
// headers given at upload: its tags, its ACL, and the stamp of its last in-place
// update. They ride with the metadata, so a copy, a multipart completion
// and a move between pools carry them like the content headers; the S3
// layer never sends them back as headers.
//
// A metadata update (PutObjectTagging and the like) changes a version in
// place on each drive that holds it; a drive that missed it still holds the
// same version with older metadata. The stamp says which metadata is newer:
// among the records of one version, reads take the one with the highest
// stamp, and healing copies it onto the others.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/record.h"

namespace silo::object {

// Every name with this prefix is Silo's own (the ACL, the stamp, the
// encryption parameters of s3/sse.h): never sent to clients, never taken
// from them (x-amz-meta-* is all a request can set).
inline constexpr std::string_view kInternalPrefix = "x-silo-";
// The tag set as the x-amz-tagging header carries it: URL-encoded
// key=value pairs joined by '&'. Absent: no tags.
inline constexpr std::string_view kTagsMeta = "x-amz-tagging";
// The object's access control list in its stored form (s3/acl.h); absent:
// the owner's FULL_CONTROL alone.
inline constexpr std::string_view kAclMeta = "x-silo-acl";
// Nanoseconds since the epoch of the last in-place update; absent: never.
inline constexpr std::string_view kMetaStampMeta = "x-silo-meta-stamp";

// The stamp of `meta` (0 when it was never updated in place).
int64_t meta_stamp(const storage::KeyValues& meta);
// Sets the stamp of `meta` to `stamp_ns`.
void set_meta_stamp(storage::KeyValues& meta, int64_t stamp_ns);
// Sets `name` to `value` in `meta` (one entry per name), or removes it
// when `value` is empty.
void set_meta(storage::KeyValues& meta, std::string_view name, std::string_view value);
// True for entries kept by Silo rather than sent as response headers.
bool internal_meta(std::string_view name);

}  // namespace silo::object
