#include "server/iam_backend.h"

namespace silo::server {

namespace {
constexpr std::string_view kIamConfig = "iam";
}  // namespace

Result<std::optional<std::string>> DeploymentIamBackend::load() {
  return pools_.bucket_config(object::kSystemBucket, kIamConfig);
}

Status DeploymentIamBackend::update(const Change& change) {
  auto guard = pools_.pool_lock(object::kSystemBucket, kIamConfig);
  if (!guard) return std::unexpected(guard.error());
  // The newest document, not what this node remembers of it.
  pools_.forget_bucket(object::kSystemBucket);
  auto current = pools_.bucket_config(object::kSystemBucket, kIamConfig);
  if (!current) return std::unexpected(current.error());
  auto next = change(*current);
  if (!next) return std::unexpected(next.error());
  return pools_.set_bucket_config(object::kSystemBucket, kIamConfig, *next);
}

}  // namespace silo::server
