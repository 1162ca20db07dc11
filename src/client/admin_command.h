// `silo admin`: operator commands against a Silo server's admin API.
//   silo admin info --endpoint URL           drives, their state, parity, heal progress
//   silo admin heal --endpoint URL [--bucket B [--prefix P]]
//                                            deep-heal now and report what was fixed
// Credentials: --access-key/--secret-key, or SILO_ACCESS_KEY/SILO_SECRET_KEY,
// or SILO_ROOT_USER/SILO_ROOT_PASSWORD (the root user is required).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace silo::client {

struct AdminOptions {
  std::string action;  // info | heal
  std::string endpoint = "http://127.0.0.1:9000";
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;
  bool json = false;
};

CLI::App* add_admin_command(CLI::App& app, AdminOptions& options);
// Returns the process exit code.
int run_admin(const AdminOptions& options);

}  // namespace silo::client
