// Listing what a target names, the same way for local folders and remote
// prefixes, so ls, du, tree, find, cp -r, rm -r, mirror and diff share one walk.
//
// Remote rules (keys are compared byte-wise, as S3 orders them):
// - "alias": the buckets, as folder entries.
// - "alias/bucket" or ".../prefix/": the keys below, relative to it.
// - ".../name" (no trailing '/'): the object `name` itself (relative name: its
//   last component) and, below "name/", the content of that folder; keys that
//   merely start with "name" ("name2") are not included.
// Non-recursive listings give sub-folders as entries ending in '/'.
//
// Local rules: a file is itself; a folder is its content, sorted by relative
// path. Symlinks to files are followed (the file's content is what counts);
// symlinks to folders are not descended (no loops, no escaping the tree) and
// special files (FIFOs, sockets, devices) are skipped; both with a warning.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "client/session.h"

namespace silo::client {

struct Entry {
  std::string rel;  // relative to the listed target, '/'-separated; folders end in '/'
  std::string key;  // remote: the full key (or bucket name); local: the full path
  bool dir = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // last modified (objects) or st_mtime (files)
  std::string etag;
  std::string version_id;  // --versions only
  bool is_latest = true;
  bool delete_marker = false;
};

using EntrySink = std::function<void(Entry&& e)>;

struct ListSpec {
  bool recursive = false;
  bool versions = false;  // remote: every version and delete marker
};

// Calls `sink` for every entry, in order. Returns the first error (remote:
// after retries; local: a missing or unreadable path). `command` names the
// command in warnings.
S3Status list_target(Session& s, const Target& t, const ListSpec& spec, const EntrySink& sink,
                     std::string_view command);

// True when `t` names an existing local folder, or a remote bucket, a prefix
// ending in '/', or a prefix under which keys exist.
bool is_container(Session& s, const Target& t);

}  // namespace silo::client
