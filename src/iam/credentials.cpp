#include "iam/credentials.h"

#include "common/hash.h"

namespace silo::iam {

std::string canonical_user_id(std::string_view access_key) { return sha256_hex(access_key); }

void CredentialStore::add(std::string access_key, std::string secret_key) {
  std::lock_guard lock(mu_);
  secrets_[std::move(access_key)] = std::move(secret_key);
}

std::optional<std::string> CredentialStore::secret_for(std::string_view access_key) const {
  std::lock_guard lock(mu_);
  auto it = secrets_.find(access_key);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> CredentialStore::access_key_with_id(std::string_view id) const {
  std::lock_guard lock(mu_);
  for (const auto& [key, secret] : secrets_) {
    if (canonical_user_id(key) == id) return key;
  }
  return std::nullopt;
}

}  // namespace silo::iam
