// The IAM calls of the admin API, under /silo/admin/v3/ (named as MinIO's
// admin API names them, with plain JSON bodies: use TLS):
//
//   PUT    add-user?accessKey=U            {"secretKey", "status"}
//   DELETE remove-user?accessKey=U
//   PUT    set-user-status?accessKey=U&status=enabled|disabled
//   GET    list-users | user-info?accessKey=U
//   PUT    update-group-members            {"group", "members", "isRemove"}
//   PUT    set-group-status?group=G&status=enabled|disabled
//   GET    groups | group?group=G
//   PUT    add-canned-policy?name=P        (the policy document)
//   DELETE remove-canned-policy?name=P
//   GET    list-canned-policies | info-canned-policy?name=P
//   POST   idp/builtin/policy/attach|detach {"policies", "user" | "group"}
//   PUT    add-service-account             {"targetUser", "accessKey", "secretKey",
//                                           "policy", "name", "description", "expiration"}
//   GET    list-service-accounts?user=U | info-service-account?accessKey=K
//   DELETE delete-service-account?accessKey=K
//
// Each call is authorized by the admin action MinIO names for it
// (admin:CreateUser, admin:ListGroups, ...; access.h admin_allowed); a user
// reads its own user-info and manages its own access keys without any.
// Answers are JSON documents; errors are S3 error documents.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string_view>

#include "s3/context.h"

namespace silo::s3 {

// Serves the admin call `call` (the path after /silo/admin/v3/); nullopt
// when it is not an IAM call.
boost::asio::awaitable<std::optional<Status>> serve_iam_admin(Context& ctx, std::string_view call);

}  // namespace silo::s3
