#include "object/settlement.h"

#include <map>
#include <optional>
#include <spdlog/spdlog.h>

#include "object/quorum.h"

namespace silo::object {

void Settlement::settle(std::string_view bucket, std::string_view key,
                        const std::vector<char>& committed, bool stands,
                        const std::vector<storage::ObjectRecord>* records) {
  // On this thread, drive after drive: settling a new key is one lookup in
  // memory per drive, far cheaper than handing each drive to the pool (that
  // hand-off cost 20% of small PUTs on 4 drives). Only drives that just
  // answered the commit in time are asked; a slow one fails its deadline
  // and keeps the change pending like a failed one. A change that stands
  // is finished by its identity (finish_change): a remote drive gets it in
  // the background, batched with others, instead of one round trip each
  // under the key's lock (that was a third of the internode calls of a PUT).
  Deadline deadline = set_.deadline();
  for (size_t j = 0; j < set_.size(); ++j) {
    if (!committed[j]) continue;
    Status s;
    if (stands) {
      storage::ChangeId change;
      change.deleted = records == nullptr;
      if (records) {
        change.mod_time_ns = (*records)[j].mod_time_ns;
        change.data_uuid = (*records)[j].data_uuid;
      }
      s = set_.drive(j).finish_change(deadline, bucket, key, change);
    } else {
      s = set_.drive(j).undo_replace(deadline, bucket, key, records ? &(*records)[j] : nullptr);
    }
    // A drive that fails here keeps the change pending; resolve_pending()
    // decides it later from the other drives.
    if (!s) {
      spdlog::warn("{}: could not settle {}/{}: {}", set_.drive(j).endpoint(), bucket, key,
                   s.error().text());
    }
  }
}

namespace {

enum class Decision { kStands, kUndo, kWait };

// `now` is the version the unsettled change left current on the drives that
// hold it aside (nullopt: the change was a delete).
Decision decide(const std::vector<Result<storage::ObjectRecord>>& records,
                const std::optional<storage::ObjectRecord>& now, size_t majority) {
  size_t holding = 0, unknown = 0;
  for (const auto& r : records) {
    if (r) {
      if (now && same_version(*r, *now)) ++holding;
    } else if (r.error().code == ErrorCode::kNoSuchKey) {
      if (!now) ++holding;
    } else {
      ++unknown;  // offline or failing: it may hold either version
    }
  }
  size_t needed = now ? read_quorum(now->erasure) : majority;
  if (needed == 0) needed = 1;
  if (holding >= needed) return Decision::kStands;
  if (holding + unknown >= needed) return Decision::kWait;
  return Decision::kUndo;
}

}  // namespace

size_t Settlement::resolve_pending() {
  std::map<std::pair<std::string, std::string>, std::vector<char>> pending;
  Deadline deadline = set_.deadline();
  auto lists = set_.pool().run(set_.size(), deadline, [&set = set_, deadline](size_t j) {
    using List = std::vector<std::pair<std::string, std::string>>;
    if (!set.drive(j).online()) return Result<List>(List{});
    return set.drive(j).pending_replaces(deadline);
  });
  for (size_t j = 0; j < set_.size(); ++j) {
    auto& list = lists[j];
    if (!list) continue;
    for (auto& entry : *list) {
      auto& marks = pending[std::move(entry)];
      marks.resize(set_.size(), 0);
      marks[j] = 1;
    }
  }
  size_t settled = 0;
  for (const auto& [name, marks] : pending) {
    const auto& [bucket, key] = name;
    // A key whose lock is not granted soon stays pending for the next pass.
    auto guard = set_.locks().lock(set_.settle_lock_deadline(), bucket, key);
    if (!guard) continue;
    auto records = reads_.read_all(bucket, key, false);
    std::optional<storage::ObjectRecord> now;
    for (size_t j = 0; j < set_.size(); ++j) {
      if (marks[j] && records[j]) {
        now = *records[j];
        break;
      }
    }
    auto decision = decide(records, now, metadata_write_quorum(set_.size()));
    if (decision == Decision::kWait) continue;
    if (decision == Decision::kStands) {
      // Under the key's lock, whatever version each drive set aside.
      Deadline deadline = set_.deadline();
      for (size_t j = 0; j < set_.size(); ++j) {
        if (marks[j]) (void)set_.drive(j).finish_replace(deadline, bucket, key);
      }
    } else {
      settle(bucket, key, marks, false, nullptr);
    }
    if (decision == Decision::kUndo) set_.report_damage(bucket, key);
    spdlog::info("settled an interrupted change to {}/{}: {}", bucket, key,
                 decision == Decision::kStands ? "it stands" : "taken back");
    ++settled;
  }
  return settled;
}

}  // namespace silo::object
