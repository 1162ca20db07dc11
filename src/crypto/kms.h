// The built-in KMS: one named master key, given to the server as
// SILO_KMS_SECRET_KEY=<key-name>:<base64 of 32 bytes> (MinIO's format).
// It seals and opens the per-object keys of SSE-S3 objects; the master key
// itself never leaves this class and is never written anywhere.
//
// Objects record the name of the key that sealed them, so a server started
// with another key says which key it lacks instead of failing obscurely.
// Thread-safe (immutable after construction).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/key_seal.h"

namespace silo::crypto {

inline constexpr std::string_view kKmsEnv = "SILO_KMS_SECRET_KEY";

class Kms {
 public:
  // Parses "<key-name>:<base64 of 32 bytes>"; InvalidArgument naming what
  // is wrong (never echoing the secret).
  static Result<Kms> parse(std::string_view config);
  // The KMS the environment configures: nullopt when SILO_KMS_SECRET_KEY is
  // unset, an error when it is set but malformed.
  static Result<std::optional<Kms>> from_env();

  const std::string& key_name() const { return name_; }
  // Seals `object_key` for `context` under the master key.
  Result<std::string> seal(const Key& object_key, std::string_view context) const;
  // Opens a key sealed by the key named `key_name`: InternalError with a
  // message saying so when that is not this KMS's key, or when this key
  // does not open it (same name, other bytes).
  Result<Key> unseal(std::string_view key_name, std::string_view sealed,
                     std::string_view context) const;

 private:
  Kms(std::string name, const Key& key) : name_(std::move(name)), master_(key) {}
  std::string name_;
  Key master_;
};

}  // namespace silo::crypto
