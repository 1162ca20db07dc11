#include "object/drive_layer.h"

#include <algorithm>

#include "common/checksum.h"
#include "common/hash.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/uuid.h"
#include "object/erasure_set.h"
#include "object/shard_stream.h"

namespace silo::object {

using storage::ObjectRecord;
using storage::PartRecord;
using storage::UploadRecord;

namespace {

std::string shard_name(uint32_t part_number) { return "part." + std::to_string(part_number); }

// Writes a whole object (or one part) to the drive: in memory while it is
// small enough to go inline, spilling to a staged shard file beyond that.
class DriveWriter final : public ObjectWriter {
 public:
  DriveWriter(DriveLayer& layer, std::string bucket, std::string key, PutOptions options,
              std::optional<UploadRecord> upload, uint32_t part_number)
      : layer_(layer),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        options_(std::move(options)),
        upload_(std::move(upload)),
        part_number_(part_number),
        md5_(Digest::Algorithm::kMd5) {}

  ~DriveWriter() override {
    if (!staged_id_.empty() && !committed_) layer_.drive().remove_staged(staged_id_);
  }

  Status write(std::span<const uint8_t> data) override {
    md5_.update(data);
    written_ += data.size();
    if (!file_) {
      if (!upload_ && inline_.size() + data.size() <= layer_.options().inline_threshold) {
        inline_.append(reinterpret_cast<const char*>(data.data()), data.size());
        return {};
      }
      if (auto s = spill(); !s) return s;
    }
    return file_->write(data);
  }

  uint64_t bytes_written() const override { return written_; }

  std::string md5_hex() override {
    if (md5_done_.empty()) md5_done_ = hex_encode(md5_.finish());
    return md5_done_;
  }

  Result<ObjectInfo> commit(const PutFinal& final) override {
    std::string etag = md5_hex();
    if (upload_) return commit_part(etag, final);
    ObjectRecord rec;
    rec.mod_time_ns = now_ns();
    rec.size = static_cast<int64_t>(written_);
    rec.etag = etag;
    rec.storage_class = options_.storage_class;
    rec.meta = options_.meta;
    rec.checksums = final.checksums;
    rec.erasure.block_size = static_cast<uint32_t>(layer_.options().block_size);
    if (file_) {
      if (auto s = file_->close(); !s) return std::unexpected(s.error());
      rec.data_uuid = new_uuid();
    } else {
      rec.inlined = true;
      rec.inline_data = frame_inline(inline_, layer_.options().block_size);
    }
    auto guard = layer_.locks().lock(bucket_, key_);
    if (auto s = layer_.check_preconditions(bucket_, key_, options_.preconditions); !s) {
      return std::unexpected(s.error());
    }
    if (auto s = layer_.drive().commit_object(bucket_, key_, rec, staged_id_); !s) {
      return std::unexpected(s.error());
    }
    committed_ = true;
    return to_object_info(bucket_, key_, rec);
  }

 private:
  Status spill() {
    staged_id_ = new_uuid();
    // A plain object's staged folder becomes its data folder, so its shard takes
    // its final name now; a part is renamed to part.N when committed.
    auto w = layer_.drive().create_staged(staged_id_, upload_ ? "part" : shard_name(1));
    if (!w) return std::unexpected(w.error());
    file_ = std::make_unique<FramedWriter>(std::move(*w), layer_.options().block_size);
    std::string pending = std::move(inline_);
    inline_.clear();
    return file_->write(as_bytes(pending));
  }

  Result<ObjectInfo> commit_part(const std::string& etag, const PutFinal& final) {
    if (!file_) {
      if (auto s = spill(); !s) return std::unexpected(s.error());
    }
    if (auto s = file_->close(); !s) return std::unexpected(s.error());
    PartRecord part;
    part.number = part_number_;
    part.size = static_cast<int64_t>(written_);
    part.etag = etag;
    part.mod_time_ns = now_ns();
    part.checksums = final.checksums;
    auto guard = layer_.upload_locks().lock(bucket_, upload_->upload_id);
    if (auto s = layer_.drive().commit_part(*upload_, part, staged_id_, "part"); !s) {
      return std::unexpected(s.error());
    }
    committed_ = true;
    ObjectInfo info;
    info.bucket = bucket_;
    info.key = key_;
    info.size = part.size;
    info.etag = etag;
    info.mod_time_ns = part.mod_time_ns;
    info.checksums = part.checksums;
    return info;
  }

  DriveLayer& layer_;
  std::string bucket_, key_;
  PutOptions options_;
  std::optional<UploadRecord> upload_;
  uint32_t part_number_;
  Digest md5_;
  std::string md5_done_;
  uint64_t written_ = 0;
  std::string inline_;
  std::string staged_id_;
  std::unique_ptr<FramedWriter> file_;
  bool committed_ = false;
};

class DriveReader final : public ObjectReader {
 public:
  DriveReader(storage::Drive& drive, ObjectRecord record, ObjectInfo info, size_t block_size)
      : drive_(drive), record_(std::move(record)), info_(std::move(info)), block_size_(block_size) {
    end_ = static_cast<uint64_t>(record_.size);
    if (record_.parts.empty() && !record_.inlined) {
      parts_.push_back({1, record_.size, record_.etag, {}});
    } else {
      parts_ = record_.parts;
    }
  }

  const ObjectInfo& info() const override { return info_; }

  // Opens the first shard up front so a missing file fails the request before
  // any response byte is sent.
  Status open_first() {
    if (record_.inlined || parts_.empty()) return {};
    return open_part(0);
  }

  void set_range(uint64_t offset, uint64_t length) override {
    pos_ = offset;
    end_ = offset + length;
  }

  Result<size_t> read(std::span<uint8_t> out) override {
    if (pos_ >= end_ || out.empty()) return 0;
    out = out.first(static_cast<size_t>(std::min<uint64_t>(out.size(), end_ - pos_)));
    if (record_.inlined) {
      if (!current_) {
        current_ = std::make_unique<FramedReader>(std::move(record_.inline_data),
                                                  static_cast<uint64_t>(record_.size),
                                                  block_size_);
      }
      auto n = current_->read_at(pos_, out);
      if (n) pos_ += *n;
      return n;
    }
    // Find the part holding pos_.
    uint64_t part_start = 0;
    size_t index = 0;
    while (index < parts_.size() &&
           pos_ >= part_start + static_cast<uint64_t>(parts_[index].size)) {
      part_start += static_cast<uint64_t>(parts_[index].size);
      ++index;
    }
    if (index >= parts_.size()) return fail(ErrorCode::kInternalError, "read past object end");
    if (!current_ || current_index_ != index) {
      if (auto s = open_part(index); !s) return std::unexpected(s.error());
    }
    auto n = current_->read_at(pos_ - part_start, out);
    if (n) {
      if (*n == 0) return fail(ErrorCode::kInternalError, "shard shorter than recorded");
      pos_ += *n;
    }
    return n;
  }

 private:
  Status open_part(size_t index) {
    auto file = drive_.open_shard(record_.data_uuid, shard_name(parts_[index].number));
    if (!file) return std::unexpected(file.error());
    current_ = std::make_unique<FramedReader>(
        std::move(*file), static_cast<uint64_t>(parts_[index].size), block_size_);
    current_index_ = index;
    return {};
  }

  storage::Drive& drive_;
  ObjectRecord record_;
  ObjectInfo info_;
  size_t block_size_;
  std::vector<storage::PartInfo> parts_;
  uint64_t pos_ = 0, end_ = 0;
  std::unique_ptr<FramedReader> current_;
  size_t current_index_ = SIZE_MAX;
};

std::string_view find_value(const storage::KeyValues& kv, std::string_view name) {
  for (const auto& [k, v] : kv) {
    if (k == name) return v;
  }
  return {};
}

// The object checksum of a completed upload that asked for one: COMPOSITE is
// the checksum of the part checksums; FULL_OBJECT combines part CRCs.
Result<storage::KeyValues> upload_checksum(const UploadRecord& up,
                                           const std::vector<storage::PartInfo>& parts) {
  storage::KeyValues out;
  if (up.checksum_algorithm.empty()) return out;
  auto algo = parse_checksum_algorithm(up.checksum_algorithm);
  if (!algo) return out;
  std::vector<std::string> raws;
  std::vector<std::pair<std::string, uint64_t>> sized;
  for (const auto& p : parts) {
    auto value = find_value(p.checksums, up.checksum_algorithm);
    auto raw = decode_checksum_base64(*algo, value);
    if (value.empty() || !raw) {
      return fail(ErrorCode::kInvalidPart, "Part " + std::to_string(p.number) +
                                               " was uploaded without a " +
                                               up.checksum_algorithm + " checksum");
    }
    sized.emplace_back(*raw, static_cast<uint64_t>(p.size));
    raws.push_back(std::move(*raw));
  }
  if (up.checksum_type == "FULL_OBJECT") {
    auto full = full_object_crc_raw(*algo, sized);
    if (!full) return fail(ErrorCode::kInvalidRequest, "FULL_OBJECT checksums need a CRC algorithm");
    out.emplace_back(up.checksum_algorithm, base64_encode(*full));
  } else {
    out.emplace_back(up.checksum_algorithm, composite_checksum_base64(*algo, raws));
  }
  out.emplace_back("type", up.checksum_type.empty() ? "COMPOSITE" : up.checksum_type);
  return out;
}

UploadInfo to_upload_info(const UploadRecord& r) {
  return {r.bucket,        r.key,  r.upload_id,          r.initiated_ns,
          r.storage_class, r.meta, r.checksum_algorithm, r.checksum_type};
}

}  // namespace

DriveLayer::DriveLayer(std::shared_ptr<storage::Drive> drive, DriveLayerOptions options)
    : drive_(std::move(drive)), options_(options) {}

Status DriveLayer::make_bucket(std::string_view bucket) {
  return drive_->make_bucket({std::string(bucket), now_ns()});
}

Result<BucketInfo> DriveLayer::head_bucket(std::string_view bucket) {
  auto b = drive_->stat_bucket(bucket);
  if (!b) return std::unexpected(b.error());
  return BucketInfo{b->name, b->created_ns};
}

Result<std::vector<BucketInfo>> DriveLayer::list_buckets() {
  auto list = drive_->list_buckets();
  if (!list) return std::unexpected(list.error());
  std::vector<BucketInfo> out;
  for (auto& b : *list) out.push_back({std::move(b.name), b.created_ns});
  return out;
}

Status DriveLayer::delete_bucket(std::string_view bucket) { return drive_->delete_bucket(bucket); }

Status DriveLayer::check_preconditions(std::string_view bucket, std::string_view key,
                                       const WritePreconditions& pre) {
  if (!pre.if_match && !pre.if_none_match_any) return {};
  auto cur = drive_->read_object(bucket, key, false);
  if (!cur && cur.error().code != ErrorCode::kNoSuchKey) return std::unexpected(cur.error());
  if (pre.if_none_match_any && cur) return fail(ErrorCode::kPreconditionFailed);
  if (pre.if_match) {
    if (!cur) return fail(ErrorCode::kNoSuchKey);
    if (*pre.if_match != "*" && *pre.if_match != cur->etag) {
      return fail(ErrorCode::kPreconditionFailed);
    }
  }
  return {};
}

Result<std::unique_ptr<ObjectWriter>> DriveLayer::begin_put(std::string_view bucket,
                                                            std::string_view key,
                                                            PutOptions options) {
  if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
  return std::make_unique<DriveWriter>(*this, std::string(bucket), std::string(key),
                                       std::move(options), std::nullopt, 0);
}

Result<ObjectInfo> DriveLayer::head_object(std::string_view bucket, std::string_view key) {
  auto rec = drive_->read_object(bucket, key, false);
  if (!rec) return std::unexpected(rec.error());
  return to_object_info(bucket, key, *rec);
}

Result<std::unique_ptr<ObjectReader>> DriveLayer::open_object(std::string_view bucket,
                                                              std::string_view key) {
  auto rec = drive_->read_object(bucket, key, true);
  if (!rec) return std::unexpected(rec.error());
  ObjectInfo info = to_object_info(bucket, key, *rec);
  size_t block = rec->erasure.block_size ? rec->erasure.block_size : options_.block_size;
  auto reader = std::make_unique<DriveReader>(*drive_, std::move(*rec), std::move(info), block);
  if (auto s = reader->open_first(); !s) return std::unexpected(s.error());
  return reader;
}

Status DriveLayer::delete_object(std::string_view bucket, std::string_view key) {
  auto guard = locks_.lock(bucket, key);
  auto s = drive_->delete_object(bucket, key);
  if (!s && s.error().code == ErrorCode::kNoSuchKey) {
    if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
    return {};
  }
  return s;
}

Result<ListResult> DriveLayer::list_objects(std::string_view bucket, const ListParams& p) {
  if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
  ListResult out;
  if (p.max_keys == 0) return out;
  auto cursor = drive_->scan_objects(bucket);
  if (!cursor) return std::unexpected(cursor.error());
  auto& c = **cursor;
  std::string start = p.prefix;
  if (!p.marker.empty() && p.marker >= start) {
    start = p.marker;
    start.push_back('\0');  // strictly after the marker
  }
  c.seek(start);
  size_t count = 0;
  while (c.valid()) {
    std::string_view key = c.key();
    if (!key.starts_with(p.prefix)) break;
    if (count == p.max_keys) {
      out.truncated = true;
      break;
    }
    if (!p.delimiter.empty()) {
      size_t pos = key.find(p.delimiter, p.prefix.size());
      if (pos != std::string_view::npos) {
        std::string cp(key.substr(0, pos + p.delimiter.size()));
        // Skip the whole group in one seek instead of walking its keys.
        std::string next = prefix_successor(cp);
        if (cp > p.marker) {
          out.common_prefixes.push_back(cp);
          out.next_marker = cp;
          ++count;
        }
        if (next.empty()) break;
        c.seek(next);
        continue;
      }
    }
    auto rec = c.record();
    if (!rec) return std::unexpected(rec.error());
    out.objects.push_back(to_object_info(bucket, key, *rec));
    out.next_marker = std::string(key);
    ++count;
    c.next();
  }
  if (!out.truncated) out.next_marker.clear();
  return out;
}

Result<UploadInfo> DriveLayer::create_upload(std::string_view bucket, std::string_view key,
                                             PutOptions options, std::string checksum_algorithm,
                                             std::string checksum_type) {
  if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
  UploadRecord r;
  r.bucket = bucket;
  r.key = key;
  // The upload id carries no key material; it only names the upload.
  r.upload_id = new_uuid();
  r.data_uuid = new_uuid();
  r.initiated_ns = now_ns();
  r.storage_class = options.storage_class;
  r.meta = std::move(options.meta);
  r.checksum_algorithm = std::move(checksum_algorithm);
  r.checksum_type = std::move(checksum_type);
  r.erasure.block_size = static_cast<uint32_t>(options_.block_size);
  if (auto s = drive_->put_upload(r); !s) return std::unexpected(s.error());
  return to_upload_info(r);
}

Result<UploadInfo> DriveLayer::get_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id) {
  auto r = drive_->read_upload(bucket, key, upload_id);
  if (!r) {
    if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
    return std::unexpected(r.error());
  }
  return to_upload_info(*r);
}

Result<std::unique_ptr<ObjectWriter>> DriveLayer::begin_part(std::string_view bucket,
                                                             std::string_view key,
                                                             std::string_view upload_id,
                                                             uint32_t part_number) {
  auto up = drive_->read_upload(bucket, key, upload_id);
  if (!up) {
    if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
    return std::unexpected(up.error());
  }
  return std::make_unique<DriveWriter>(*this, std::string(bucket), std::string(key), PutOptions{},
                                       std::move(*up), part_number);
}

Result<PartListing> DriveLayer::list_parts(std::string_view bucket, std::string_view key,
                                           std::string_view upload_id, uint32_t marker,
                                           size_t max_parts) {
  auto up = drive_->read_upload(bucket, key, upload_id);
  if (!up) {
    if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
    return std::unexpected(up.error());
  }
  auto parts = drive_->list_parts(*up, marker, max_parts + 1);
  if (!parts) return std::unexpected(parts.error());
  PartListing out;
  out.parts = std::move(*parts);
  if (out.parts.size() > max_parts) {
    out.parts.resize(max_parts);
    out.truncated = true;
  }
  if (!out.parts.empty()) out.next_marker = out.parts.back().number;
  return out;
}

Result<ObjectInfo> DriveLayer::complete_upload(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id,
                                               const std::vector<CompletePart>& parts,
                                               const WritePreconditions& preconditions) {
  auto up = drive_->read_upload(bucket, key, upload_id);
  if (!up) {
    if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
    return std::unexpected(up.error());
  }
  if (parts.empty()) {
    return fail(ErrorCode::kMalformedXML,
                "The XML you provided was not well-formed or did not validate against our "
                "published schema");
  }
  auto upload_guard = upload_locks_.lock(bucket, upload_id);
  auto stored = drive_->list_parts(*up, 0, 10001);
  if (!stored) return std::unexpected(stored.error());
  ObjectRecord rec;
  std::string md5s;
  uint32_t previous = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& want = parts[i];
    if (want.number <= previous) return fail(ErrorCode::kInvalidPartOrder);
    previous = want.number;
    auto it = std::find_if(stored->begin(), stored->end(),
                           [&](const PartRecord& p) { return p.number == want.number; });
    if (it == stored->end() || it->etag != want.etag) return fail(ErrorCode::kInvalidPart);
    // Checksums the client lists must be the ones the part was stored with.
    for (const auto& [algo, value] : want.checksums) {
      if (find_value(it->checksums, algo) != value) return fail(ErrorCode::kInvalidPart);
    }
    if (i + 1 < parts.size() && it->size < options_.min_part_size) {
      return fail(ErrorCode::kEntityTooSmall);
    }
    rec.parts.push_back({it->number, it->size, it->etag, it->checksums});
    rec.size += it->size;
    auto raw = hex_decode(it->etag);
    md5s.append(raw ? *raw : std::string());
  }
  rec.etag = hex_encode(md5_raw(md5s)) + "-" + std::to_string(parts.size());
  rec.data_uuid = up->data_uuid;
  rec.mod_time_ns = now_ns();
  rec.storage_class = up->storage_class;
  rec.meta = up->meta;
  rec.erasure = up->erasure;
  auto checksums = upload_checksum(*up, rec.parts);
  if (!checksums) return std::unexpected(checksums.error());
  rec.checksums = std::move(*checksums);
  auto guard = locks_.lock(bucket, key);
  if (auto s = check_preconditions(bucket, key, preconditions); !s) {
    return std::unexpected(s.error());
  }
  if (auto s = drive_->complete_upload(*up, rec); !s) return std::unexpected(s.error());
  return to_object_info(bucket, key, rec);
}

Status DriveLayer::abort_upload(std::string_view bucket, std::string_view key,
                                std::string_view upload_id) {
  auto up = drive_->read_upload(bucket, key, upload_id);
  if (!up) {
    if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
    return std::unexpected(up.error());
  }
  auto guard = upload_locks_.lock(bucket, upload_id);
  return drive_->abort_upload(*up);
}

Result<UploadListing> DriveLayer::list_uploads(std::string_view bucket,
                                               const UploadListParams& p) {
  if (auto b = drive_->stat_bucket(bucket); !b) return std::unexpected(b.error());
  UploadListing out;
  auto cursor = drive_->scan_uploads(bucket);
  if (!cursor) return std::unexpected(cursor.error());
  auto& c = **cursor;
  std::string start_key = std::max(p.prefix, p.key_marker);
  if (!p.key_marker.empty() && p.key_marker >= p.prefix) {
    // With an upload-id marker, continue after it within the marker key;
    // without one, skip the marker key entirely.
    if (p.upload_id_marker.empty()) {
      c.seek(p.key_marker + std::string(1, '\x01'), "");
    } else {
      c.seek(p.key_marker, p.upload_id_marker);
      if (c.valid()) {
        auto r = c.record();
        if (r && r->key == p.key_marker && r->upload_id == p.upload_id_marker) c.next();
      }
    }
  } else {
    c.seek(start_key, "");
  }
  size_t count = 0;
  while (c.valid()) {
    auto r = c.record();
    if (!r) return std::unexpected(r.error());
    if (!std::string_view(r->key).starts_with(p.prefix)) break;
    if (count == p.max_uploads) {
      out.truncated = true;
      break;
    }
    if (!p.delimiter.empty()) {
      size_t pos = r->key.find(p.delimiter, p.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = r->key.substr(0, pos + p.delimiter.size());
        if (cp > p.key_marker) {
          out.common_prefixes.push_back(cp);
          out.next_key_marker = cp;
          out.next_upload_id_marker.clear();
          ++count;
        }
        std::string next = prefix_successor(cp);
        if (next.empty()) break;
        c.seek(next, "");
        continue;
      }
    }
    out.uploads.push_back(to_upload_info(*r));
    out.next_key_marker = r->key;
    out.next_upload_id_marker = r->upload_id;
    ++count;
    c.next();
  }
  return out;
}

Result<size_t> DriveLayer::cleanup_uploads(int64_t older_than_ns) {
  auto buckets = drive_->list_buckets();
  if (!buckets) return std::unexpected(buckets.error());
  size_t removed = 0;
  for (const auto& b : *buckets) {
    std::vector<UploadRecord> stale;
    auto cursor = drive_->scan_uploads(b.name);
    if (!cursor) continue;
    for ((*cursor)->seek("", ""); (*cursor)->valid(); (*cursor)->next()) {
      auto r = (*cursor)->record();
      if (r && r->initiated_ns < older_than_ns) stale.push_back(std::move(*r));
    }
    for (const auto& r : stale) {
      auto guard = upload_locks_.lock(r.bucket, r.upload_id);
      if (drive_->abort_upload(r)) ++removed;
    }
  }
  return removed;
}

}  // namespace silo::object
