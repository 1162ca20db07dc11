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
// A value that may be copied into a response header: no control characters
// (CR and LF would end the header and start another) other than HTAB.
bool valid_header_value(std::string_view value);
// InvalidArgument naming `name` when its value is not valid_header_value.
Status validate_header_value(std::string_view name, std::string_view value);

}  // namespace silo::s3
