#include "s3/validate.h"

#include "common/strings.h"

namespace silo::s3 {

bool valid_header_value(std::string_view value) {
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

Status validate_header_value(std::string_view name, std::string_view value) {
  if (valid_header_value(value)) return {};
  return fail(ErrorCode::kInvalidArgument,
              "The value of " + std::string(name) + " contains a control character");
}

bool valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  bool all_digits_or_dots = true;
  int dots = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.') {
      ++dots;
      if (name[i - 1] == '.' || name[i - 1] == '-' || name[i + 1] == '-') return false;
    }
    if (!(c == '.' || (c >= '0' && c <= '9'))) all_digits_or_dots = false;
  }
  if (all_digits_or_dots && dots == 3) return false;  // looks like an IPv4 address
  if (name.starts_with("xn--") || name.starts_with("sthree-") ||
      name.starts_with("amzn-s3-demo-") || name.ends_with("-s3alias") ||
      name.ends_with("--ol-s3") || name.ends_with("--table-s3") || name.ends_with(".mrap") || name.ends_with("--x-s3")) {
    return false;
  }
  return true;
}

Status validate_key(std::string_view key) {
  if (key.size() > 1024) return fail(ErrorCode::kKeyTooLongError);
  if (key.find('\0') != std::string_view::npos || !valid_utf8(key)) {
    return fail(ErrorCode::kInvalidObjectName);
  }
  return {};
}

}  // namespace silo::s3
