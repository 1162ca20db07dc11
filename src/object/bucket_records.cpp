#include "object/bucket_records.h"

#include <algorithm>
#include <map>
#include <optional>

#include "common/time.h"
#include "object/quorum.h"

namespace silo::object {

Status BucketRecords::make(std::string_view bucket, const BucketOptions& options) {
  size_t n = set_.size();
  std::vector<Status> r(n);
  storage::BucketRecord rec{std::string(bucket), now_ns(), options.location};
  set_.pool().for_each(n, [&](size_t j) { r[j] = set_.drive(j).make_bucket(rec); });
  size_t ok = 0, exists = 0;
  for (const auto& s : r) {
    if (s) ++ok;
    else if (s.error().code == ErrorCode::kBucketAlreadyOwnedByYou) ++exists;
  }
  size_t quorum = metadata_write_quorum(n);
  if (exists >= quorum || (exists > 0 && ok == 0 && exists + ok >= quorum)) {
    return fail(ErrorCode::kBucketAlreadyOwnedByYou);
  }
  if (ok + exists >= quorum) return {};
  set_.pool().for_each(n, [&](size_t j) {
    if (r[j]) (void)set_.drive(j).delete_bucket(bucket);
  });
  return fail(ErrorCode::kInsufficientWriteQuorum);
}

Result<BucketInfo> BucketRecords::head(std::string_view bucket) {
  auto r = set_.each_drive<storage::BucketRecord>(
      [&](size_t j) { return set_.drive(j).stat_bucket_cached(bucket); },
      [&](size_t j) { return set_.drive(j).stat_bucket(bucket); });
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
  size_t quorum = metadata_read_quorum(set_.size());
  if (ok >= quorum && ok > 0) {
    return BucketInfo{found->name, found->created_ns, found->location};
  }
  if (missing > 0 && missing >= quorum) return fail(ErrorCode::kNoSuchBucket);
  return fail(ErrorCode::kInsufficientReadQuorum);
}

Status BucketRecords::check(std::string_view bucket) {
  auto b = head(bucket);
  if (!b) return std::unexpected(b.error());
  return {};
}

Result<std::vector<BucketInfo>> BucketRecords::list() {
  size_t n = set_.size();
  std::vector<Result<std::vector<storage::BucketRecord>>> r(n, fail(ErrorCode::kDriveOffline));
  set_.pool().for_each(n, [&](size_t j) { r[j] = set_.drive(j).list_buckets(); });
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
  size_t quorum = metadata_read_quorum(n);
  if (answered < quorum || answered == 0) return fail(ErrorCode::kInsufficientReadQuorum);
  std::vector<BucketInfo> out;
  for (const auto& [name, entry] : seen) {
    if (entry.first >= quorum) out.push_back({name, entry.second});
  }
  return out;
}

Status BucketRecords::remove(std::string_view bucket) {
  size_t n = set_.size();
  std::vector<Status> r(n);
  set_.pool().for_each(n, [&](size_t j) { r[j] = set_.drive(j).delete_bucket(bucket); });
  size_t ok = 0;
  for (const auto& s : r) {
    if (s) ++ok;
    else if (s.error().code == ErrorCode::kBucketNotEmpty) return fail(ErrorCode::kBucketNotEmpty);
    else if (s.error().code == ErrorCode::kNoSuchBucket) ++ok;
  }
  if (ok < metadata_write_quorum(n)) return fail(ErrorCode::kInsufficientWriteQuorum);
  return {};
}

Result<size_t> BucketRecords::heal(std::string_view bucket) {
  auto b = head(bucket);
  if (!b) return std::unexpected(b.error());
  std::vector<char> fixed(set_.size(), 0);
  set_.pool().for_each(set_.size(), [&](size_t j) {
    auto st = set_.drive(j).stat_bucket(bucket);
    if (!st && st.error().code == ErrorCode::kNoSuchBucket) {
      fixed[j] = set_.drive(j).make_bucket({b->name, b->created_ns}) ? 1 : 0;
    }
  });
  return static_cast<size_t>(std::count(fixed.begin(), fixed.end(), 1));
}

}  // namespace silo::object
