#include "storage/versions.h"

#include <limits>
#include <random>

#include "common/uuid.h"

namespace silo::storage {

namespace {

constexpr std::string_view kNullTail = "nullnullnullnull";

void append_hex16(std::string& out, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
}

std::string time_digits(int64_t mod_time_ns) {
  std::string out;
  out.reserve(kVersionTokenSize);
  append_hex16(out, static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - mod_time_ns));
  return out;
}

}  // namespace

std::string new_version_id(int64_t mod_time_ns) {
  std::string id = time_digits(mod_time_ns);
  // The random half comes from a uuid's hex digits: 16 of its 30 random ones.
  std::string uuid = new_uuid();
  for (char c : uuid) {
    if (id.size() == kVersionTokenSize) break;
    if (c != '-') id.push_back(c);
  }
  return id;
}

bool well_formed_version_id(std::string_view id) {
  if (id.size() != kVersionTokenSize) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string version_token(const ObjectRecord& record) {
  if (!record.version_id.empty()) return record.version_id;
  std::string token = time_digits(record.mod_time_ns);
  token.append(kNullTail);
  return token;
}

std::string token_of_id(std::string_view version_id) {
  return well_formed_version_id(version_id) ? std::string(version_id) : std::string();
}

bool is_null_token(std::string_view token) {
  return token.size() == kVersionTokenSize && token.ends_with(kNullTail);
}

}  // namespace silo::storage
