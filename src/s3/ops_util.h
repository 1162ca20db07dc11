// Helpers shared by the operation files.
#pragma once

#include <pugixml.hpp>
#include <string>

#include "common/hash.h"
#include "http/blocking.h"
#include "s3/context.h"

namespace silo::s3 {

// Runs `f` on the blocking pool (object layer calls block on disk).
template <typename F>
auto blocking(Context& ctx, F f) {
  return http::run_blocking(ctx.services.blocking, std::move(f));
}

// The canonical user id shown as Owner: stable per access key.
inline std::string owner_id(const Context& ctx) { return sha256_hex(ctx.auth.access_key); }

inline void add_owner(pugi::xml_node parent, const Context& ctx, const char* name = "Owner") {
  auto owner = parent.append_child(name);
  owner.append_child("ID").text().set(owner_id(ctx).c_str());
  owner.append_child("DisplayName").text().set(ctx.auth.access_key.c_str());
}

}  // namespace silo::s3
