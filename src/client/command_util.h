// What the client command files share: the options every command may take,
// how a command is registered, and helpers used by more than one family.
// Internal to src/client.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/listing.h"
#include "client/session.h"
#include "client/transfer.h"

namespace silo::client {

// The union of the per-command options; each command reads its own.
struct CommandArgs {
  std::vector<std::string> args;  // positional arguments
  bool recursive = false;
  bool versions = false;
  bool summarize = false;
  bool force = false;
  bool parents = false;
  bool overwrite = false;
  bool remove = false;
  bool watch = false;
  bool files = false;
  std::string attr;
  std::string storage_class;
  std::string older_than;
  std::string newer_than;
  std::string name;
  std::string larger;
  std::string smaller;
  std::string exec;
  std::string expire = "7d";
  std::string region = "us-east-1";
  std::string location;  // silo mb --region
  bool with_lock = false;        // silo mb --with-lock
  bool with_versioning = false;  // silo mb --with-versioning
  std::string version_id;        // silo rm --version-id
  bool bypass = false;           // silo rm --bypass: x-amz-bypass-governance-retention
  int lines = 10;
  int depth = 0;
  int interval = 2;
};

using CommandRunner = std::function<int(Session&, const CommandArgs&)>;

struct CommandDef {
  CLI::App* app = nullptr;
  CommandRunner run;
  bool needs_session = true;
};

struct Registry {
  CLI::App& root;
  CommandArgs& args;
  std::vector<CommandDef>& commands;

  // A subcommand with its description and examples in --help.
  CLI::App* add(const std::string& name, const std::string& about, const std::string& examples,
                CommandRunner run);
};

void add_alias_commands(Registry& r);
void add_bucket_commands(Registry& r);
void add_list_commands(Registry& r);   // ls, du, tree, find
void add_copy_commands(Registry& r);   // cp, mv, pipe
void add_read_commands(Registry& r);   // cat, head, stat
void add_remove_commands(Registry& r); // rm
void add_sync_commands(Registry& r);   // mirror, diff
void add_share_commands(Registry& r);
void add_quota_commands(Registry& r);  // Silo's admin API: bucket quotas
void add_tag_commands(Registry& r);        // object and bucket tags
void add_anonymous_commands(Registry& r);  // bucket policies for everyone
void add_version_commands(Registry& r);    // bucket versioning
void add_lock_commands(Registry& r);       // retention, legalhold (object lock)
void add_ilm_commands(Registry& r);        // lifecycle rules
void add_cors_commands(Registry& r);       // CORS configurations

inline int exit_code(Session& s) { return s.out().failed() ? 1 : 0; }
// Prints a usage problem and returns 2.
int usage_error(Session& s, std::string_view command, std::string_view message);

// --attr "Content-Type=text/plain;color=blue" and --storage-class as request
// headers (names other than the standard content headers become x-amz-meta-*).
std::optional<HeaderList> object_headers(const CommandArgs& a);

// One copy of any kind: file -> object, object -> file, object -> object,
// file -> file.
S3Result<TransferResult> transfer(Session& s, const Target& src, const Target& dst,
                                  const HeaderList& headers);

// Removes `keys` (objects, or versions when version ids are set) from one
// bucket in batches; reports each and returns how many were removed. With
// `bypass_governance`, versions under GOVERNANCE retention are removed too.
size_t remove_entries(Session& s, std::string_view command, const Target& bucket,
                      const std::vector<Entry>& entries, bool bypass_governance = false);

// The hint to add to a refusal caused by object lock ("" for other errors).
std::string lock_hint(const S3Error& e, bool bypassed);

// True (after reporting `src` as failed) when copying the entry `rel` below
// the local folder `dst` would write outside it (a key like "../../x").
bool refuses_to_escape(Session& s, std::string_view command, const Target& src,
                       const Target& dst, std::string_view rel);

// What a listing entry of `base` names: "ALIAS/BUCKET/KEY" or a path. When
// `base` is itself one object or file, that is `base`, not base/name.
std::string entry_target(const Entry& e, const Target& base);

// The JSON record of a listing entry below `base`.
nlohmann::json entry_json(const Entry& e, const Target& base);

// Reads an age option ("" -> nullopt); exits with a usage error on junk.
std::optional<int64_t> cutoff_ns(const std::string& age, bool& bad);

}  // namespace silo::client
