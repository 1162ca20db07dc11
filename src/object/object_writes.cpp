#include "object/object_writes.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include <spdlog/spdlog.h>

#include "common/hash.h"
#include "common/time.h"
#include "common/uuid.h"
#include "object/object_lock.h"
#include "object/object_meta.h"
#include "object/placement.h"
#include "object/quorum.h"
#include "object/shard_stream.h"
#include "object/staged_shards.h"
#include "storage/versions.h"

namespace silo::object {

using storage::ObjectRecord;
using storage::PartRecord;
using storage::UploadRecord;

namespace {

// Every drive's framed shard of a small body, by the drives' order.
std::vector<std::string> encode_inline(const erasure::Codec& codec,
                                       const storage::ErasureInfo& layout, std::string_view body) {
  size_t len = body.size();
  size_t shard_len = codec.shard_size(len);
  size_t shard_block = shard_block_size(layout.block_size, layout.data_blocks);
  std::vector<std::vector<uint8_t>> shards(layout.data_blocks + layout.parity_blocks,
                                           std::vector<uint8_t>(std::max<size_t>(shard_len, 1)));
  std::vector<uint8_t*> ptrs(shards.size());
  for (size_t s = 0; s < shards.size(); ++s) ptrs[s] = shards[s].data();
  if (len > 0) codec.encode(as_bytes(body), ptrs);
  std::vector<std::string> out(layout.distribution.size());
  for (size_t j = 0; j < out.size(); ++j) {
    const auto& shard = shards[layout.distribution[j] - 1];
    out[j] = frame_inline({reinterpret_cast<const char*>(shard.data()), shard_len}, shard_block);
  }
  return out;
}

// A commit of one version on every drive, shared with the tasks making it,
// which may outlive the writer (parallel.h).
struct Commit {
  std::string bucket, key, staged_id;
  std::vector<ObjectRecord> records;  // per drive
  std::vector<char> has_data;         // per drive: took every stripe (or inline)
};

// Commits job->records[j] on every drive j that has the data, keeping the
// replaced version aside, within the drive timeout.
std::vector<Status> commit_everywhere(SetContext& set, std::shared_ptr<const Commit> job) {
  Deadline deadline = set.deadline();
  return set.pool().run(set.size(), deadline, [&set, deadline, job](size_t j) -> Status {
    if (!job->has_data[j]) return fail(ErrorCode::kDriveOffline);
    return set.drive(j).commit_object(deadline, job->bucket, job->key, job->records[j],
                                      job->staged_id, storage::Replaced::kKeep);
  });
}

// Records `part` of `upload` on every drive whose staged file holds it.
std::vector<Status> commit_part_everywhere(SetContext& set, UploadRecord upload, PartRecord part,
                                           std::string staged_id, std::vector<char> holds) {
  Deadline deadline = set.deadline();
  return set.pool().run(
      set.size(), deadline,
      [&set, deadline, upload = std::move(upload), part = std::move(part),
       staged_id = std::move(staged_id), holds = std::move(holds)](size_t j) -> Status {
        if (!holds[j]) return fail(ErrorCode::kDriveOffline);
        return set.drive(j).commit_part(deadline, upload, part, staged_id, "part");
      });
}

class ErasureWriter final : public ObjectWriter {
 public:
  ErasureWriter(SetContext& set, ObjectWrites& writes, Settlement& settlement, std::string bucket,
                std::string key, PutOptions options, std::optional<UploadRecord> upload,
                uint32_t part_number)
      : set_(set),
        writes_(writes),
        settlement_(settlement),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        options_(std::move(options)),
        upload_(std::move(upload)),
        part_number_(part_number),
        layout_(upload_ ? upload_->erasure : layout_for(set, key_, options_.storage_class)),
        md5_(Digest::Algorithm::kMd5) {}

  Status write(std::span<const uint8_t> data) override {
    md5_.update(data);
    written_ += data.size();
    if (!staged_) {
      if (!upload_ && inline_.size() + data.size() <= set_.options().inline_threshold) {
        inline_.append(reinterpret_cast<const char*>(data.data()), data.size());
        return {};
      }
      if (auto s = spill(); !s) return s;
    }
    return staged_->write(data);
  }

  uint64_t bytes_written() const override { return written_; }

  std::string md5_hex() override { return hex_encode(md5_.peek()); }

  Result<ObjectInfo> commit(const PutFinal& final) override {
    std::string etag = final.etag ? *final.etag : md5_hex();
    if (upload_ && !staged_) {
      if (auto s = spill(); !s) return std::unexpected(s.error());
    }
    if (staged_) {
      if (auto s = staged_->finish(); !s) return std::unexpected(s.error());
    }
    if (upload_) return commit_part(etag, final);
    return commit_object(etag, final);
  }

 private:
  // The body outgrew the inline threshold (or is a part): from now on it
  // goes to staged files.
  Status spill() {
    // A plain object's staged folder becomes its data folder, so its shard
    // takes its final name now; a part is renamed to part.N when committed.
    auto staged = StagedShards::create(set_, layout_, upload_ ? "part" : shard_name(1));
    if (!staged) return std::unexpected(staged.error());
    staged_ = std::move(*staged);
    std::string pending = std::move(inline_);
    inline_.clear();
    return staged_->write(as_bytes(pending));
  }

  // Every drive's record of the new version (inline shards included).
  std::vector<ObjectRecord> records_for(const ObjectRecord& base) {
    size_t n = set_.size();
    std::vector<ObjectRecord> records(n, base);
    if (base.inlined) {
      auto shards =
          encode_inline(set_.codec(layout_.data_blocks, layout_.parity_blocks), layout_, inline_);
      for (size_t j = 0; j < n; ++j) records[j].inline_data = std::move(shards[j]);
    }
    for (size_t j = 0; j < n; ++j) records[j].erasure.index = layout_.distribution[j];
    return records;
  }

  Result<ObjectInfo> commit_object(const std::string& etag, const PutFinal& final) {
    size_t n = set_.size();
    ObjectRecord base;
    base.mod_time_ns = options_.preserve ? options_.preserve->mod_time_ns : now_ns();
    if (options_.preserve) {
      base.version_id = options_.preserve->version_id;
    } else if (options_.versioning == Versioning::kEnabled) {
      base.version_id = storage::new_version_id(base.mod_time_ns);
    }
    base.size = static_cast<int64_t>(written_);
    base.etag = options_.preserve ? options_.preserve->etag : etag;
    base.storage_class = options_.storage_class;
    base.meta = options_.meta;
    base.checksums = final.checksums;
    base.erasure = layout_;
    base.inlined = !staged_;
    if (staged_) base.data_uuid = new_uuid();
    auto records = records_for(base);

    // Refuse before touching any record when quorum is already out of reach:
    // a failed commit cannot restore the version it replaced.
    size_t reachable = 0;
    for (size_t j = 0; j < n; ++j) {
      if (has_data(j) && set_.drive(j).online()) ++reachable;
    }
    if (reachable < write_quorum(layout_)) return fail(ErrorCode::kInsufficientWriteQuorum);
    auto guard = set_.locks().lock(set_.lock_deadline(), bucket_, key_);
    if (!guard) return std::unexpected(guard.error());
    const auto& pre = final.preconditions ? *final.preconditions : options_.preconditions;
    if (auto s = writes_.check_preconditions(bucket_, key_, pre); !s) {
      return std::unexpected(s.error());
    }
    // Checked last before writing: a distributed lock may have lapsed while
    // the preconditions were read (key_locks.h).
    if (!guard->held()) return fail(ErrorCode::kLockLost);
    auto job = std::make_shared<Commit>();
    job->bucket = bucket_;
    job->key = key_;
    if (staged_) job->staged_id = staged_->id();
    job->records = std::move(records);
    job->has_data.resize(n);
    for (size_t j = 0; j < n; ++j) job->has_data[j] = has_data(j) ? 1 : 0;
    auto results = commit_everywhere(set_, job);
    if (writes_.restore_bucket(bucket_, results)) {
      auto again = std::make_shared<Commit>(*job);
      for (size_t j = 0; j < n; ++j) {
        again->has_data[j] = job->has_data[j] && !results[j] &&
                             results[j].error().code == ErrorCode::kNoSuchBucket;
      }
      auto retried = commit_everywhere(set_, again);
      for (size_t j = 0; j < n; ++j) {
        if (again->has_data[j]) results[j] = std::move(retried[j]);
      }
    }
    std::vector<char> committed(n, 0);
    for (size_t j = 0; j < n; ++j) committed[j] = results[j] ? 1 : 0;
    size_t done = static_cast<size_t>(std::count(committed.begin(), committed.end(), 1));
    bool stands = done >= write_quorum(layout_);
    // Only now is the replaced version removed, or, when the write failed,
    // put back where this one was committed.
    settlement_.settle(bucket_, key_, committed, stands, &job->records);
    if (!stands) {
      auto t = tally(results, ErrorCode::kNoSuchKey);
      if (t.no_bucket * 2 > n) return fail(ErrorCode::kNoSuchBucket);
      return fail(write_quorum_error(t.full));
    }
    if (staged_) staged_->keep();
    if (done < n) set_.report_damage(bucket_, key_);
    return to_object_info(bucket_, key_, base);
  }

  // Drive j holds this write's data: inline data is in its record; a
  // staged file must have taken every stripe.
  bool has_data(size_t j) const { return !staged_ || staged_->holds(j); }

  Result<ObjectInfo> commit_part(const std::string& etag, const PutFinal& final) {
    PartRecord part;
    part.number = part_number_;
    part.size = static_cast<int64_t>(written_);
    part.etag = etag;
    part.mod_time_ns = now_ns();
    part.checksums = final.checksums;
    size_t n = set_.size();
    std::vector<char> holds(n);
    for (size_t j = 0; j < n; ++j) holds[j] = staged_->holds(j) ? 1 : 0;
    auto guard = set_.upload_locks().lock(set_.lock_deadline(), bucket_, upload_->upload_id);
    if (!guard) return std::unexpected(guard.error());
    if (!guard->held()) return fail(ErrorCode::kLockLost);
    auto results = commit_part_everywhere(set_, *upload_, part, staged_->id(), std::move(holds));
    auto t = tally(results, ErrorCode::kNoSuchUpload);
    if (t.ok < write_quorum(layout_)) {
      if (t.absent > 0) return fail(ErrorCode::kNoSuchUpload);
      return fail(write_quorum_error(t.full));
    }
    staged_->keep();
    ObjectInfo info;
    info.bucket = bucket_;
    info.key = key_;
    info.size = part.size;
    info.etag = etag;
    info.mod_time_ns = part.mod_time_ns;
    info.checksums = part.checksums;
    return info;
  }

  SetContext& set_;
  ObjectWrites& writes_;
  Settlement& settlement_;
  std::string bucket_, key_;
  PutOptions options_;
  std::optional<UploadRecord> upload_;
  uint32_t part_number_;
  storage::ErasureInfo layout_;
  Digest md5_;
  uint64_t written_ = 0;
  std::string inline_;  // the body while it fits the inline threshold
  std::unique_ptr<StagedShards> staged_;  // the body once it does not
};

}  // namespace

std::unique_ptr<ObjectWriter> ObjectWrites::begin_put(std::string_view bucket,
                                                      std::string_view key, PutOptions options) {
  return std::make_unique<ErasureWriter>(set_, *this, settlement_, std::string(bucket),
                                         std::string(key), std::move(options), std::nullopt, 0);
}

std::unique_ptr<ObjectWriter> ObjectWrites::begin_part(UploadRecord upload, uint32_t part_number) {
  std::string bucket = upload.bucket, key = upload.key;
  return std::make_unique<ErasureWriter>(set_, *this, settlement_, std::move(bucket),
                                         std::move(key), PutOptions{}, std::move(upload),
                                         part_number);
}

Status ObjectWrites::check_preconditions(std::string_view bucket, std::string_view key,
                                         const WritePreconditions& pre) {
  if (!pre.any()) return {};
  auto cur = reads_.head(bucket, key);
  if (!cur && cur.error().code != ErrorCode::kNoSuchKey) return std::unexpected(cur.error());
  return check_write_preconditions(pre, cur ? &*cur : nullptr);
}

bool ObjectWrites::restore_bucket(std::string_view bucket, const std::vector<Status>& results) {
  size_t lacking = static_cast<size_t>(std::count_if(results.begin(), results.end(), [](const auto& s) {
    return !s && s.error().code == ErrorCode::kNoSuchBucket;
  }));
  if (lacking == 0 || lacking * 2 > results.size()) return false;
  auto fixed = buckets_.heal(bucket);
  if (fixed && *fixed > 0) {
    spdlog::info("bucket {} was missing on {} drive(s) of a set; restored", bucket, *fixed);
  }
  return fixed && *fixed > 0;
}

Status ObjectWrites::delete_object(std::string_view bucket, std::string_view key,
                                   const WritePreconditions& pre) {
  size_t n = set_.size();
  auto guard = set_.locks().lock(set_.lock_deadline(), bucket, key);
  if (!guard) return std::unexpected(guard.error());
  if (auto s = check_preconditions(bucket, key, pre); !s) return s;
  if (!guard->held()) return fail(ErrorCode::kLockLost);
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(
      n, deadline,
      [&set = set_, deadline, bucket = std::string(bucket), key = std::string(key)](size_t j) {
        return set.drive(j).delete_object(deadline, bucket, key, storage::Replaced::kKeep);
      });
  size_t done = 0, no_bucket = 0;
  std::vector<char> deleted(n, 0);
  for (size_t j = 0; j < r.size(); ++j) {
    const auto& s = r[j];
    deleted[j] = s ? 1 : 0;
    if (s || s.error().code == ErrorCode::kNoSuchKey) ++done;
    else if (s.error().code == ErrorCode::kNoSuchBucket) ++no_bucket;
  }
  bool stands = no_bucket * 2 <= n && done >= metadata_write_quorum(n);
  settlement_.settle(bucket, key, deleted, stands, nullptr);
  if (no_bucket * 2 > n) return fail(ErrorCode::kNoSuchBucket);
  if (!stands) return fail(ErrorCode::kInsufficientWriteQuorum);
  if (done < n) set_.report_damage(bucket, key);
  return {};
}

Result<DeleteResult> ObjectWrites::delete_versioned(std::string_view bucket, std::string_view key,
                                                   const DeleteOptions& options) {
  if (options.version_id) {
    return delete_version(bucket, key, *options.version_id, options.bypass_governance);
  }
  if (options.versioning == Versioning::kUnversioned) {
    if (auto s = delete_object(bucket, key, options.preconditions); !s) {
      return std::unexpected(s.error());
    }
    return DeleteResult{};
  }
  // A versioned bucket keeps what it had behind a delete marker, committed
  // as any version is (Suspended: the null version, replacing the old one).
  size_t n = set_.size();
  ObjectRecord marker;
  marker.delete_marker = true;
  marker.mod_time_ns = now_ns();
  if (options.versioning == Versioning::kEnabled) {
    marker.version_id = storage::new_version_id(marker.mod_time_ns);
  }
  marker.erasure = layout_for(set_, key, {});
  auto guard = set_.locks().lock(set_.lock_deadline(), bucket, key);
  if (!guard) return std::unexpected(guard.error());
  if (auto s = check_preconditions(bucket, key, options.preconditions); !s) {
    return std::unexpected(s.error());
  }
  if (!guard->held()) return fail(ErrorCode::kLockLost);
  auto job = std::make_shared<Commit>();
  job->bucket = bucket;
  job->key = key;
  job->records.assign(n, marker);
  for (size_t j = 0; j < n; ++j) job->records[j].erasure.index = marker.erasure.distribution[j];
  job->has_data.assign(n, 1);
  auto results = commit_everywhere(set_, job);
  std::vector<char> committed(n, 0);
  for (size_t j = 0; j < n; ++j) committed[j] = results[j] ? 1 : 0;
  size_t done = static_cast<size_t>(std::count(committed.begin(), committed.end(), 1));
  bool stands = done >= write_quorum(marker.erasure);
  settlement_.settle(bucket, key, committed, stands, &job->records);
  if (!stands) {
    auto t = tally(results, ErrorCode::kNoSuchKey);
    if (t.no_bucket * 2 > n) return fail(ErrorCode::kNoSuchBucket);
    return fail(ErrorCode::kInsufficientWriteQuorum);
  }
  if (done < n) set_.report_damage(bucket, key);
  return DeleteResult{marker.version_id.empty() ? "null" : marker.version_id, true};
}

Result<DeleteResult> ObjectWrites::delete_version(std::string_view bucket, std::string_view key,
                                                  std::string_view version_id,
                                                  bool bypass_governance) {
  size_t n = set_.size();
  auto guard = set_.locks().lock(set_.lock_deadline(), bucket, key);
  if (!guard) return std::unexpected(guard.error());
  DeleteResult result{version_id.empty() ? "null" : std::string(version_id), false};
  auto records = reads_.read_version_all(bucket, key, version_id, false);
  for (const auto& r : records) {
    if (r && r->delete_marker) result.delete_marker = true;
  }
  // Checked under the key's lock: a retention or hold set meanwhile counts.
  for (const auto& r : records) {
    if (!r) continue;
    if (auto s = check_removable(r->meta, now_ns(), bypass_governance); !s) {
      return std::unexpected(s.error());
    }
  }
  if (!guard->held()) return fail(ErrorCode::kLockLost);
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(n, deadline,
                           [&set = set_, deadline, bucket = std::string(bucket),
                            key = std::string(key), version = std::string(version_id)](size_t j) {
                             return set.drive(j).delete_version(deadline, bucket, key, version);
                           });
  size_t done = 0, no_bucket = 0;
  for (const auto& s : r) {
    if (s || s.error().code == ErrorCode::kNoSuchKey) ++done;
    else if (s.error().code == ErrorCode::kNoSuchBucket) ++no_bucket;
  }
  if (no_bucket * 2 > n) return fail(ErrorCode::kNoSuchBucket);
  if (done < metadata_write_quorum(n)) return fail(ErrorCode::kInsufficientWriteQuorum);
  if (done < n) set_.report_damage(bucket, key);
  return result;
}

Result<ObjectInfo> ObjectWrites::update_meta(std::string_view bucket, std::string_view key,
                                             const MetaEdit& edit, const std::string* version_id) {
  size_t n = set_.size();
  auto guard = set_.locks().lock(set_.lock_deadline(), bucket, key);
  if (!guard) return std::unexpected(guard.error());
  auto records = version_id ? reads_.read_version_all(bucket, key, *version_id, false)
                            : reads_.read_all(bucket, key, false);
  auto q = pick_quorum(records);
  if (!q) {
    Error e = missing_error(records);
    if (version_id && e.code == ErrorCode::kNoSuchKey) e = Error(ErrorCode::kNoSuchVersion);
    return std::unexpected(e);
  }
  ObjectRecord chosen = *records[*q];
  if (chosen.delete_marker) {
    return fail(version_id ? ErrorCode::kMethodNotAllowed : ErrorCode::kNoSuchKey);
  }
  auto info = to_object_info(bucket, key, chosen);
  if (auto s = edit(info); !s) return std::unexpected(s.error());
  // Later than the stamp it replaces, even with a clock that went back.
  set_meta_stamp(info.meta, std::max(now_ns(), meta_stamp(chosen.meta) + 1));
  if (!guard->held()) return fail(ErrorCode::kLockLost);
  std::vector<char> holds(n);
  for (size_t j = 0; j < n; ++j) holds[j] = records[j] && same_version(*records[j], chosen);
  Deadline deadline = set_.deadline();
  storage::ChangeId version{false, chosen.mod_time_ns, chosen.data_uuid};
  auto r = set_.pool().run(n, deadline, [&](size_t j) -> Status {
    if (!holds[j]) return fail(ErrorCode::kNoSuchKey);
    return set_.drive(j).update_meta(deadline, bucket, key, version, info.meta);
  });
  size_t ok = 0;
  for (const auto& s : r) ok += s ? 1 : 0;
  if (ok < write_quorum(chosen.erasure)) return fail(ErrorCode::kInsufficientWriteQuorum);
  if (ok < n) set_.report_damage(bucket, key);
  return info;
}

}  // namespace silo::object
