// Multipart uploads on an erasure set. An upload fixes its erasure layout when
// it is created; every part is erasure-coded with it into the upload's data
// folder on each drive, and completion commits one record per drive.
#include "object/multipart_uploads.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/checksum.h"
#include "common/hash.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/uuid.h"
#include "object/placement.h"
#include "object/quorum.h"
#include "storage/versions.h"

namespace silo::object {

using storage::ObjectRecord;
using storage::PartRecord;
using storage::UploadRecord;

namespace {

UploadInfo to_upload_info(const UploadRecord& r) {
  return {r.bucket,        r.key,  r.upload_id,          r.initiated_ns,
          r.storage_class, r.meta, r.checksum_algorithm, r.checksum_type};
}

std::string_view find_value(const storage::KeyValues& kv, std::string_view name) {
  for (const auto& [k, v] : kv) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

Result<UploadRecord> MultipartUploads::read_upload_quorum(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view upload_id) {
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(set_.size(), deadline,
                           [&set = set_, deadline, bucket = std::string(bucket),
                            key = std::string(key), id = std::string(upload_id)](size_t j) {
                             return set.drive(j).read_upload(deadline, bucket, key, id);
                           });
  for (const auto& u : r) {
    if (!u) continue;
    size_t count = static_cast<size_t>(
        std::count_if(r.begin(), r.end(), [&](const auto& o) { return o && *o == *u; }));
    if (count >= read_quorum(u->erasure)) return *u;
  }
  if (auto s = buckets_.check(bucket); !s) return std::unexpected(s.error());
  return fail(ErrorCode::kNoSuchUpload);
}

Result<UploadInfo> MultipartUploads::create(std::string_view bucket, std::string_view key,
                                            PutOptions options, std::string checksum_algorithm,
                                            std::string checksum_type) {
  if (auto s = buckets_.check(bucket); !s) return std::unexpected(s.error());
  UploadRecord r;
  r.bucket = bucket;
  r.key = key;
  r.initiated_ns = now_ns();
  // The id starts with the initiation time, so uploads of one key list in the
  // order they were started (as S3 lists them); it carries no key material.
  std::string when(8, '\0');
  for (int i = 0; i < 8; ++i) when[i] = static_cast<char>(r.initiated_ns >> (56 - 8 * i));
  r.data_uuid = new_uuid();
  // The object the upload makes keeps its data under this uuid, which the id
  // names too: a completion repeated after it succeeded can tell its object.
  r.upload_id = hex_encode(when) + r.data_uuid;
  r.storage_class = options.storage_class;
  r.meta = std::move(options.meta);
  r.checksum_algorithm = std::move(checksum_algorithm);
  r.checksum_type = std::move(checksum_type);
  r.erasure = layout_for(set_, key, r.storage_class);
  Deadline deadline = set_.deadline();
  auto s = set_.pool().run(set_.size(), deadline, [&set = set_, deadline, r](size_t j) {
    return set.drive(j).put_upload(deadline, r);
  });
  if (tally(s, ErrorCode::kNoSuchUpload).ok < write_quorum(r.erasure)) {
    return fail(ErrorCode::kInsufficientWriteQuorum);
  }
  return to_upload_info(r);
}

Result<UploadInfo> MultipartUploads::get(std::string_view bucket, std::string_view key,
                                         std::string_view upload_id) {
  auto up = read_upload_quorum(bucket, key, upload_id);
  if (!up) return std::unexpected(up.error());
  return to_upload_info(*up);
}

Result<std::unique_ptr<ObjectWriter>> MultipartUploads::begin_part(std::string_view bucket,
                                                                   std::string_view key,
                                                                   std::string_view upload_id,
                                                                   uint32_t part_number) {
  auto up = read_upload_quorum(bucket, key, upload_id);
  if (!up) return std::unexpected(up.error());
  return writes_.begin_part(std::move(*up), part_number);
}

namespace {
// The parts of an upload that at least `quorum` drives hold, by part number.
std::vector<PartRecord> merge_parts(const std::vector<Result<std::vector<PartRecord>>>& lists,
                                    size_t quorum) {
  std::map<uint32_t, std::vector<const PartRecord*>> by_number;
  for (const auto& list : lists) {
    if (!list) continue;
    for (const auto& p : *list) by_number[p.number].push_back(&p);
  }
  std::vector<PartRecord> out;
  for (const auto& [number, copies] : by_number) {
    // The newest upload of the part that enough drives agree on.
    const PartRecord* best = nullptr;
    for (const auto* c : copies) {
      size_t count = static_cast<size_t>(std::count_if(
          copies.begin(), copies.end(), [&](const auto* o) { return o->etag == c->etag && o->mod_time_ns == c->mod_time_ns; }));
      if (count >= quorum && (!best || c->mod_time_ns > best->mod_time_ns)) best = c;
    }
    if (best) out.push_back(*best);
  }
  return out;
}
}  // namespace

Result<PartListing> MultipartUploads::list_parts(std::string_view bucket, std::string_view key,
                                                 std::string_view upload_id, uint32_t marker,
                                                 size_t max_parts) {
  auto up = read_upload_quorum(bucket, key, upload_id);
  if (!up) return std::unexpected(up.error());
  auto lists = read_parts(*up, marker, max_parts + 1);
  PartListing out;
  out.parts = merge_parts(lists, read_quorum(up->erasure));
  if (out.parts.size() > max_parts) {
    out.parts.resize(max_parts);
    out.truncated = true;
  }
  if (!out.parts.empty()) out.next_marker = out.parts.back().number;
  return out;
}

Result<ObjectInfo> MultipartUploads::complete(std::string_view bucket, std::string_view key,
                                              std::string_view upload_id,
                                              const std::vector<CompletePart>& parts,
                                              const CompleteOptions& options) {
  size_t n = set_.size();
  if (parts.empty()) return fail(ErrorCode::kMalformedXML);
  auto upload_guard = set_.upload_locks().lock(set_.lock_deadline(), bucket, upload_id);
  if (!upload_guard) return std::unexpected(upload_guard.error());
  // Read under the lock: an abort or another completion may have won.
  auto up = read_upload_quorum(bucket, key, upload_id);
  if (!up) {
    if (up.error().code == ErrorCode::kNoSuchUpload) {
      if (auto done = completed_earlier(bucket, key, upload_id)) return std::move(*done);
    }
    return std::unexpected(up.error());
  }
  auto stored = merge_parts(read_parts(*up, 0, 10001), read_quorum(up->erasure));
  ObjectRecord rec;
  std::string md5s;
  uint32_t previous = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& want = parts[i];
    if (want.number <= previous) return fail(ErrorCode::kInvalidPartOrder);
    previous = want.number;
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const PartRecord& p) { return p.number == want.number; });
    if (it == stored.end() || it->etag != want.etag) return fail(ErrorCode::kInvalidPart);
    // Checksums the client lists must be the ones the part was stored with.
    for (const auto& [algo, value] : want.checksums) {
      if (find_value(it->checksums, algo) != value) return fail(ErrorCode::kInvalidPart);
    }
    if (i + 1 < parts.size() && it->size < set_.options().min_part_size) {
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
  if (options.versioning == Versioning::kEnabled) {
    rec.version_id = storage::new_version_id(rec.mod_time_ns);
  }
  rec.storage_class = up->storage_class;
  rec.meta = up->meta;
  rec.erasure = up->erasure;
  if (options.meta_edit) {
    auto view = to_object_info(bucket, key, rec);
    if (auto s = options.meta_edit(view); !s) return std::unexpected(s.error());
    rec.meta = std::move(view.meta);
  }
  auto checksums = complete_checksums(*up, rec.parts, options.checksum);
  if (!checksums) return std::unexpected(checksums.error());
  rec.checksums = std::move(*checksums);
  auto guard = set_.locks().lock(set_.lock_deadline(), bucket, key);
  if (!guard) return std::unexpected(guard.error());
  if (auto s = writes_.check_preconditions(bucket, key, options.preconditions); !s) {
    return std::unexpected(s.error());
  }
  if (!upload_guard->held() || !guard->held()) return fail(ErrorCode::kLockLost);
  // Shared with the tasks, which may outlive this call (parallel.h).
  auto mine = std::make_shared<std::vector<ObjectRecord>>(n, rec);
  for (size_t j = 0; j < n; ++j) (*mine)[j].erasure.index = rec.erasure.distribution[j];
  Deadline deadline = set_.deadline();
  auto results =
      set_.pool().run(n, deadline, [&set = set_, deadline, upload = *up, mine](size_t j) {
        return set.drive(j).complete_upload(deadline, upload, (*mine)[j], storage::Replaced::kKeep);
      });
  std::vector<char> ok(n, 0);
  for (size_t j = 0; j < n; ++j) ok[j] = results[j] ? 1 : 0;
  size_t done = static_cast<size_t>(std::count(ok.begin(), ok.end(), 1));
  bool stands = done >= write_quorum(rec.erasure);
  settlement_.settle(bucket, key, ok, stands, mine.get());
  if (!stands) return fail(ErrorCode::kInsufficientWriteQuorum);
  if (done < n) set_.report_damage(bucket, key);
  return to_object_info(bucket, key, rec);
}

std::optional<ObjectInfo> MultipartUploads::completed_earlier(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view upload_id) {
  constexpr size_t kTimePrefix = 16;  // hex digits of the initiation time
  if (upload_id.size() <= kTimePrefix) return std::nullopt;
  std::string uuid(upload_id.substr(kTimePrefix));
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(set_.size(), deadline,
                           [&set = set_, deadline, bucket = std::string(bucket),
                            key = std::string(key)](size_t j) {
                             return set.drive(j).read_object(deadline, bucket, key, false);
                           });
  const storage::ObjectRecord* made = nullptr;
  size_t agree = 0;
  for (const auto& rec : r) {
    if (!rec || rec->delete_marker || rec->data_uuid != uuid) continue;
    made = &*rec;
    ++agree;
  }
  if (!made || agree < read_quorum(made->erasure)) return std::nullopt;
  return to_object_info(bucket, key, *made);
}

Status MultipartUploads::abort(std::string_view bucket, std::string_view key,
                               std::string_view upload_id) {
  auto guard = set_.upload_locks().lock(set_.lock_deadline(), bucket, upload_id);
  if (!guard) return std::unexpected(guard.error());
  // Read under the lock: a completion that ran meanwhile has removed it.
  auto up = read_upload_quorum(bucket, key, upload_id);
  if (!up) return std::unexpected(up.error());
  if (!guard->held()) return fail(ErrorCode::kLockLost);
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(set_.size(), deadline, [&set = set_, deadline, upload = *up](size_t j) {
    return set.drive(j).abort_upload(deadline, upload);
  });
  if (tally(r, ErrorCode::kNoSuchUpload).ok < write_quorum(up->erasure)) {
    return fail(ErrorCode::kInsufficientWriteQuorum);
  }
  return {};
}

namespace {
// One drive's upload listing, following S3's marker and delimiter rules.
UploadListing list_one(storage::UploadCursor& c, const UploadListParams& p) {
  UploadListing out;
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
    c.seek(p.prefix, "");
  }
  size_t count = 0;
  while (c.valid()) {
    auto r = c.record();
    if (!r) {
      c.next();
      continue;
    }
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
          ++count;
        }
        std::string next = prefix_successor(cp);
        if (next.empty()) break;
        c.seek(next, "");
        continue;
      }
    }
    out.uploads.push_back(to_upload_info(*r));
    ++count;
    c.next();
  }
  return out;
}
}  // namespace

Result<UploadListing> MultipartUploads::list(std::string_view bucket, const UploadListParams& p) {
  if (auto s = buckets_.check(bucket); !s) return std::unexpected(s.error());
  // Each drive lists up to max entries; the first max of their union are the
  // first max overall.
  struct Entry {
    std::string sort_key;  // key + '\0' + upload id, or the common prefix
    std::optional<UploadInfo> upload;
    std::string prefix;
  };
  std::map<std::string, Entry> merged;
  bool any_truncated = false;
  size_t answered = 0;
  for (auto& cursor : scan_uploads(bucket)) {
    auto one = list_one(*cursor, p);
    // A drive whose listing ended early adds what it saw but does not count.
    if (cursor->status()) ++answered;
    any_truncated = any_truncated || one.truncated;
    for (auto& u : one.uploads) {
      std::string k = u.key + std::string(1, '\0') + u.upload_id;
      merged.try_emplace(k, Entry{k, std::move(u), {}});
    }
    for (auto& cp : one.common_prefixes) merged.try_emplace(cp, Entry{cp, std::nullopt, cp});
  }
  if (answered == 0) return fail(ErrorCode::kInsufficientReadQuorum);
  UploadListing out;
  size_t count = 0;
  for (auto& [k, e] : merged) {
    if (count == p.max_uploads) {
      out.truncated = true;
      break;
    }
    if (e.upload) {
      out.next_key_marker = e.upload->key;
      out.next_upload_id_marker = e.upload->upload_id;
      out.uploads.push_back(std::move(*e.upload));
    } else {
      out.next_key_marker = e.prefix;
      out.next_upload_id_marker.clear();
      out.common_prefixes.push_back(e.prefix);
    }
    ++count;
  }
  out.truncated = out.truncated || (any_truncated && count == p.max_uploads);
  return out;
}

std::vector<Result<std::vector<PartRecord>>> MultipartUploads::read_parts(
    const UploadRecord& upload, uint32_t after, size_t limit) {
  Deadline deadline = set_.deadline();
  return set_.pool().run(set_.size(), deadline,
                         [&set = set_, deadline, upload, after, limit](size_t j) {
                           return set.drive(j).list_parts(deadline, upload, after, limit);
                         });
}

std::vector<std::unique_ptr<storage::UploadCursor>> MultipartUploads::scan_uploads(
    std::string_view bucket) {
  return set_.open_cursors<storage::UploadCursor>(
      [bucket = std::string(bucket)](storage::Drive& drive, Deadline reading) {
        return drive.scan_uploads(reading, bucket);
      });
}

Result<size_t> MultipartUploads::cleanup(int64_t older_than_ns) {
  auto buckets = buckets_.list();
  if (!buckets) return std::unexpected(buckets.error());
  size_t removed = 0;
  for (const auto& b : *buckets) {
    std::set<std::pair<std::string, std::string>> stale;
    for (auto& cursor : scan_uploads(b.name)) {
      for (cursor->seek("", ""); cursor->valid(); cursor->next()) {
        auto r = cursor->record();
        if (r && r->initiated_ns < older_than_ns) stale.emplace(r->key, r->upload_id);
      }
    }
    for (const auto& [key, id] : stale) {
      if (abort(b.name, key, id)) ++removed;
    }
  }
  return removed;
}

}  // namespace silo::object
