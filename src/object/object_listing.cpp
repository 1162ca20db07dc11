// Listing for an erasure set: the object records of every online drive,
// merged in key order, each key resolved to the version most drives hold.
#include "object/object_listing.h"

#include <algorithm>

#include "common/strings.h"
#include "object/quorum.h"

namespace silo::object {

using storage::ObjectRecord;

namespace {

// Merges the cursors of several drives into one ordered stream of keys.
// A key is shown when at least k drives hold its newest version, so that a
// listed object can be read; remnants of failed writes, or records a drive
// kept while it missed a delete, stay hidden. With `include_unreadable`
// every key any drive holds is shown (for healing).
class MergedCursor {
 public:
  MergedCursor(std::vector<std::unique_ptr<storage::ObjectCursor>> cursors, bool include_unreadable)
      : cursors_(std::move(cursors)), include_unreadable_(include_unreadable) {}

  // Cursors that ended early (their drive's deadline passed or it failed):
  // the keys they did not show may be missing from the merge.
  size_t broken() const {
    return static_cast<size_t>(std::count_if(cursors_.begin(), cursors_.end(),
                                             [](const auto& c) { return !c->status(); }));
  }

  void seek(std::string_view key) {
    for (auto& c : cursors_) c->seek(key);
    settle();
  }
  bool valid() const { return has_current_; }
  void next() {
    advance_current();
    settle();
  }
  const std::string& key() const { return current_; }
  const ObjectRecord& record() const { return record_; }

 private:
  // Moves past every cursor positioned on the current key.
  void advance_current() {
    for (auto& c : cursors_) {
      if (c->valid() && c->key() == current_) c->next();
    }
  }

  // Positions on the next key that qualifies.
  void settle() {
    while (true) {
      has_current_ = false;
      current_.clear();
      const std::string_view* smallest = nullptr;
      std::string_view best;
      for (auto& c : cursors_) {
        if (!c->valid()) continue;
        if (!smallest || c->key() < best) {
          best = c->key();
          smallest = &best;
        }
      }
      if (!smallest) return;
      current_ = std::string(best);
      std::vector<ObjectRecord> found;
      for (auto& c : cursors_) {
        if (c->valid() && c->key() == current_) {
          auto r = c->record();
          if (r) found.push_back(std::move(*r));
        }
      }
      if (found.empty()) {
        advance_current();
        continue;
      }
      std::vector<const ObjectRecord*> candidates;
      for (const auto& r : found) candidates.push_back(&r);
      // Healing lists what too few drives hold too, to rebuild or remove it.
      auto chosen = most_agreed(candidates, /*readable_only=*/!include_unreadable_);
      if (chosen && (include_unreadable_ || !found[chosen->index].delete_marker)) {
        record_ = found[chosen->index];
        has_current_ = true;
        return;
      }
      advance_current();
    }
  }

  std::vector<std::unique_ptr<storage::ObjectCursor>> cursors_;
  bool include_unreadable_;
  std::string current_;
  bool has_current_ = false;
  ObjectRecord record_;
};

}  // namespace

Result<ListResult> ObjectListing::list(std::string_view bucket, const ListParams& p) {
  if (auto s = buckets_.check(bucket); !s) return std::unexpected(s.error());
  ListResult out;
  if (p.max_keys == 0) return out;
  auto cursors = set_.open_cursors<storage::ObjectCursor>(
      [bucket = std::string(bucket)](storage::Drive& drive, Deadline reading) {
        return drive.scan_objects(reading, bucket);
      });
  size_t needed = std::max<size_t>((set_.size() + 1) / 2, 1);
  if (cursors.size() < needed) return fail(ErrorCode::kInsufficientReadQuorum);
  size_t total = cursors.size();
  MergedCursor c(std::move(cursors), p.include_unreadable);
  auto lost_quorum = [&] { return total - c.broken() < needed; };
  std::string start = p.prefix;
  if (!p.marker.empty() && p.marker >= start) {
    start = p.marker;
    start.push_back('\0');  // strictly after the marker
  }
  c.seek(start);
  size_t count = 0;
  while (true) {
    if (lost_quorum()) return fail(ErrorCode::kInsufficientReadQuorum);
    if (!c.valid()) break;
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
    out.objects.push_back(to_object_info(bucket, key, c.record()));
    out.next_marker = std::string(key);
    ++count;
    c.next();
  }
  if (!out.truncated) out.next_marker.clear();
  return out;
}

}  // namespace silo::object
