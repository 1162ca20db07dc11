// Listing for an erasure set: the object records of every online drive,
// merged in key order, each key resolved to the version most drives hold.
#include "object/object_listing.h"

#include <algorithm>

#include "common/strings.h"
#include "object/quorum.h"
#include "storage/versions.h"

namespace silo::object {

using storage::ObjectRecord;

namespace {

// The common prefix `key` rolls up into (S3's CommonPrefixes): the key up
// to and with the first `delimiter` after `prefix`; nullopt without one.
std::optional<std::string> common_prefix_of(std::string_view key, std::string_view prefix,
                                            std::string_view delimiter) {
  if (delimiter.empty()) return std::nullopt;
  size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, pos + delimiter.size()));
}

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

// MergedCursor for versions: one entry per (key, sort token), shown when
// its version is readable.
class MergedVersionCursor {
 public:
  explicit MergedVersionCursor(std::vector<std::unique_ptr<storage::VersionCursor>> cursors)
      : cursors_(std::move(cursors)) {}

  size_t broken() const {
    return static_cast<size_t>(std::count_if(cursors_.begin(), cursors_.end(),
                                             [](const auto& c) { return !c->status(); }));
  }
  void seek(std::string_view key, std::string_view token) {
    for (auto& c : cursors_) c->seek(key, token);
    settle();
  }
  bool valid() const { return has_current_; }
  void next() {
    advance_current();
    settle();
  }
  const std::string& key() const { return key_; }
  const std::string& token() const { return token_; }
  const ObjectRecord& record() const { return record_; }

 private:
  bool on_current(const storage::VersionCursor& c) const {
    return c.valid() && c.key() == key_ && c.token() == token_;
  }
  void advance_current() {
    for (auto& c : cursors_) {
      if (on_current(*c)) c->next();
    }
  }
  void settle() {
    while (true) {
      has_current_ = false;
      bool any = false;
      std::string_view best_key, best_token;
      for (auto& c : cursors_) {
        if (!c->valid()) continue;
        if (!any || c->key() < best_key || (c->key() == best_key && c->token() < best_token)) {
          best_key = c->key();
          best_token = c->token();
          any = true;
        }
      }
      if (!any) return;
      key_ = std::string(best_key);
      token_ = std::string(best_token);
      std::vector<ObjectRecord> found;
      for (auto& c : cursors_) {
        if (on_current(*c)) {
          if (auto r = c->record()) found.push_back(std::move(*r));
        }
      }
      std::vector<const ObjectRecord*> candidates;
      for (const auto& r : found) candidates.push_back(&r);
      auto chosen = most_agreed(candidates, /*readable_only=*/true);
      if (chosen) {
        record_ = found[chosen->index];
        has_current_ = true;
        return;
      }
      advance_current();
    }
  }

  std::vector<std::unique_ptr<storage::VersionCursor>> cursors_;
  std::string key_, token_;
  bool has_current_ = false;
  ObjectRecord record_;
};

}  // namespace

Result<VersionListing> ObjectListing::list_versions(std::string_view bucket,
                                                    const VersionListParams& p) {
  if (auto s = buckets_.check(bucket); !s) return std::unexpected(s.error());
  VersionListing out;
  if (p.max_keys == 0) return out;
  auto cursors = set_.open_cursors<storage::VersionCursor>(
      [bucket = std::string(bucket)](storage::Drive& drive, Deadline reading) {
        return drive.scan_versions(reading, bucket);
      });
  size_t needed = std::max<size_t>((set_.size() + 1) / 2, 1);
  if (cursors.size() < needed) return fail(ErrorCode::kInsufficientReadQuorum);
  size_t total = cursors.size();
  MergedVersionCursor c(std::move(cursors));
  auto lost_quorum = [&] { return total - c.broken() < needed; };
  // The key whose latest version was listed already (on an earlier page):
  // the versions that follow it are not latest.
  std::string latest_of;
  bool have_latest = false;
  if (p.key_marker.empty() || p.key_marker < p.prefix) {
    c.seek(p.prefix, "");
  } else if (p.version_marker.empty()) {
    std::string after = p.key_marker;
    after.push_back('\0');
    c.seek(after, "");
  } else {
    latest_of = p.key_marker;
    have_latest = true;
    std::string token = storage::token_of_id(p.version_marker);
    c.seek(p.key_marker, token);
    // Past the marker itself (the null version: past the key's null entry).
    bool null_marker = p.version_marker == "null";
    while (c.valid() && c.key() == p.key_marker) {
      bool is_marker = null_marker ? c.record().version_id.empty() : c.token() == token;
      if (!null_marker && !is_marker) break;
      c.next();
      if (is_marker) break;
    }
  }
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
    if (auto cp = common_prefix_of(key, p.prefix, p.delimiter)) {
      std::string next = prefix_successor(*cp);
      if (*cp > p.key_marker || p.key_marker.empty()) {
        out.next_key_marker = *cp;
        out.next_version_marker.clear();
        out.common_prefixes.push_back(std::move(*cp));
        ++count;
      }
      if (next.empty()) break;
      c.seek(next, "");
      continue;
    }
    ObjectInfo info = to_object_info(bucket, key, c.record());
    info.is_latest = !(have_latest && latest_of == key);
    latest_of = std::string(key);
    have_latest = true;
    out.next_key_marker = info.key;
    out.next_version_marker = info.version_id.empty() ? "null" : info.version_id;
    out.versions.push_back(std::move(info));
    ++count;
    c.next();
  }
  if (!out.truncated) {
    out.next_key_marker.clear();
    out.next_version_marker.clear();
  }
  return out;
}

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
    if (auto cp = common_prefix_of(key, p.prefix, p.delimiter)) {
      // Skip the whole group in one seek instead of walking its keys.
      std::string next = prefix_successor(*cp);
      if (*cp > p.marker) {
        out.next_marker = *cp;
        out.common_prefixes.push_back(std::move(*cp));
        ++count;
      }
      if (next.empty()) break;
      c.seek(next);
      continue;
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
