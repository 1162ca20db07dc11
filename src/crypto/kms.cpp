#include "crypto/kms.h"

#include <cstdlib>
#include <cstring>

#include "common/hash.h"

namespace silo::crypto {

Result<Kms> Kms::parse(std::string_view config) {
  auto colon = config.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(kKmsEnv) + " must be <key-name>:<base64 of 32 bytes>");
  }
  std::string name(config.substr(0, colon));
  auto raw = base64_decode(config.substr(colon + 1));
  if (!raw || raw->size() != kKeySize) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(kKmsEnv) + ": the key of '" + name +
                    "' must be 32 bytes in base64 (openssl rand -base64 32)");
  }
  Key key;
  std::memcpy(key.data(), raw->data(), kKeySize);
  return Kms(std::move(name), key);
}

Result<std::optional<Kms>> Kms::from_env() {
  const char* v = std::getenv(std::string(kKmsEnv).c_str());
  if (!v || !*v) return std::optional<Kms>();
  auto kms = parse(v);
  if (!kms) return std::unexpected(kms.error());
  return std::optional<Kms>(std::move(*kms));
}

Result<std::string> Kms::seal(const Key& object_key, std::string_view context) const {
  return seal_key(master_, object_key, context);
}

Result<Key> Kms::unseal(std::string_view key_name, std::string_view sealed,
                        std::string_view context) const {
  if (key_name != name_) {
    return fail(ErrorCode::kInternalError,
                "The object is encrypted with KMS key '" + std::string(key_name) +
                    "', but this server's " + std::string(kKmsEnv) + " is key '" + name_ + "'.");
  }
  auto key = unseal_key(master_, sealed, context);
  if (!key) {
    return fail(ErrorCode::kInternalError,
                "KMS key '" + name_ + "' does not open the object's key: " +
                    std::string(kKmsEnv) + " is not the key the object was written with.");
  }
  return key;
}

}  // namespace silo::crypto
