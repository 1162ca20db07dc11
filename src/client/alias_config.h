// Aliases: short names for S3 endpoints and their keys, so targets read
// `local/photos/cat.jpg` instead of a URL plus credentials.
//
// Aliases live in `<dir>/config.json`, where <dir> is $SILO_CONFIG_DIR or
// ~/.silo; the file holds secrets, so it is written 0600 (its folder 0700),
// atomically (temp file + rename), and never logged. An environment variable
// SILO_ALIAS_<name>=https://ACCESS:SECRET@host[:port] defines an alias for one
// process and wins over the file (for CI and containers). Not thread-safe:
// load once at start, then only read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace silo::client {

struct Alias {
  std::string name;
  std::string url;  // scheme://host[:port]
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  bool from_env = false;
};

// Letters, digits, '-' and '_', starting with a letter; at most 64 bytes.
bool valid_alias_name(std::string_view name);

// Parses SILO_ALIAS_<name>'s value "scheme://ACCESS:SECRET@host[:port]"; the
// keys may be percent-encoded. Pure, for tests.
Result<Alias> parse_alias_url(std::string_view name, std::string_view url);

class AliasConfig {
 public:
  // $SILO_CONFIG_DIR, else $HOME/.silo.
  static std::string default_dir();
  // Reads <dir>/config.json (a missing file is an empty config) and the
  // environment's SILO_ALIAS_* variables. Fails on an unreadable or corrupt file.
  static Result<AliasConfig> load(const std::string& dir);

  // Writes the file aliases (not the environment's) to <dir>/config.json.
  Status save() const;
  void set(Alias alias);
  // False when no file alias had this name.
  bool remove(std::string_view name);
  // Environment aliases first, then the file's.
  std::optional<Alias> find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }
  // Every alias, sorted by name; an environment alias hides a file alias.
  std::vector<Alias> all() const;
  const std::string& path() const { return path_; }
  // The config folder (certs/CAs/ in it holds CAs to trust: client/trust.h).
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string path_;
  std::map<std::string, Alias, std::less<>> file_;
  std::map<std::string, Alias, std::less<>> env_;
};

}  // namespace silo::client
