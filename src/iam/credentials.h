// The credentials the server accepts. For now: the root user only; users,
// groups and policies come later behind the same lookup.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace silo::iam {

// The canonical user id S3 shows for `access_key` (Owner, ACL grantees):
// stable per key, and revealing nothing of it.
std::string canonical_user_id(std::string_view access_key);

class CredentialStore {
 public:
  void add(std::string access_key, std::string secret_key);
  // The secret key of `access_key`, if it exists.
  std::optional<std::string> secret_for(std::string_view access_key) const;
  // The access key whose canonical user id is `id`, if one exists.
  std::optional<std::string> access_key_with_id(std::string_view id) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> secrets_;
};

}  // namespace silo::iam
