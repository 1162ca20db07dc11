// Applies the buckets' lifecycle configurations (s3/lifecycle.h): a pass
// over every bucket that has one expires the current objects its enabled
// rules select once they are old enough (by days since their modification,
// or from a date on) and aborts multipart uploads older than a rule's
// DaysAfterInitiation. An expiration deletes only the version it judged (a
// delete conditioned on that version's modification time), so an object
// written meanwhile is never lost to it.
//
// In a versioned bucket an expiration puts a delete marker in front of the
// current version (as a DELETE does); noncurrent versions are removed for
// good NoncurrentDays after they stopped being current (the time of the
// version that replaced them), beyond the NewerNoncurrentVersions newest
// ones; a delete marker left as the only version of its key goes when a
// rule says ExpiredObjectDeleteMarker.
#pragma once

#include <cstdint>

#include "object/object_layer.h"

namespace silo::server {

struct LifecycleOptions {
  // The length of a lifecycle "day"; tests shorten it.
  int64_t day_ns = 86'400LL * 1'000'000'000;
};

struct LifecyclePass {
  uint64_t buckets = 0;  // buckets with a configuration
  uint64_t expired = 0;  // objects deleted
  uint64_t noncurrent = 0;  // noncurrent versions removed
  uint64_t markers = 0;     // expired delete markers removed
  uint64_t aborted = 0;  // uploads aborted
};

// One pass at time `now_ns`. Blocks on disk; errors of one bucket are
// logged and the pass goes on with the next.
LifecyclePass run_lifecycle(object::ObjectLayer& layer, const LifecycleOptions& options,
                            int64_t now_ns);

}  // namespace silo::server
