#include "server/iam_backend.h"

namespace silo::server {

namespace {
constexpr std::string_view kIamConfig = "iam";
}  // namespace

Result<std::optional<std::string>> DeploymentIamBackend::load() {
  auto doc = pools_.bucket_config(object::kSystemBucket, kIamConfig);
  // A deployment whose system bucket is not made yet has no IAM state yet.
  if (!doc && doc.error().code == ErrorCode::kNoSuchBucket) return std::nullopt;
  return doc;
}

Status DeploymentIamBackend::update(const Change& change) {
  auto guard = pools_.pool_lock(object::kSystemBucket, kIamConfig);
  if (!guard) return std::unexpected(guard.error());
  auto attempt = [&]() -> Status {
    // The newest document, not what this node remembers of it.
    pools_.forget_bucket(object::kSystemBucket);
    auto current = pools_.bucket_config(object::kSystemBucket, kIamConfig);
    if (!current) return std::unexpected(current.error());
    auto next = change(*current);
    if (!next) return std::unexpected(next.error());
    return pools_.set_bucket_config(object::kSystemBucket, kIamConfig, *next);
  };
  auto s = attempt();
  if (s || s.error().code != ErrorCode::kNoSuchBucket) return s;
  // The servers make the system bucket when they start; a set that was not
  // writable then (its peers still starting) may lack it: make it, once.
  pools_.sync_buckets();
  return attempt();
}

}  // namespace silo::server
