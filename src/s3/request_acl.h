// The ACL pieces of a request (s3/acl.h holds the model, s3/acl_ops.cpp
// the operations): the ACL its headers give what it writes, the bucket
// settings that govern ACLs, and the accounts grants may name.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "s3/acl.h"
#include "s3/context.h"
#include "storage/record.h"

namespace silo::s3 {

// What a bucket's settings say of ACLs: ownership controls set to
// BucketOwnerEnforced turn them off; the public access block may refuse
// public ones (BlockPublicAcls) or have them ignored (IgnorePublicAcls).
struct AclSettings {
  bool acls_disabled = false;
  bool block_public_acls = false;
  bool ignore_public_acls = false;
};
boost::asio::awaitable<Result<AclSettings>> acl_settings(Context& ctx);

// The accounts a grant may name, by canonical user id.
CanonicalUsers canonical_users(const Context& ctx);

// Puts the ACL `source` (request headers, or a POST form's fields) gives
// the object being written into `meta` (object::kAclMeta), or none for the
// default; checked against the bucket's settings (AccessControlListNotSupported,
// AccessDenied for a blocked public ACL).
boost::asio::awaitable<Status> acl_into(Context& ctx, const HeaderLookup& source,
                                        storage::KeyValues& meta);
// The same from the request's own headers; without any, `meta` is left
// as it is.
boost::asio::awaitable<Status> acl_headers_into(Context& ctx, storage::KeyValues& meta);

// The stored ACL a CreateBucket request's headers give the new bucket
// (nullopt: the default), given the object ownership it asks for.
Result<std::optional<std::string>> bucket_acl_at_creation(const Context& ctx,
                                                          std::string_view ownership);

}  // namespace silo::s3
