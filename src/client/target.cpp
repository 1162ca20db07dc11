#include "client/target.h"

namespace silo::client {

std::string last_component(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool escapes_folder(std::string_view rel) {
  while (!rel.empty()) {
    auto slash = rel.find('/');
    if (rel.substr(0, slash) == "..") return true;
    if (slash == std::string_view::npos) break;
    rel.remove_prefix(slash + 1);
  }
  return false;
}

std::string Target::display() const {
  if (!remote) return path;
  std::string out = alias;
  if (!bucket.empty()) out += "/" + bucket;
  if (!key.empty()) out += "/" + key;
  return out;
}

std::string Target::basename() const {
  if (!remote) return last_component(path);
  return key.empty() ? bucket : last_component(key);
}

Target parse_target(std::string_view text, const std::function<bool(std::string_view)>& is_alias) {
  Target t;
  t.text = std::string(text);
  t.trailing_slash = !text.empty() && text.back() == '/';
  auto slash = text.find('/');
  std::string_view first = text.substr(0, slash);
  if (first.empty() || first == "." || first == ".." || !is_alias(first)) {
    t.path = std::string(text);
    return t;
  }
  t.remote = true;
  t.alias = std::string(first);
  if (slash == std::string_view::npos) return t;
  std::string_view rest = text.substr(slash + 1);
  auto key_slash = rest.find('/');
  t.bucket = std::string(rest.substr(0, key_slash));
  if (key_slash != std::string_view::npos) t.key = std::string(rest.substr(key_slash + 1));
  return t;
}

Target child_target(const Target& t, std::string_view rel) {
  Target c = t;
  c.trailing_slash = !rel.empty() && rel.back() == '/';
  if (!t.remote) {
    c.path = t.path;
    if (!c.path.empty() && c.path.back() != '/') c.path += "/";
    c.path += rel;
    c.text = c.path;
    return c;
  }
  if (c.bucket.empty()) {
    auto slash = rel.find('/');
    c.bucket = std::string(rel.substr(0, slash));
    c.key = slash == std::string_view::npos ? "" : std::string(rel.substr(slash + 1));
  } else {
    if (!c.key.empty() && c.key.back() != '/') c.key += "/";
    c.key += rel;
  }
  c.text = c.display();
  return c;
}

}  // namespace silo::client
