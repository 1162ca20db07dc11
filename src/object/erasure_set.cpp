#include "object/erasure_set.h"

#include <algorithm>
#include <map>

#include "common/time.h"
#include "object/erasure_io.h"

namespace silo::object {

using storage::ObjectRecord;

std::string_view ObjectInfo::meta_value(std::string_view name) const {
  for (const auto& [k, v] : meta) {
    if (k == name) return v;
  }
  return {};
}

ObjectInfo to_object_info(std::string_view bucket, std::string_view key, const ObjectRecord& r) {
  ObjectInfo info;
  info.bucket = bucket;
  info.key = key;
  info.size = r.size;
  info.etag = r.etag;
  info.mod_time_ns = r.mod_time_ns;
  info.storage_class = r.storage_class.empty() ? "STANDARD" : r.storage_class;
  info.meta = r.meta;
  info.checksums = r.checksums;
  info.parts = r.parts;
  return info;
}

namespace {

// The error for a key no version of which reached its read quorum: "not
// found" only when so many drives say so that no committed version can hide
// on the others; otherwise the set is below quorum.
Error missing_error(const std::vector<Result<ObjectRecord>>& records) {
  size_t n = records.size();
  auto t = tally(records, ErrorCode::kNoSuchKey);
  if (t.no_bucket * 2 > n) return Error(ErrorCode::kNoSuchBucket);
  size_t absent = t.absent + t.no_bucket;
  if (absent * 2 >= n && absent > 0) return Error(ErrorCode::kNoSuchKey);
  return Error(ErrorCode::kInsufficientReadQuorum);
}

uint64_t key_hash(std::string_view key) {
  // FNV-1a: a stable rotation start, independent of the platform's std::hash.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

ErasureSet::ErasureSet(std::vector<std::shared_ptr<storage::Drive>> drives,
                       ErasureSetOptions options)
    : drives_(std::move(drives)),
      options_(options),
      // Drive tasks mostly wait for fsync; more of them in flight means
      // bigger RocksDB write groups (4 drives: 32 threads, +10% 4 KiB PUTs).
      pool_(std::max<size_t>(8, drives_.size() * 8)),
      codecs_(33 * 33) {}

const erasure::Codec& ErasureSet::codec(uint32_t k, uint32_t m) {
  std::lock_guard lock(codec_mu_);
  auto& slot = codecs_[k * 33 + m];
  if (!slot) slot = std::make_unique<erasure::Codec>(static_cast<int>(k), static_cast<int>(m));
  return *slot;
}

storage::ErasureInfo ErasureSet::layout_for(std::string_view key,
                                            std::string_view storage_class) const {
  size_t n = drives_.size();
  size_t parity = storage_class == "REDUCED_REDUNDANCY" ? options_.reduced_parity
                                                        : options_.standard_parity;
  size_t offline = static_cast<size_t>(
      std::count_if(drives_.begin(), drives_.end(), [](auto& d) { return !d->online(); }));
  parity = std::min(parity + offline, n / 2);
  storage::ErasureInfo e;
  e.data_blocks = static_cast<uint32_t>(n - parity);
  e.parity_blocks = static_cast<uint32_t>(parity);
  e.block_size = static_cast<uint32_t>(options_.block_size);
  size_t start = n > 1 ? key_hash(key) % n : 0;
  e.distribution.resize(n);
  for (size_t j = 0; j < n; ++j) e.distribution[j] = static_cast<uint8_t>((j + n - start) % n + 1);
  return e;
}

void ErasureSet::report_damage(std::string_view bucket, std::string_view key) {
  if (on_damage_) on_damage_(std::string(bucket), std::string(key));
}

std::vector<Result<ObjectRecord>> ErasureSet::read_all(std::string_view bucket,
                                                       std::string_view key, bool with_data) {
  return each_drive<ObjectRecord>(
      [&](size_t j) { return drives_[j]->read_object_cached(bucket, key, with_data); },
      [&](size_t j) { return drives_[j]->read_object(bucket, key, with_data); });
}

// ---- Buckets

Status ErasureSet::make_bucket(std::string_view bucket, const BucketOptions& options) {
  std::vector<Status> r(drives_.size());
  storage::BucketRecord rec{std::string(bucket), now_ns(), options.location};
  pool_.for_each(drives_.size(), [&](size_t j) { r[j] = drives_[j]->make_bucket(rec); });
  size_t ok = 0, exists = 0;
  for (const auto& s : r) {
    if (s) ++ok;
    else if (s.error().code == ErrorCode::kBucketAlreadyOwnedByYou) ++exists;
  }
  size_t quorum = metadata_write_quorum(drives_.size());
  if (exists >= quorum || (exists > 0 && ok == 0 && exists + ok >= quorum)) {
    return fail(ErrorCode::kBucketAlreadyOwnedByYou);
  }
  if (ok + exists >= quorum) return {};
  pool_.for_each(drives_.size(), [&](size_t j) {
    if (r[j]) (void)drives_[j]->delete_bucket(bucket);
  });
  return fail(ErrorCode::kInsufficientWriteQuorum);
}

Result<BucketInfo> ErasureSet::head_bucket(std::string_view bucket) {
  auto r = each_drive<storage::BucketRecord>(
      [&](size_t j) { return drives_[j]->stat_bucket_cached(bucket); },
      [&](size_t j) { return drives_[j]->stat_bucket(bucket); });
  size_t ok = 0, missing = 0;
  std::optional<storage::BucketRecord> found;
  for (const auto& b : r) {
    if (b) {
      ++ok;
      if (!found || b->created_ns < found->created_ns) found = *b;
    } else if (b.error().code == ErrorCode::kNoSuchBucket) {
      ++missing;
    }
  }
  size_t quorum = metadata_read_quorum(drives_.size());
  if (ok >= quorum && ok > 0) {
    return BucketInfo{found->name, found->created_ns, found->location};
  }
  if (missing > 0 && missing >= quorum) return fail(ErrorCode::kNoSuchBucket);
  return fail(ErrorCode::kInsufficientReadQuorum);
}

Status ErasureSet::check_bucket(std::string_view bucket) {
  auto b = head_bucket(bucket);
  if (!b) return std::unexpected(b.error());
  return {};
}

Result<std::vector<BucketInfo>> ErasureSet::list_buckets() {
  std::vector<Result<std::vector<storage::BucketRecord>>> r(drives_.size(),
                                                           fail(ErrorCode::kDriveOffline));
  pool_.for_each(drives_.size(), [&](size_t j) { r[j] = drives_[j]->list_buckets(); });
  std::map<std::string, std::pair<size_t, int64_t>> seen;
  size_t answered = 0;
  for (const auto& list : r) {
    if (!list) continue;
    ++answered;
    for (const auto& b : *list) {
      auto& entry = seen[b.name];
      if (entry.first == 0 || b.created_ns < entry.second) entry.second = b.created_ns;
      entry.first++;
    }
  }
  size_t quorum = metadata_read_quorum(drives_.size());
  if (answered < quorum || answered == 0) return fail(ErrorCode::kInsufficientReadQuorum);
  std::vector<BucketInfo> out;
  for (const auto& [name, entry] : seen) {
    if (entry.first >= quorum) out.push_back({name, entry.second});
  }
  return out;
}

Status ErasureSet::delete_bucket(std::string_view bucket) {
  if (auto s = check_bucket(bucket); !s) return s;
  ListParams one;
  one.max_keys = 1;
  auto objects = list_objects(bucket, one);
  if (!objects) return std::unexpected(objects.error());
  if (!objects->objects.empty()) return fail(ErrorCode::kBucketNotEmpty);
  UploadListParams up;
  up.max_uploads = 1;
  auto uploads = list_uploads(bucket, up);
  if (!uploads) return std::unexpected(uploads.error());
  if (!uploads->uploads.empty()) return fail(ErrorCode::kBucketNotEmpty);
  std::vector<Status> r(drives_.size());
  pool_.for_each(drives_.size(), [&](size_t j) { r[j] = drives_[j]->delete_bucket(bucket); });
  size_t ok = 0;
  for (const auto& s : r) {
    if (s) ++ok;
    else if (s.error().code == ErrorCode::kBucketNotEmpty) return fail(ErrorCode::kBucketNotEmpty);
    else if (s.error().code == ErrorCode::kNoSuchBucket) ++ok;
  }
  if (ok < metadata_write_quorum(drives_.size())) return fail(ErrorCode::kInsufficientWriteQuorum);
  return {};
}

// ---- Objects

Status ErasureSet::check_preconditions(std::string_view bucket, std::string_view key,
                                       const WritePreconditions& pre) {
  if (!pre.if_match && !pre.if_none_match_any) return {};
  auto cur = head_object(bucket, key);
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

Result<std::unique_ptr<ObjectWriter>> ErasureSet::begin_put(std::string_view bucket,
                                                            std::string_view key,
                                                            PutOptions options) {
  if (auto s = check_bucket(bucket); !s) return std::unexpected(s.error());
  return make_erasure_writer(*this, std::string(bucket), std::string(key), std::move(options),
                             std::nullopt, 0);
}

Error ErasureSet::no_quorum(std::string_view bucket, std::string_view key,
                            const std::vector<Result<ObjectRecord>>& records) {
  // Records on a minority of drives are remnants (a failed write, a missed
  // delete): have the healer remove them.
  if (std::any_of(records.begin(), records.end(), [](const auto& r) { return r.has_value(); })) {
    report_damage(bucket, key);
  }
  return missing_error(records);
}

Result<ObjectInfo> ErasureSet::head_object(std::string_view bucket, std::string_view key) {
  auto records = read_all(bucket, key, false);
  auto q = pick_quorum(records);
  if (!q) return std::unexpected(no_quorum(bucket, key, records));
  return to_object_info(bucket, key, *records[*q]);
}

std::optional<std::vector<Result<ObjectRecord>>> ErasureSet::read_all_cached(
    std::string_view bucket, std::string_view key, bool with_data) {
  std::vector<Result<ObjectRecord>> out;
  out.reserve(drives_.size());
  for (const auto& drive : drives_) {
    auto r = drive->read_object_cached(bucket, key, with_data);
    if (!r && r.error().code == ErrorCode::kWouldBlock) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

Result<ObjectInfo> ErasureSet::head_object_cached(std::string_view bucket, std::string_view key) {
  auto records = read_all_cached(bucket, key, false);
  if (!records) return fail(ErrorCode::kWouldBlock);
  // Anything but a clear answer (missing keys, disagreement) takes the
  // ordinary path, which also reports damage to the healer.
  auto q = pick_quorum(*records);
  if (!q) return fail(ErrorCode::kWouldBlock);
  return to_object_info(bucket, key, *(*records)[*q]);
}

Result<std::unique_ptr<ObjectReader>> ErasureSet::open_object_cached(std::string_view bucket,
                                                                     std::string_view key) {
  auto records = read_all_cached(bucket, key, true);
  if (!records) return fail(ErrorCode::kWouldBlock);
  auto q = pick_quorum(*records);
  // Only inline objects: their data is in the records, so reading never
  // touches a shard file.
  if (!q || !(*records)[*q]->inlined) return fail(ErrorCode::kWouldBlock);
  return reader_for(bucket, key, *records, *q, /*must_lease=*/false);
}

Result<std::unique_ptr<ObjectReader>> ErasureSet::open_object(std::string_view bucket,
                                                              std::string_view key) {
  // The data of the chosen version is leased on its drives before any shard
  // is read, so a change that commits meanwhile removes it only after this
  // read. A version replaced and removed between reading the records and
  // leasing is one this read never used: choosing again then gives the
  // version that replaced it, as a read started a moment later would get.
  constexpr int kChoices = 3;
  for (int choice = 1;; ++choice) {
    auto records = read_all(bucket, key, true);
    auto q = pick_quorum(records);
    if (!q) return std::unexpected(no_quorum(bucket, key, records));
    auto reader = reader_for(bucket, key, records, *q, /*must_lease=*/choice < kChoices);
    if (reader || reader.error().code != ErrorCode::kNoSuchKey || choice == kChoices) {
      return reader;
    }
  }
}

Result<std::unique_ptr<ObjectReader>> ErasureSet::reader_for(
    std::string_view bucket, std::string_view key, std::vector<Result<ObjectRecord>>& records,
    size_t q, bool must_lease) {
  ObjectRecord chosen = *records[q];
  std::vector<std::optional<ObjectRecord>> agreeing(drives_.size());
  for (size_t j = 0; j < drives_.size(); ++j) {
    if (records[j] && same_version(*records[j], chosen)) agreeing[j] = std::move(*records[j]);
  }
  std::vector<std::unique_ptr<storage::DataLease>> leases;
  if (!chosen.inlined && !chosen.data_uuid.empty()) {
    // Leasing is a lookup in memory and one stat per drive: cheaper than a
    // hand-off to the drive pool.
    size_t leased = 0;
    for (size_t j = 0; j < drives_.size(); ++j) {
      if (!agreeing[j]) continue;
      auto lease = drives_[j]->lease_data(chosen.data_uuid);
      if (!lease) {
        agreeing[j].reset();  // that drive's copy is gone: read the others
        continue;
      }
      leases.push_back(std::move(*lease));
      ++leased;
    }
    if (must_lease && leased < chosen.erasure.data_blocks) {
      return fail(ErrorCode::kNoSuchKey, "the chosen version was replaced");
    }
  }
  return make_erasure_reader(*this, std::string(bucket), std::string(key), std::move(chosen),
                             std::move(agreeing), std::move(leases));
}

Status ErasureSet::delete_object(std::string_view bucket, std::string_view key) {
  auto guard = locks_.lock(bucket, key);
  std::vector<Status> r(drives_.size());
  pool_.for_each(drives_.size(), [&](size_t j) {
    r[j] = drives_[j]->delete_object(bucket, key, storage::Replaced::kKeep);
  });
  size_t done = 0, no_bucket = 0;
  std::vector<char> deleted(drives_.size(), 0);
  for (size_t j = 0; j < r.size(); ++j) {
    const auto& s = r[j];
    deleted[j] = s ? 1 : 0;
    if (s || s.error().code == ErrorCode::kNoSuchKey) ++done;
    else if (s.error().code == ErrorCode::kNoSuchBucket) ++no_bucket;
  }
  bool stands = no_bucket * 2 <= drives_.size() && done >= metadata_write_quorum(drives_.size());
  settle(bucket, key, deleted, stands, nullptr);
  if (no_bucket * 2 > drives_.size()) return fail(ErrorCode::kNoSuchBucket);
  if (!stands) return fail(ErrorCode::kInsufficientWriteQuorum);
  if (done < drives_.size()) report_damage(bucket, key);
  return {};
}

}  // namespace silo::object
