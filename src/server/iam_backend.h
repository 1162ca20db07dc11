// Where a deployment keeps its IAM state: the "iam" configuration of the
// system bucket, which every drive of every set holds in the bucket's
// record (written with the metadata quorum, read by majority), updated
// under the deployment-wide pool lock of that record so that changes made
// on different nodes at once never lose one another. A system bucket a set
// missed at start (its peers were not up) is made on the first change.
// Every change tells the other nodes (a bucket event for the system
// bucket), which reload it.
#pragma once

#include "iam/iam_store.h"
#include "object/pools.h"

namespace silo::server {

class DeploymentIamBackend final : public iam::IamBackend {
 public:
  explicit DeploymentIamBackend(object::Pools& pools) : pools_(pools) {}

  Result<std::optional<std::string>> load() override;
  Status update(const Change& change) override;

 private:
  object::Pools& pools_;
};

}  // namespace silo::server
