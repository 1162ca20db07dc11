// Who signed a request, once authenticated: the root user, an IAM user, an
// access key (service account) or a temporary session (STS), with the
// identity policies that decide what it may do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iam/policy.h"

namespace silo::iam {

enum class IdentityKind { kRoot, kUser, kAccessKey, kSession };

struct Identity {
  IdentityKind kind = IdentityKind::kRoot;
  // The user whose permissions it carries: its own name for a user, the
  // owner's for an access key or session (the root user's access key when
  // the root user owns it).
  std::string user;
  bool root_owned = false;  // acts with the root user's permissions (before limits)
  // The names a bucket policy's Principal may use for it.
  std::vector<std::string> principal_names;
  // The user's policies and those of its enabled groups (none for root).
  std::vector<std::shared_ptr<const Policy>> policies;
  // An access key's or session's own policy: each must also allow an action.
  std::vector<std::shared_ptr<const Policy>> limits;

  // The root user itself, unlimited: allowed everything without evaluation.
  bool unlimited() const { return root_owned && limits.empty(); }

  // What the identity policies say of `request`: kDeny when one denies or a
  // limit does not allow, else kAllow when the owner's permissions allow,
  // else kNoMatch (a bucket policy may still allow it).
  Decision evaluate(const PolicyRequest& request) const;
};

// The ARN a user is known by in policies (Principal, aws:userid).
std::string user_arn(std::string_view user);

// The canonical user id S3 shows for `access_key` (Owner, ACL grantees):
// stable per key, and revealing nothing of it.
std::string canonical_user_id(std::string_view access_key);

}  // namespace silo::iam
