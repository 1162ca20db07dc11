// The `silo` client commands (alias, mb, rb, ls, cp, mv, pipe, cat, head, rm,
// stat, du, tree, find, mirror, diff, share, quota, tag, anonymous, version,
// retention, legalhold, ilm, cors, help, completion), registered on the
// top-level CLI11 app next to `silo server`, `silo bench` and `silo admin`.
// Exit status: 0 full success, 1 any failed operation, 2 usage.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace silo::client {

struct ClientCommandsState;

class ClientCommands {
 public:
  // Adds the global client options (--json, --quiet, --parallel, ...) to `app`
  // and one subcommand per client command.
  explicit ClientCommands(CLI::App& app);
  ~ClientCommands();
  // After parsing: the exit code of the client command that was given, or
  // nullopt when the subcommand was not a client command.
  std::optional<int> run();
  // --json was given (also read by `silo admin`, which has its own flag).
  bool json() const;
  bool insecure() const;  // the global --insecure

  // When --json is on the command line, prints a parse error as one JSON
  // error record on stdout (the README promises JSON for every error) and
  // returns true. For main()'s CLI11 catch block.
  static bool report_parse_error_as_json(int argc, char** argv, const std::string& message);

 private:
  std::unique_ptr<ClientCommandsState> state_;
};

}  // namespace silo::client
