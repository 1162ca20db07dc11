// The bridge between signature verification and the IAM store: a
// SecretLookup that finds the secret of a long-term access key, or of a
// session when the request carries a security token, and remembers whose
// identity signed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_result.h"
#include "auth/request.h"
#include "iam/iam_store.h"

namespace silo::s3 {

class CredentialLookup {
 public:
  // `token`: the request's X-Amz-Security-Token (empty: none).
  CredentialLookup(const iam::IamStore& iam, std::string token)
      : iam_(iam), token_(std::move(token)) {}

  // For auth::authenticate(); valid while this object lives.
  auth::SecretLookup lookup();

  // After verification: the error the security token earned (InvalidToken,
  // ExpiredToken), which AWS reports rather than the signature's.
  const std::optional<Error>& token_error() const { return token_error_; }
  // The identity of the key that was looked up (null when none was found).
  std::shared_ptr<const iam::Identity> identity() const { return identity_; }

 private:
  const iam::IamStore& iam_;
  std::string token_;
  std::optional<Error> token_error_;
  std::shared_ptr<const iam::Identity> identity_;
};

// The request's security token: the x-amz-security-token header, or the
// X-Amz-Security-Token query parameter of a presigned URL.
std::string security_token(const auth::SignedRequest& request);

}  // namespace silo::s3
