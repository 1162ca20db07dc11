// Healing for an erasure set: rebuild what some drives lack (a record, a
// shard file, a corrupt block) from what the others hold.
#include "object/object_heal.h"

#include <algorithm>

#include "common/log.h"
#include "common/uuid.h"
#include "erasure/bitrot.h"
#include "object/placement.h"
#include "object/object_meta.h"
#include "object/quorum.h"
#include "object/shard_set.h"

namespace silo::object {

using storage::ObjectRecord;

namespace {

// True when drive `j`'s copy of `rec` looks complete: every shard file exists
// with the framed size it must have. (Block hashes are verified by a deep
// heal and by the rebuild below, which read every block of every shard.)
bool shards_present(storage::Drive& drive, Deadline deadline, const ObjectRecord& rec) {
  if (rec.inlined) return true;
  size_t shard_block = shard_block_size(rec.erasure.block_size, rec.erasure.data_blocks);
  for (const auto& part : stored_parts(rec)) {
    auto file = drive.open_shard(deadline, rec.data_uuid, shard_name(part.number));
    if (!file) return false;
    uint64_t data = shard_file_size(static_cast<uint64_t>(part.size), rec.erasure.block_size,
                                    rec.erasure.data_blocks);
    if ((*file)->size() != erasure::framed_size(data, shard_block)) return false;
  }
  return true;
}

}  // namespace

Result<HealResult> ObjectHeal::heal(std::string_view bucket, std::string_view key, bool deep) {
  size_t n = set_.size();
  auto guard = set_.locks().lock(set_.lock_deadline(), bucket, key);
  if (!guard) return std::unexpected(guard.error());
  HealResult result;
  auto records = reads_.read_all(bucket, key, true);
  auto q = pick_quorum(records);
  if (!q) {
    // A remnant of a write that never reached quorum, on a minority of
    // drives while most drives say the key does not exist: remove it.
    size_t absent = 0, present = 0;
    for (const auto& r : records) {
      if (r) ++present;
      else if (r.error().code == ErrorCode::kNoSuchKey) ++absent;
    }
    if (present > 0 && absent * 2 > n) {
      std::vector<char> holds(n);
      for (size_t j = 0; j < n; ++j) holds[j] = records[j] ? 1 : 0;
      Deadline deadline = set_.deadline();
      set_.pool().run(n, deadline,
                      [&set = set_, deadline, bucket = std::string(bucket), key = std::string(key),
                       holds = std::move(holds)](size_t j) {
                        return holds[j] ? set.drive(j).delete_object(deadline, bucket, key)
                                        : Status{};
                      });
      result.removed_dangling = true;
      return result;
    }
    if (present == 0 && absent > 0) return fail(ErrorCode::kNoSuchKey);
    return fail(ErrorCode::kInsufficientReadQuorum);
  }
  const ObjectRecord chosen = *records[*q];
  std::vector<std::optional<ObjectRecord>> agreeing(n);
  std::vector<size_t> targets;
  // What each drive agreeing on the version must hold (its shard files'
  // names and sizes: the record without inline data), owned by the tasks.
  std::vector<std::optional<ObjectRecord>> expected(n);
  for (size_t j = 0; j < n; ++j) {
    if (records[j] && same_version(*records[j], chosen)) {
      expected[j] = *records[j];
      expected[j]->inline_data.clear();
    }
  }
  Deadline deadline = set_.deadline();
  auto complete = set_.pool().run(
      n, deadline,
      [&set = set_, deadline, expected = std::move(expected)](size_t j) -> Result<bool> {
        return expected[j] && shards_present(set.drive(j), deadline, *expected[j]);
      });
  for (size_t j = 0; j < n; ++j) {
    if (records[j] && same_version(*records[j], chosen) && complete[j] && *complete[j]) {
      agreeing[j] = *records[j];
    } else if (set_.drive(j).online()) {
      targets.push_back(j);
    }
  }
  // Drives that hold the version but missed an in-place metadata update.
  std::vector<char> stale_meta(n, 0);
  size_t stale = 0;
  for (size_t j = 0; j < n; ++j) {
    if (agreeing[j] && meta_stamp(agreeing[j]->meta) < meta_stamp(chosen.meta)) {
      stale_meta[j] = 1;
      ++stale;
    }
  }
  if (stale > 0) {
    storage::ChangeId version{false, chosen.mod_time_ns, chosen.data_uuid};
    auto updated = set_.pool().run(n, deadline, [&](size_t j) -> Status {
      if (!stale_meta[j]) return {};
      return set_.drive(j).update_meta(deadline, bucket, key, version, chosen.meta);
    });
    for (size_t j = 0; j < n; ++j) {
      if (stale_meta[j] && updated[j]) ++result.drives_healed;
    }
  }
  size_t shard_block = shard_block_size(chosen.erasure.block_size, chosen.erasure.data_blocks);
  auto parts = stored_parts(chosen);
  if (targets.empty() && deep) {
    // Read every block of every shard: bitrot shows up only this way.
    ShardSet verify(set_, chosen, agreeing);
    for (size_t p = 0; p < parts.size(); ++p) {
      uint64_t size = static_cast<uint64_t>(parts[p].size);
      uint64_t stripes = (size + chosen.erasure.block_size - 1) / chosen.erasure.block_size;
      for (uint64_t st = 0; st < stripes; ++st) {
        if (auto s = verify.load(p, st, {}, /*verify_all=*/true); !s) return std::unexpected(s.error());
      }
    }
    for (size_t j : verify.unhealthy_drives()) {
      if (set_.drive(j).online() && agreeing[j]) {
        targets.push_back(j);
        // A shard with a few bad blocks is rewritten, yet its good blocks
        // still count as sources: with scattered bitrot every drive may
        // need a rewrite while every stripe is decodable.
        if (verify.drive_failed(j)) agreeing[j].reset();
      }
    }
  }
  // Pass 1 rebuilds onto the drives known to lack the object; reading every
  // shard on the way may find corrupt blocks elsewhere, which pass 2 rebuilds.
  for (int pass = 0; pass < 2 && !targets.empty(); ++pass) {
    ShardSet shards(set_, chosen, agreeing);
    auto healed = rebuild_onto(bucket, key, chosen, shards, targets, parts, shard_block);
    if (!healed) return std::unexpected(healed.error());
    result.drives_healed += *healed;
    result.bytes += *healed * static_cast<uint64_t>(chosen.size);
    std::vector<size_t> next;
    for (size_t j : shards.unhealthy_drives()) {
      bool was_target = std::find(targets.begin(), targets.end(), j) != targets.end();
      if (!was_target && set_.drive(j).online()) {
        next.push_back(j);
        if (shards.drive_failed(j)) agreeing[j].reset();
      }
    }
    targets = std::move(next);
  }
  return result;
}

Result<size_t> ObjectHeal::rebuild_onto(std::string_view bucket, std::string_view key,
                                        const ObjectRecord& chosen, ShardSet& shards,
                                        const std::vector<size_t>& targets,
                                        const std::vector<storage::PartInfo>& parts,
                                        size_t shard_block) {
  std::vector<uint32_t> wanted;
  for (size_t j : targets) wanted.push_back(chosen.erasure.distribution[j] - 1);
  std::vector<std::string> staged(targets.size());
  std::vector<std::string> inline_shard(targets.size());
  std::vector<char> alive(targets.size(), 1);
  for (auto& id : staged) id = new_uuid();
  for (size_t p = 0; p < parts.size(); ++p) {
    std::vector<std::unique_ptr<FramedWriter>> writers(targets.size());
    if (!chosen.inlined) {
      for (size_t t = 0; t < targets.size(); ++t) {
        auto w = set_.drive(targets[t])
                     .create_staged(set_.deadline(), staged[t], shard_name(parts[p].number));
        if (w) writers[t] = std::make_unique<FramedWriter>(std::move(*w), shard_block);
        else alive[t] = 0;
      }
    }
    uint64_t size = static_cast<uint64_t>(parts[p].size);
    uint64_t stripes = (size + chosen.erasure.block_size - 1) / chosen.erasure.block_size;
    for (uint64_t st = 0; st < stripes; ++st) {
      // verify_all: a deep heal checks every shard, not only the k it needs.
      if (auto s = shards.load(p, st, wanted, /*verify_all=*/true); !s) {
        for (size_t t = 0; t < targets.size(); ++t) {
          set_.drive(targets[t]).remove_staged(set_.deadline(), staged[t]);
        }
        return std::unexpected(s.error());
      }
      Deadline deadline = set_.deadline();
      for (size_t t = 0; t < targets.size(); ++t) {
        if (!alive[t]) continue;
        std::span<const uint8_t> shard(shards.shard(wanted[t]), shards.shard_len());
        if (chosen.inlined) {
          inline_shard[t].append(reinterpret_cast<const char*>(shard.data()), shard.size());
        } else if (!writers[t]->write(deadline, shard)) {
          alive[t] = 0;
        }
      }
    }
    Deadline deadline = set_.deadline();
    for (size_t t = 0; t < targets.size(); ++t) {
      if (writers[t] && alive[t] && !writers[t]->close(deadline)) alive[t] = 0;
    }
  }
  // One drive at a time: replacing a shard in place leaves a moment in which
  // a reader opening it finds no file and drops that drive, and readers must
  // never find several drives in that moment at once.
  std::vector<char> healed(targets.size(), 0);
  for (size_t t = 0; t < targets.size(); ++t) {
    auto& drive = set_.drive(targets[t]);
    Deadline deadline = set_.deadline();
    if (!alive[t]) {
      drive.remove_staged(deadline, staged[t]);
      continue;
    }
    ObjectRecord mine = chosen;
    mine.erasure.index = chosen.erasure.distribution[targets[t]];
    if (chosen.inlined) mine.inline_data = frame_inline(inline_shard[t], shard_block);
    auto commit = [&] {
      return drive.commit_object(deadline, bucket, key, mine, chosen.inlined ? "" : staged[t]);
    };
    Status s = commit();
    // A drive that lacks the bucket (its create missed the drive) gets it.
    if (!s && s.error().code == ErrorCode::kNoSuchBucket) {
      auto fixed = buckets_.heal(bucket);
      if (fixed && *fixed > 0) {
        deadline = set_.deadline();
        s = commit();
      }
    }
    if (!s) {
      drive.remove_staged(set_.deadline(), staged[t]);
      spdlog::warn("heal {}/{} on {}: {}", bucket, key, drive.endpoint(), s.error().text());
      continue;
    }
    healed[t] = 1;
  }
  return static_cast<size_t>(std::count(healed.begin(), healed.end(), 1));
}

}  // namespace silo::object
