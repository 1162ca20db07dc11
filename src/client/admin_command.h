// `silo admin`: operator commands against a Silo server's admin API.
//   silo admin info ALIAS | --endpoint URL   version, uptime, drives and their state
//                                            (online, FULL, OFFLINE; free of total,
//                                            reserve), sets/parity, heal progress, usage
//   (usage -- buckets, objects, bytes -- comes from the server's counters; for
//   a server whose info answer lacks it, the client sums bucket listings)
//   silo admin heal ALIAS[/BUCKET[/PREFIX]] | --endpoint URL [--bucket B [--prefix P]]
//                                            deep-heal now (in the background on the
//                                            server), showing objects and bytes scanned
//                                            and healed, rate and ETA while it runs, then
//                                            what was fixed (--json: the final record)
//   silo admin decommission start|status|cancel ALIAS POOL
//                                            drain pool POOL (its number, or its
//                                            command-line argument) into the others so it
//                                            can be removed; start and status follow the
//                                            progress (objects, bytes, rate, ETA) until it
//                                            ends (--no-wait: answer at once)
//   silo admin rebalance start|status|stop ALIAS
//                                            even out the pools' used share after an
//                                            expansion, progress as above
//   silo admin user|group|policy|accesskey ...
//                                            IAM: see admin_iam.h
// An ALIAS (see alias_config.h) gives the endpoint and keys. Otherwise credentials: --access-key/--secret-key, or SILO_ACCESS_KEY/SILO_SECRET_KEY,
// or SILO_ROOT_USER/SILO_ROOT_PASSWORD (the root user is required).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace silo::client {

struct AdminOptions {
  std::string action;  // info | heal | decommission | rebalance
  // What follows ACTION: [ALIAS] for info and heal, JOB_ACTION ALIAS [POOL]
  // for decommission and rebalance.
  std::vector<std::string> words;
  std::string alias;   // optional: endpoint and keys from this alias
  std::string job_action;  // decommission: start|status|cancel; rebalance: start|status|stop
  std::string pool;
  bool no_wait = false;
  std::string endpoint = "http://127.0.0.1:9000";
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;
  bool json = false;
  // user, group, policy and accesskey (admin_iam.h): the sub-action, and
  // the options of policy attach|detach and accesskey create.
  std::string iam_action;
  std::string iam_user, iam_group;
  std::string new_access_key, new_secret_key;  // accesskey create, with an ALIAS
  std::string policy_file, key_name, key_description, expiry, expiry_duration;
  bool insecure = false;  // do not verify the server's TLS certificate
};

CLI::App* add_admin_command(CLI::App& app, AdminOptions& options);
// Returns the process exit code.
int run_admin(const AdminOptions& options);

}  // namespace silo::client
