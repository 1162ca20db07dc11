#include "iam/credentials.h"

namespace silo::iam {

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

}  // namespace silo::iam
