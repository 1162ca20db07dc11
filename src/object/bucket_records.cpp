#include "object/bucket_records.h"

#include <algorithm>
#include <map>
#include <optional>

#include "common/time.h"
#include "object/quorum.h"

namespace silo::object {

Status BucketRecords::make(std::string_view bucket, const BucketOptions& options) {
  size_t n = set_.size();
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(
      n, deadline,
      [&set = set_, deadline,
       rec = storage::BucketRecord{std::string(bucket), now_ns(), options.location}](size_t j) {
        return set.drive(j).make_bucket(deadline, rec);
      });
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
  std::vector<char> made(n);
  for (size_t j = 0; j < n; ++j) made[j] = r[j] ? 1 : 0;
  Deadline undo = set_.deadline();
  set_.pool().run(n, undo, [&set = set_, undo, name = std::string(bucket), made](size_t j) {
    return made[j] ? set.drive(j).delete_bucket(undo, name) : Status{};
  });
  return fail(ErrorCode::kInsufficientWriteQuorum);
}

Result<BucketInfo> BucketRecords::head(std::string_view bucket) {
  return head(bucket, /*enough=*/false);
}

Result<BucketInfo> BucketRecords::head(std::string_view bucket, bool enough) {
  Deadline deadline = set_.deadline();
  size_t quorum = metadata_read_quorum(set_.size());
  size_t ok = 0, missing = 0;
  std::optional<storage::BucketRecord> found;
  auto count = [&](const Result<storage::BucketRecord>& b) {
    if (b) {
      ++ok;
      if (!found || b->created_ns < found->created_ns) found = *b;
    } else if (b.error().code == ErrorCode::kNoSuchBucket) {
      ++missing;
    }
  };
  if (enough) {
    // Answers from memory that already make a quorum settle it: asking the
    // other drives could only add to `ok`.
    for (size_t j = 0; j < set_.size() && ok < quorum; ++j) {
      count(set_.drive(j).stat_bucket_cached(deadline, bucket));
    }
    if (ok >= quorum && ok > 0) return BucketInfo{found->name, found->created_ns, found->location};
    ok = missing = 0;
    found.reset();
  }
  auto r = set_.each_drive<storage::BucketRecord>(
      deadline, [&](size_t j) { return set_.drive(j).stat_bucket_cached(deadline, bucket); },
      [&] {
        return [&set = set_, deadline, name = std::string(bucket)](size_t j) {
          return set.drive(j).stat_bucket(deadline, name);
        };
      });
  for (const auto& b : r) count(b);
  if (ok >= quorum && ok > 0) {
    return BucketInfo{found->name, found->created_ns, found->location};
  }
  if (missing > 0 && missing >= quorum) return fail(ErrorCode::kNoSuchBucket);
  return fail(ErrorCode::kInsufficientReadQuorum);
}

Status BucketRecords::check(std::string_view bucket) {
  auto b = head(bucket, /*enough=*/true);
  if (!b) return std::unexpected(b.error());
  return {};
}

Result<std::vector<BucketInfo>> BucketRecords::list() {
  size_t n = set_.size();
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(n, deadline, [&set = set_, deadline](size_t j) {
    return set.drive(j).list_buckets(deadline);
  });
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
  Deadline deadline = set_.deadline();
  auto r =
      set_.pool().run(n, deadline, [&set = set_, deadline, name = std::string(bucket)](size_t j) {
        return set.drive(j).delete_bucket(deadline, name);
      });
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
  auto b = agreed(bucket);
  if (!b) return std::unexpected(b.error());
  Deadline deadline = set_.deadline();
  // A drive that lacks the bucket gets it, one whose settings are stale
  // gets the agreed ones.
  auto fixed = set_.pool().run(
      set_.size(), deadline, [&set = set_, deadline, rec = *b](size_t j) -> Result<bool> {
        auto st = set.drive(j).stat_bucket(deadline, rec.name);
        if (st) {
          if (st->quota_bytes == rec.quota_bytes && st->configs == rec.configs) return false;
          return set.drive(j).update_bucket(deadline, rec).has_value();
        }
        if (st.error().code != ErrorCode::kNoSuchBucket) return false;
        return set.drive(j).make_bucket(deadline, rec).has_value();
      });
  return static_cast<size_t>(
      std::count_if(fixed.begin(), fixed.end(), [](const auto& f) { return f && *f; }));
}

Result<storage::BucketRecord> BucketRecords::agreed(std::string_view bucket) {
  Deadline deadline = set_.deadline();
  // Asked of every drive: a remote drive's memory of a bucket may be a
  // second old (cluster/remote_drive.h), and a setting just changed through
  // another node must be seen (its change notice made this node ask).
  auto records = set_.each_drive<storage::BucketRecord>(
      deadline,
      [](size_t) -> Result<storage::BucketRecord> { return fail(ErrorCode::kWouldBlock); },
      [&] {
        return [&set = set_, deadline, name = std::string(bucket)](size_t j) {
          return set.drive(j).stat_bucket(deadline, name);
        };
      });
  auto t = tally(records, ErrorCode::kNoSuchBucket);
  size_t quorum = metadata_read_quorum(set_.size());
  if (t.ok < quorum || t.ok == 0) {
    return fail(t.absent >= quorum && t.absent > 0 ? ErrorCode::kNoSuchBucket
                                                   : ErrorCode::kInsufficientReadQuorum);
  }
  // Each setting is the value most drives hold: a change that missed a
  // drive or two counts once it is on most of them.
  std::map<uint64_t, size_t> quotas;
  std::map<storage::KeyValues, size_t> configs;
  std::optional<storage::BucketRecord> out;
  for (const auto& r : records) {
    if (!r) continue;
    ++quotas[r->quota_bytes];
    ++configs[r->configs];
    if (!out || r->created_ns < out->created_ns) out = *r;
  }
  auto most = [](const auto& votes) {
    return std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
             return a.second < b.second;
           })->first;
  };
  out->quota_bytes = most(quotas);
  out->configs = most(configs);
  return *out;
}

Result<std::optional<uint64_t>> BucketRecords::quota(std::string_view bucket) {
  auto r = agreed(bucket);
  if (!r) return std::unexpected(r.error());
  if (r->quota_bytes == 0) return std::optional<uint64_t>();
  return std::optional<uint64_t>(r->quota_bytes);
}

Result<storage::KeyValues> BucketRecords::configs(std::string_view bucket) {
  auto r = agreed(bucket);
  if (!r) return std::unexpected(r.error());
  return std::move(r->configs);
}

Status BucketRecords::update(std::string_view bucket,
                             const std::function<void(storage::BucketRecord&)>& change) {
  auto record = agreed(bucket);
  if (!record) return std::unexpected(record.error());
  change(*record);
  size_t n = set_.size();
  Deadline deadline = set_.deadline();
  // The whole agreed record goes to every drive: one that missed an earlier
  // change gets it now too.
  auto r = set_.pool().run(n, deadline, [&set = set_, deadline, rec = *record](size_t j) {
    return set.drive(j).update_bucket(deadline, rec);
  });
  auto t = tally(r, ErrorCode::kNoSuchBucket);
  if (t.absent * 2 > n) return fail(ErrorCode::kNoSuchBucket);
  if (t.ok < metadata_write_quorum(n)) return fail(ErrorCode::kInsufficientWriteQuorum);
  return {};
}

Status BucketRecords::set_quota(std::string_view bucket, std::optional<uint64_t> bytes) {
  return update(bucket, [&](storage::BucketRecord& r) { r.quota_bytes = bytes.value_or(0); });
}

Status BucketRecords::set_config(std::string_view bucket, std::string_view name,
                                 std::optional<std::string_view> document) {
  return update(bucket, [&](storage::BucketRecord& r) {
    std::erase_if(r.configs, [&](const auto& kv) { return kv.first == name; });
    if (document) {
      r.configs.emplace_back(std::string(name), std::string(*document));
      std::sort(r.configs.begin(), r.configs.end());
    }
  });
}

Result<storage::BucketUsage> BucketRecords::usage(std::string_view bucket) {
  Deadline deadline = set_.deadline();
  auto r = set_.pool().run(set_.size(), deadline,
                           [&set = set_, deadline, name = std::string(bucket)](size_t j) {
                             return set.drive(j).bucket_usage(deadline, name);
                           });
  std::optional<storage::BucketUsage> most;
  for (const auto& u : r) {
    if (u && (!most || u->bytes > most->bytes)) most = *u;
  }
  if (!most) return fail(ErrorCode::kInsufficientReadQuorum);
  return *most;
}

}  // namespace silo::object
