// Access control lists: who owns a bucket or an object and which grantees
// hold which permissions on it. An ACL comes from a canned name (x-amz-acl),
// from grant headers (x-amz-grant-read: uri="...", id="..."), or from an
// AccessControlPolicy document, and is read back as that document.
//
// Stored compactly: a bucket's ACL as its "acl" configuration, an object's
// in its metadata (object::kAclMeta). Nothing is stored for the default,
// the owner's FULL_CONTROL alone, so that ordinary writes carry nothing more.
//
// Authorization (s3/access.h) asks an ACL whether it grants a permission to
// an anonymous or an authenticated caller; acl_need() says which permission,
// on the bucket or on the object, an action needs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace silo::s3 {

inline constexpr std::string_view kAllUsersGroup = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr std::string_view kAuthenticatedUsersGroup =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
inline constexpr std::string_view kLogDeliveryGroup =
    "http://acs.amazonaws.com/groups/s3/LogDelivery";

// Permissions as bits; FULL_CONTROL holds all four.
enum AclPermission : uint8_t {
  kAclRead = 1,
  kAclWrite = 2,
  kAclReadAcp = 4,
  kAclWriteAcp = 8,
  kAclFullControl = 15,
};

struct AclGrantee {
  enum class Type : char { kCanonicalUser = 'C', kGroup = 'G' };
  Type type = Type::kCanonicalUser;
  std::string value;  // the canonical user id, or the group's URI
};

struct AclGrant {
  AclGrantee grantee;
  AclPermission permission = kAclRead;
};

struct AclOwner {
  std::string id;    // canonical user id
  std::string name;  // display name
};

struct Acl {
  std::string owner_id;
  std::vector<AclGrant> grants;
};

// Resolves a canonical user id to its display name; nullopt for an id no
// account has.
using CanonicalUsers = std::function<std::optional<std::string>(std::string_view id)>;
// A request header's value by lower-case name; nullopt when absent.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

// The ACL every bucket and object has until it is given another: the
// owner's FULL_CONTROL.
Acl private_acl(std::string_view owner_id);

// The canned ACL `name` (private, public-read, public-read-write,
// authenticated-read, aws-exec-read, bucket-owner-read,
// bucket-owner-full-control, log-delivery-write) for a resource owned by
// `owner_id` in a bucket owned by `bucket_owner_id`. InvalidArgument for
// any other name.
Result<Acl> canned_acl(std::string_view name, std::string_view owner_id,
                       std::string_view bucket_owner_id);

// The ACL a request's headers give: x-amz-acl, or x-amz-grant-read, -write,
// -read-acp, -write-acp and -full-control; nullopt when it has none of
// them. Both a canned ACL and grant headers: InvalidRequest. A grant to an
// unknown id: InvalidArgument; to an email address:
// UnresolvableGrantByEmailAddress (no account here has one).
Result<std::optional<Acl>> acl_from_headers(const HeaderLookup& header, std::string_view owner_id,
                                            std::string_view bucket_owner_id,
                                            const CanonicalUsers& users);

// An AccessControlPolicy document, validated: MalformedACLError for a
// document that does not follow the schema, InvalidArgument for an unknown
// grantee id or group, UnresolvableGrantByEmailAddress for an email grantee.
Result<Acl> parse_acl_xml(std::string_view body, const CanonicalUsers& users);

// The AccessControlPolicy document of `acl`, display names from `users`.
std::string acl_xml(const Acl& acl, const CanonicalUsers& users);

// The stored form and back; decode_acl of anything malformed is nullopt.
std::string encode_acl(const Acl& acl);
std::optional<Acl> decode_acl(std::string_view stored);

// True when the ACL is the owner's FULL_CONTROL and nothing else that
// matters (what a bucket that refuses ACLs accepts).
bool acl_is_owner_only(const Acl& acl, std::string_view bucket_owner_id);
// True when it grants anything to AllUsers or AuthenticatedUsers.
bool acl_is_public(const Acl& acl);

// Whether `acl` grants `needed` to the caller: anonymous (caller_id
// empty) through AllUsers; an authenticated caller through AllUsers,
// AuthenticatedUsers, or its own id. With `ignore_public`, grants to the
// two public groups count for nothing (IgnorePublicAcls).
bool acl_grants(const Acl& acl, AclPermission needed, std::string_view caller_id,
                bool ignore_public);

// Which permission `action` ("s3:GetObject") needs from an ACL, and whether
// from the object's ACL (on_object) or the bucket's; nullopt for actions no
// ACL grants (configuration, bucket creation and deletion, ...).
struct AclNeed {
  bool on_object = false;
  AclPermission permission = kAclRead;
};
std::optional<AclNeed> acl_need(std::string_view action);

}  // namespace silo::s3
