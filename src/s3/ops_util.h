// Helpers shared by the operation files.
#pragma once

#include <pugixml.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "http/blocking.h"
#include "s3/context.h"
#include "s3/response.h"

namespace silo::s3 {

// Runs `f` on the blocking pool (object layer calls block on disk).
template <typename F>
auto blocking(Context& ctx, F f) {
  return http::run_blocking(ctx.services.blocking, std::move(f));
}

// The bucket's configuration `name` (object/bucket_configs.h), nullopt when
// it is not set, read on the blocking pool.
inline boost::asio::awaitable<Result<std::optional<std::string>>> read_bucket_config(
    Context& ctx, std::string_view name) {
  co_return co_await blocking(
      ctx, [&] { return ctx.services.objects.bucket_config(ctx.bucket, name); });
}

// Sets (nullopt: removes) the bucket's configuration `name`, then answers
// `status` with an empty body.
inline boost::asio::awaitable<Status> write_bucket_config(Context& ctx, std::string_view name,
                                                          std::optional<std::string_view> doc,
                                                          int status) {
  auto s = co_await blocking(
      ctx, [&] { return ctx.services.objects.set_bucket_config(ctx.bucket, name, doc); });
  if (!s) co_return s;
  co_return co_await send_empty(ctx, status);
}

// The canonical user id shown as Owner: the account's, which owns every
// bucket and object (IAM users act for it, as in AWS); stable per root
// access key.
inline std::string owner_id(const Context& ctx) {
  return iam::canonical_user_id(ctx.services.iam.root_access_key());
}

inline void add_owner(pugi::xml_node parent, const Context& ctx, const char* name = "Owner") {
  auto owner = parent.append_child(name);
  owner.append_child("ID").text().set(owner_id(ctx).c_str());
  owner.append_child("DisplayName").text().set(ctx.services.iam.root_access_key().c_str());
}

}  // namespace silo::s3
