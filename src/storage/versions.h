// Version ids and the order of an object's versions on a drive.
//
// A version id Silo makes is 32 lower-case hex digits: the first 16 are
// its modification time counted down from the largest int64 (so ids sort
// newest first), the last 16 are random. An object's versions on a drive
// are ordered by a 32-byte sort token: a version's own id, or for the null
// version (id "", shown to clients as "null") the same time digits followed
// by "nullnullnullnull". So one key's versions are a range of RocksDB keys,
// newest first, and a version named by its id is one seek.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/record.h"

namespace silo::storage {

inline constexpr size_t kVersionTokenSize = 32;

// A fresh version id for a version modified at `mod_time_ns`.
std::string new_version_id(int64_t mod_time_ns);
// Whether `id` has the form of an id new_version_id makes.
bool well_formed_version_id(std::string_view id);
// The sort token of `record` among its key's versions.
std::string version_token(const ObjectRecord& record);
// The token of the version `version_id` names ("" : the null version, whose
// token depends on its time and so is unknown: returns "").
std::string token_of_id(std::string_view version_id);
// Whether `token` is the null version's.
bool is_null_token(std::string_view token);

}  // namespace silo::storage
