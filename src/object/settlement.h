// Settlement: the second step of every change to a key of one erasure set.
//
// A commit, delete or multipart completion first makes its change on each
// drive while keeping the replaced version aside (Replaced::kKeep); once the
// set knows whether the change reached write quorum it settles it: the kept
// versions are removed, or put back. A crash between the two steps leaves
// the kept versions on disk, and resolve_pending() decides them at the next
// start (and at every scanner pass), so a key never ends with too few shards
// of every version.
// Thread-safe; every method may block on disk.
#pragma once

#include <string_view>
#include <vector>

#include "object/object_reads.h"
#include "object/set_context.h"

namespace silo::object {

class Settlement {
 public:
  Settlement(SetContext& set, ObjectReads& reads) : set_(set), reads_(reads) {}

  // Settles a change to bucket/key made with Replaced::kKeep on the drives
  // marked in `committed`: when it `stands` (reached write quorum), the
  // versions it replaced are removed; otherwise they are put back and what
  // was committed (`records[j]` on drive j; nullptr for a delete) removed.
  // REQUIRES: the caller holds the key's namespace lock.
  void settle(std::string_view bucket, std::string_view key, const std::vector<char>& committed,
              bool stands, const std::vector<storage::ObjectRecord>* records);
  // Decides the changes a crash left unsettled (Drive::pending_replaces): a
  // version readable by quorum stands; one that can no longer become
  // readable is taken back. Changes that depend on offline drives wait for
  // a later call. Returns how many were settled.
  size_t resolve_pending();

 private:
  SetContext& set_;
  ObjectReads& reads_;
};

}  // namespace silo::object
