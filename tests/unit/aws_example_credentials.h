// Test support for the signature tests: the credentials of AWS's published
// signing examples, a lookup that knows only them, and the check of an
// authentication error.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_result.h"
#include "common/error.h"

namespace silo::test_support {

inline constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

inline auth::SecretLookup example_lookup() {
  return [](std::string_view ak) -> std::optional<std::string> {
    if (ak == kAccessKey) return std::string(kSecret);
    return std::nullopt;
  };
}

// REQUIRES: called from a test body (it uses gtest assertions).
inline void expect_error(const Result<auth::AuthResult>& r, ErrorCode code,
                         std::string_view message_part = {}) {
  ASSERT_FALSE(r.has_value()) << "expected " << error_code_name(code);
  EXPECT_EQ(r.error().code, code) << r.error().text();
  if (!message_part.empty()) {
    EXPECT_NE(r.error().text().find(message_part), std::string_view::npos) << r.error().text();
  }
}

}  // namespace silo::test_support
