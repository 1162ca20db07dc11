// The metadata records a drive keeps in its RocksDB, and their binary codec.
//
// A record holds everything needed to serve a GET of one object version on
// one drive: size, ETag, content headers, user metadata, checksums, parts,
// erasure layout and this drive's shard index, where the shard data lives
// (a data directory named by uuid, or inline in the record itself).
// The codec is versioned and bounds-checked: a corrupt record decodes to an
// error, never to garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silo::storage {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct PartInfo {
  uint32_t number = 0;  // the client's part number
  int64_t size = 0;     // bytes of object data in this part
  std::string etag;     // hex MD5 of the part, no quotes
  KeyValues checksums;  // algorithm name -> base64 value

  bool operator==(const PartInfo&) const = default;
};

struct ErasureInfo {
  uint32_t data_blocks = 1;    // k
  uint32_t parity_blocks = 0;  // m
  uint32_t block_size = 1 << 20;  // stripe size in bytes of object data
  uint32_t index = 1;          // this drive's shard index, 1-based
  std::vector<uint8_t> distribution;  // shard index for each drive of the set

  bool operator==(const ErasureInfo&) const = default;
};

struct ObjectRecord {
  std::string version_id;  // empty: the null version
  std::string data_uuid;   // data directory; empty when inline or a delete marker
  bool delete_marker = false;
  bool inlined = false;
  int64_t mod_time_ns = 0;
  int64_t size = 0;
  std::string etag;           // hex, no quotes; "<hex>-N" for multipart
  std::string storage_class;  // empty: STANDARD
  KeyValues meta;             // content-type etc. and x-amz-meta-*, lower-case names
  KeyValues checksums;        // e.g. {"CRC32", "base64"}; "type" -> FULL_OBJECT|COMPOSITE
  std::vector<PartInfo> parts;
  ErasureInfo erasure;
  std::string inline_data;  // this drive's shard, bitrot-framed, when `inlined`

  bool operator==(const ObjectRecord&) const = default;
  std::string_view meta_value(std::string_view name) const;
};

struct BucketRecord {
  std::string name;
  int64_t created_ns = 0;
  std::string location;  // CreateBucket's LocationConstraint; empty: us-east-1
  uint64_t quota_bytes = 0;  // the most the bucket's objects may hold; 0: no quota
  // The bucket's S3 configurations by name ("tagging", "policy", ...), each
  // the document as Silo keeps it (object/bucket_configs.h); absent: not set.
  KeyValues configs;
  bool operator==(const BucketRecord&) const = default;
};

// A multipart upload in progress.
struct UploadRecord {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::string data_uuid;  // where its part files live
  int64_t initiated_ns = 0;
  std::string storage_class;
  KeyValues meta;
  std::string checksum_algorithm;  // empty when the client asked for none
  std::string checksum_type;       // COMPOSITE or FULL_OBJECT
  ErasureInfo erasure;
  bool operator==(const UploadRecord&) const = default;
};

// One uploaded part of an upload (before completion).
struct PartRecord {
  uint32_t number = 0;
  int64_t size = 0;
  std::string etag;
  int64_t mod_time_ns = 0;
  KeyValues checksums;
  bool operator==(const PartRecord&) const = default;
};

std::string encode(const ObjectRecord& r);
std::string encode(const BucketRecord& r);
std::string encode(const UploadRecord& r);
std::string encode(const PartRecord& r);
Result<ObjectRecord> decode_object(std::string_view bytes);
Result<BucketRecord> decode_bucket(std::string_view bytes);
Result<UploadRecord> decode_upload(std::string_view bytes);
Result<PartRecord> decode_part(std::string_view bytes);

}  // namespace silo::storage
