// BucketEvents: the seam through which the object layer reports that this
// node changed a bucket's configuration (created or deleted it, set or
// cleared its quota; later versioning, policies and the like), so that
// whatever other nodes remember of that bucket can be dropped at once.
//
// - bucket_changed() is called after the change is stored (written with its
//   quorum), on the thread of the request that made it (a blocking thread,
//   never a network thread). It may block for a short, bounded time (the
//   distributed implementation waits about a second at most for the other
//   nodes to hear of it) and never fails: delivery is best effort, and what
//   a node misses it learns when its memory of the bucket expires.
// - A single node has no one to tell: NoBucketEvents does nothing.
//
// Implementations are thread-safe: any number of requests may report at once.
#pragma once

#include <string_view>

namespace silo::object {

class BucketEvents {
 public:
  virtual ~BucketEvents() = default;
  // This node changed the configuration of `bucket`.
  virtual void bucket_changed(std::string_view bucket) = 0;
};

class NoBucketEvents final : public BucketEvents {
 public:
  void bucket_changed(std::string_view) override {}
};

}  // namespace silo::object
