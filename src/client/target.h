// What a command-line argument names: a local path, or an object, prefix or
// bucket behind an alias ("ALIAS[/BUCKET[/KEY]]"). An argument is remote when
// its first path component is a known alias; anything else (including paths
// starting with '/', './' or '../') is local, so `./local/x` reaches a folder
// even when an alias is called "local". Pure, for tests.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace silo::client {

struct Target {
  bool remote = false;
  std::string text;    // the argument as given
  std::string path;    // local: the path as given
  std::string alias;   // remote
  std::string bucket;  // remote; empty: the alias itself (its bucket list)
  std::string key;     // remote; may be empty, may end with '/'
  bool trailing_slash = false;  // the argument ended with '/': "the contents of"

  // "alias/bucket/key" or the local path, for messages.
  std::string display() const;
  // The last component of the path or key ("" for a bucket or alias).
  std::string basename() const;
};

Target parse_target(std::string_view text, const std::function<bool(std::string_view)>& is_alias);

// A copy of `t` that names `rel` below it (a key or a path joined with '/').
Target child_target(const Target& t, std::string_view rel);

// True when the relative name `rel` has a ".." component, so joining it to a
// local folder would name something outside that folder (object keys may be
// "../../x": a download must not write there).
bool escapes_folder(std::string_view rel);

// The last '/'-separated component of `path`, ignoring a trailing '/'.
std::string last_component(std::string_view path);

}  // namespace silo::client
