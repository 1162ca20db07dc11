// `silo bench`: the command line of the load generator. main.cpp registers
// the subcommand with add_command() and, when it was chosen, calls run().
//
//   silo bench put|get|stat|list|delete|mixed|multipart --endpoint URL
//       --access-key K --secret-key S [--region us-east-1] [--bucket B]
//       [--size 4KiB] [--concurrency 32] [--duration 30s] [--objects N]
//       [--mixed 45:30:15:10] [--part-size 5MiB] [--delimiter /] [--keep]
//       [--json] [--insecure]
//   silo bench --compare A.json B.json
//
// Keys may come from SILO_ACCESS_KEY/SILO_SECRET_KEY or
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. The table goes to stdout; with
// --json the JSON document goes to stdout and the table to stderr. Progress
// lines go to stderr. Exit status: 0 when no operation failed, 1 when any
// did (or setup/cleanup failed), 2 on a usage error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace silo::bench {

// The options as typed; validated and converted by run().
struct Options {
  std::string op;
  std::string endpoint;
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string bucket;
  std::string size;  // empty: 4KiB (64MiB for multipart)
  int concurrency = 32;
  std::string duration = "30s";
  uint64_t objects = 0;  // 0: a default that suits the size
  std::string mixed = "45:30:15:10";
  std::string part_size = "5MiB";
  std::string delimiter;
  std::string sse;  // "s3": objects written with x-amz-server-side-encryption: AES256
  bool keep = false;
  bool json = false;
  bool insecure = false;
  std::vector<std::string> compare;
};

// Adds the `bench` subcommand to `app`, binding its options to `options`.
CLI::App* add_command(CLI::App& app, Options& options);

// Runs what the options ask for; returns the process exit status.
int run(const Options& options);

}  // namespace silo::bench
