#include "object/object_reads.h"

#include <algorithm>
#include <cstring>

#include "object/quorum.h"
#include "object/shard_set.h"

namespace silo::object {

using storage::ObjectRecord;

namespace {

class ErasureReader final : public ObjectReader {
 public:
  ErasureReader(SetContext& set, std::string bucket, std::string key, ObjectRecord record,
                std::vector<std::optional<ObjectRecord>> records,
                std::vector<std::unique_ptr<storage::DataLease>> leases)
      : leases_(std::move(leases)),
        set_(set),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        info_(to_object_info(bucket_, key_, record)),
        shards_(set, std::move(record), std::move(records)) {
    end_ = static_cast<uint64_t>(info_.size);
  }

  ~ErasureReader() override {
    if (shards_.damaged() || !shards_.unhealthy_drives().empty()) set_.report_damage(bucket_, key_);
  }

  const ObjectInfo& info() const override { return info_; }

  void set_range(uint64_t offset, uint64_t length) override {
    pos_ = offset;
    end_ = offset + length;
  }

  Status prefetch() {
    if (info_.size == 0) return {};
    uint8_t byte;
    auto n = read({&byte, 1});
    pos_ = 0;
    if (!n) return std::unexpected(n.error());
    return {};
  }

  Result<size_t> read(std::span<uint8_t> out) override {
    if (pos_ >= end_ || out.empty()) return 0;
    size_t total = 0;
    while (!out.empty() && pos_ < end_) {
      uint64_t part_start = 0;
      size_t index = 0;
      const auto& parts = shards_.parts();
      while (index < parts.size() && pos_ >= part_start + static_cast<uint64_t>(parts[index].size)) {
        part_start += static_cast<uint64_t>(parts[index].size);
        ++index;
      }
      if (index >= parts.size()) return fail(ErrorCode::kInternalError, "read past object end");
      uint64_t in_part = pos_ - part_start;
      uint64_t block = shards_.record().erasure.block_size;
      uint64_t stripe = in_part / block;
      size_t in_stripe = static_cast<size_t>(in_part - stripe * block);
      if (in_stripe == 0 && (loaded_part_ != index || loaded_stripe_ != stripe)) {
        // A whole stripe wanted: decode straight into the caller's buffer.
        uint64_t stripe_len = std::min<uint64_t>(block, static_cast<uint64_t>(parts[index].size) - in_part);
        if (out.size() >= stripe_len && end_ - pos_ >= stripe_len) {
          auto dest = out.first(stripe_len);
          if (auto s = shards_.load(index, stripe, {}, false, dest); !s) return std::unexpected(s.error());
          shards_.join(dest);
          size_t n = shards_.stripe_len();
          out = out.subspan(n);
          pos_ += n;
          total += n;
          continue;
        }
      }
      if (loaded_part_ != index || loaded_stripe_ != stripe) {
        loaded_part_ = SIZE_MAX;
        if (auto s = shards_.load(index, stripe); !s) return std::unexpected(s.error());
        stripe_.ensure(shards_.stripe_len());
        shards_.join(stripe_.span(shards_.stripe_len()));
        loaded_part_ = index;
        loaded_stripe_ = stripe;
      }
      size_t n = std::min<uint64_t>({out.size(), shards_.stripe_len() - in_stripe, end_ - pos_});
      std::memcpy(out.data(), stripe_.data() + in_stripe, n);
      out = out.subspan(n);
      pos_ += n;
      total += n;
    }
    return total;
  }

 private:
  // First, so they are released last: after the shard files are closed.
  std::vector<std::unique_ptr<storage::DataLease>> leases_;
  SetContext& set_;
  std::string bucket_, key_;
  ObjectInfo info_;
  ShardSet shards_;
  Buffer stripe_;
  uint64_t pos_ = 0, end_ = 0;
  size_t loaded_part_ = SIZE_MAX;
  uint64_t loaded_stripe_ = 0;
};

// The error of a read that found delete marker `marker`: NoSuchKey for the
// key's current version, MethodNotAllowed for the marker asked by its id.
Error marker_error(const ObjectRecord& marker, bool by_id) {
  Error e(by_id ? ErrorCode::kMethodNotAllowed : ErrorCode::kNoSuchKey,
          by_id ? "The specified method is not allowed against this resource." : "");
  e.delete_marker = true;
  e.version_id = marker.version_id.empty() ? "null" : marker.version_id;
  e.last_modified_ns = marker.mod_time_ns;
  return e;
}

// The version named by id that read quorum agrees on among `records`: its
// index, NoSuchVersion when no drive has it, MethodNotAllowed when it is a
// delete marker.
Result<size_t> pick_named_version(const std::vector<Result<ObjectRecord>>& records) {
  auto q = pick_quorum(records);
  if (!q) {
    Error e = missing_error(records);
    if (e.code == ErrorCode::kNoSuchKey) e = Error(ErrorCode::kNoSuchVersion);
    return std::unexpected(e);
  }
  if (records[*q]->delete_marker) return std::unexpected(marker_error(*records[*q], true));
  return *q;
}

}  // namespace

std::vector<Result<ObjectRecord>> ObjectReads::read_version_all(std::string_view bucket,
                                                                std::string_view key,
                                                                std::string_view version_id,
                                                                bool with_data) {
  Deadline deadline = set_.deadline();
  return set_.pool().run(set_.size(), deadline,
                         [&set = set_, deadline, bucket = std::string(bucket),
                          key = std::string(key), version = std::string(version_id),
                          with_data](size_t j) {
                           return set.drive(j).read_version(deadline, bucket, key, version,
                                                            with_data);
                         });
}

Result<ObjectInfo> ObjectReads::head_version(std::string_view bucket, std::string_view key,
                                             std::string_view version_id) {
  auto records = read_version_all(bucket, key, version_id, false);
  auto q = pick_named_version(records);
  if (!q) return std::unexpected(q.error());
  return to_object_info(bucket, key, *records[*q]);
}

Result<std::unique_ptr<ObjectReader>> ObjectReads::open_version(std::string_view bucket,
                                                                std::string_view key,
                                                                std::string_view version_id) {
  // A noncurrent version's data stays until that version is deleted by its
  // id: a lease is still taken, so such a delete waits for this read.
  auto records = read_version_all(bucket, key, version_id, true);
  auto q = pick_named_version(records);
  if (!q) return std::unexpected(q.error());
  auto reader = reader_for(bucket, key, records, *q, /*must_lease=*/true);
  if (!reader && reader.error().code == ErrorCode::kNoSuchKey) return fail(ErrorCode::kNoSuchVersion);
  return reader;
}

std::vector<Result<ObjectRecord>> ObjectReads::read_all(std::string_view bucket,
                                                        std::string_view key, bool with_data) {
  Deadline deadline = set_.deadline();
  return set_.each_drive<ObjectRecord>(
      deadline,
      [&](size_t j) { return set_.drive(j).read_object_cached(deadline, bucket, key, with_data); },
      [&] {
        return [&set = set_, deadline, bucket = std::string(bucket), key = std::string(key),
                with_data](size_t j) {
          return set.drive(j).read_object(deadline, bucket, key, with_data);
        };
      });
}

std::optional<std::vector<Result<ObjectRecord>>> ObjectReads::read_all_cached(
    std::string_view bucket, std::string_view key, bool with_data) {
  Deadline deadline = set_.deadline();
  std::vector<Result<ObjectRecord>> out;
  out.reserve(set_.size());
  for (size_t j = 0; j < set_.size(); ++j) {
    auto r = set_.drive(j).read_object_cached(deadline, bucket, key, with_data);
    if (!r && r.error().code == ErrorCode::kWouldBlock) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

Error ObjectReads::no_quorum(std::string_view bucket, std::string_view key,
                             const std::vector<Result<ObjectRecord>>& records) {
  // Records on a minority of drives are remnants (a failed write, a missed
  // delete): have the healer remove them.
  if (std::any_of(records.begin(), records.end(), [](const auto& r) { return r.has_value(); })) {
    set_.report_damage(bucket, key);
  }
  return missing_error(records);
}

Result<ObjectInfo> ObjectReads::head(std::string_view bucket, std::string_view key) {
  auto records = read_all(bucket, key, false);
  auto q = pick_quorum(records);
  if (!q) return std::unexpected(no_quorum(bucket, key, records));
  if (records[*q]->delete_marker) return std::unexpected(marker_error(*records[*q], false));
  return to_object_info(bucket, key, *records[*q]);
}

Result<ObjectInfo> ObjectReads::head_cached(std::string_view bucket, std::string_view key) {
  auto records = read_all_cached(bucket, key, false);
  if (!records) return fail(ErrorCode::kWouldBlock);
  // Anything but a clear answer (missing keys, disagreement) takes the
  // ordinary path, which also reports damage to the healer.
  auto q = pick_quorum(*records);
  if (!q || (*records)[*q]->delete_marker) return fail(ErrorCode::kWouldBlock);
  return to_object_info(bucket, key, *(*records)[*q]);
}

Result<std::unique_ptr<ObjectReader>> ObjectReads::open_cached(std::string_view bucket,
                                                               std::string_view key) {
  auto records = read_all_cached(bucket, key, true);
  if (!records) return fail(ErrorCode::kWouldBlock);
  auto q = pick_quorum(*records);
  // Only inline objects: their data is in the records, so reading never
  // touches a shard file.
  if (!q || !(*records)[*q]->inlined || (*records)[*q]->delete_marker) {
    return fail(ErrorCode::kWouldBlock);
  }
  return reader_for(bucket, key, *records, *q, /*must_lease=*/false);
}

Result<std::unique_ptr<ObjectReader>> ObjectReads::open(std::string_view bucket,
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
    if (records[*q]->delete_marker) return std::unexpected(marker_error(*records[*q], false));
    auto reader = reader_for(bucket, key, records, *q, /*must_lease=*/choice < kChoices);
    if (reader || reader.error().code != ErrorCode::kNoSuchKey || choice == kChoices) {
      return reader;
    }
  }
}

Result<std::unique_ptr<ObjectReader>> ObjectReads::reader_for(
    std::string_view bucket, std::string_view key, std::vector<Result<ObjectRecord>>& records,
    size_t q, bool must_lease) {
  ObjectRecord chosen = *records[q];
  std::vector<std::optional<ObjectRecord>> agreeing(set_.size());
  for (size_t j = 0; j < set_.size(); ++j) {
    if (records[j] && same_version(*records[j], chosen)) agreeing[j] = std::move(*records[j]);
  }
  std::vector<std::unique_ptr<storage::DataLease>> leases;
  if (!chosen.inlined && !chosen.data_uuid.empty()) {
    // Leasing is a lookup in memory and one stat per drive: cheaper than a
    // hand-off to the drive pool.
    size_t leased = 0;
    Deadline deadline = set_.deadline();
    for (size_t j = 0; j < set_.size(); ++j) {
      if (!agreeing[j]) continue;
      auto lease = set_.drive(j).lease_data(deadline, chosen.data_uuid);
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
  auto reader = std::make_unique<ErasureReader>(set_, std::string(bucket), std::string(key),
                                                std::move(chosen), std::move(agreeing),
                                                std::move(leases));
  if (auto s = reader->prefetch(); !s) return std::unexpected(s.error());
  return reader;
}

}  // namespace silo::object
