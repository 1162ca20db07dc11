// The IAM state of a deployment: users, groups, named policies and access
// keys (service accounts), as one value that is stored whole (iam_store.h
// seals it and writes it to the deployment) and changed by the admin API.
//
// - A user is named by its access key (as in MinIO: `silo admin user add
//   ALIAS alice SECRET` makes the key "alice"), has a secret, a status and
//   the policies attached to it.
// - A group has members (users), a status and attached policies; a user's
//   permissions are its own policies and those of its enabled groups.
// - Policies are named documents in the IAM policy language; the built-in
//   ones (readonly, readwrite, writeonly, diagnostics, consoleAdmin) exist
//   in every deployment and cannot be changed or removed.
// - An access key belongs to a user (or to the root user) and acts with its
//   owner's permissions, narrowed by its own policy when it has one. It may
//   expire and may be disabled.
//
// The mutators check their arguments (names, secret lengths, references to
// users, groups and policies) and answer the admin API's errors; they are
// pure, so a change is applied to a copy and stored only when it passed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace silo::iam {

struct UserRecord {
  std::string secret;
  bool enabled = true;
  std::vector<std::string> policies;
};

struct GroupRecord {
  std::set<std::string> members;
  bool enabled = true;
  std::vector<std::string> policies;
};

struct AccessKeyRecord {
  std::string secret;
  std::string parent;                 // the owning user, or the root user's access key
  std::optional<std::string> policy;  // narrows the parent's permissions when set
  std::string name, description;
  int64_t created_ns = 0;
  int64_t expires_ns = 0;  // 0: never
  bool enabled = true;
};

// What the admin API takes to create an access key.
struct AccessKeySpec {
  std::string access_key;  // empty: generated
  std::string secret;      // empty: generated
  std::optional<std::string> policy;
  std::string name, description;
  int64_t expires_ns = 0;
};

struct IamState {
  std::map<std::string, UserRecord, std::less<>> users;
  std::map<std::string, GroupRecord, std::less<>> groups;
  std::map<std::string, std::string, std::less<>> policies;  // custom, by name
  std::map<std::string, AccessKeyRecord, std::less<>> access_keys;

  std::string to_json() const;
  // The state a to_json() produced; InternalError when it does not parse.
  static Result<IamState> from_json(std::string_view text);

  // The document of policy `name`, built-in or custom.
  std::optional<std::string_view> policy_document(std::string_view name) const;
  // Whether `access_key` is taken by a user or an access key (or is `root`).
  bool key_taken(std::string_view access_key, std::string_view root) const;
};

// The built-in policies by name.
const std::map<std::string, std::string, std::less<>>& builtin_policies();

// Changes. `root` is the root user's access key, which no user or key may take.
Status add_user(IamState& s, std::string_view root, std::string_view name, std::string_view secret);
Status remove_user(IamState& s, std::string_view name);
Status set_user_enabled(IamState& s, std::string_view name, bool enabled);
// Adds `members` to `group` (creating it), or with `remove` takes them out;
// with `remove` and no members, removes the group, which must be empty.
Status update_group(IamState& s, std::string_view group, const std::vector<std::string>& members,
                    bool remove);
Status set_group_enabled(IamState& s, std::string_view group, bool enabled);
// Creates or replaces a custom policy; MalformedPolicy when it does not parse.
Status put_policy(IamState& s, std::string_view name, std::string_view document);
Status remove_policy(IamState& s, std::string_view name);
// Attaches (or detaches) `policies` to user `user` or group `group` (exactly one named).
Status attach_policies(IamState& s, const std::vector<std::string>& policies, std::string_view user,
                       std::string_view group, bool detach);
// Creates an access key owned by `parent` (a user, or `root`); fills in
// generated names and returns the record's key.
Result<std::string> add_access_key(IamState& s, std::string_view root, std::string_view parent,
                                   AccessKeySpec spec, int64_t now_ns);
Status remove_access_key(IamState& s, std::string_view access_key);

// A random access key (20 upper-case letters and digits) and secret (40 characters).
std::string random_access_key();
std::string random_secret_key();

}  // namespace silo::iam
