// `silo admin user|group|policy|accesskey`: users, groups, policies and
// access keys through the server's admin API (s3/admin_iam.h), named as mc
// names them:
//   silo admin user add|remove|enable|disable|list|info ALIAS [USER [SECRET]]
//   silo admin group add|remove|enable|disable|list|info ALIAS [GROUP [USER...]]
//   silo admin policy create|remove|list|info ALIAS [NAME [FILE]]
//   silo admin policy attach|detach ALIAS POLICY... --user USER | --group GROUP
//   silo admin accesskey create|list|remove|info ALIAS [USER | KEY]
//       create: [--access-key K --secret-key S] [--policy FILE] [--name N]
//               [--description D] [--expiry DATE | --expiry-duration 24h]
// With --json, one record: the server's answer with "status": "success".
#pragma once

#include <string_view>
#include <vector>

#include "client/admin_command.h"
#include "client/s3_client.h"

namespace silo::client {

bool is_iam_admin_action(std::string_view action);

// Runs the IAM command `o.action` `o.iam_action` with `args` (the words
// after ALIAS). Returns the exit code.
S3Result<int> run_admin_iam(const AdminOptions& o, const std::vector<std::string>& args,
                            S3Client& client);

}  // namespace silo::client
