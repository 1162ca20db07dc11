// S3 naming rules for buckets and keys.
#pragma once

#include <string_view>

#include "common/error.h"

namespace silo::s3 {

// AWS's rules for new bucket names (3-63 chars, lower-case letters, digits,
// dots and hyphens, no IP addresses, reserved prefixes and suffixes).
bool valid_bucket_name(std::string_view name);
// Keys are UTF-8, at most 1024 bytes, and never contain NUL.
Status validate_key(std::string_view key);

}  // namespace silo::s3
