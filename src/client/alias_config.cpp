#include "client/alias_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/s3_client.h"
#include "common/strings.h"

extern char** environ;

namespace silo::client {
namespace {

constexpr std::string_view kEnvPrefix = "SILO_ALIAS_";

Error config_error(std::string msg) { return Error(ErrorCode::kInvalidArgument, std::move(msg)); }

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(config_error(std::strerror(errno)));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

bool valid_alias_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !std::isalpha(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

Result<Alias> parse_alias_url(std::string_view name, std::string_view url) {
  auto sep = url.find("://");
  auto at = url.rfind('@');
  if (sep == std::string_view::npos || at == std::string_view::npos || at < sep) {
    return fail(config_error("expected scheme://ACCESS:SECRET@host[:port]"));
  }
  std::string_view userinfo = url.substr(sep + 3, at - sep - 3);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return fail(config_error("the URL has no ACCESS:SECRET"));
  auto access = uri_decode(userinfo.substr(0, colon));
  auto secret = uri_decode(userinfo.substr(colon + 1));
  if (!access || !secret) return fail(config_error("malformed percent-escape in the keys"));
  Alias a;
  a.name = std::string(name);
  a.url = std::string(url.substr(0, sep + 3)) + std::string(url.substr(at + 1));
  if (auto e = Endpoint::parse(a.url); !e) return fail(e.error());
  a.access_key = std::move(*access);
  a.secret_key = std::move(*secret);
  a.from_env = true;
  return a;
}

std::string AliasConfig::default_dir() {
  if (const char* d = std::getenv("SILO_CONFIG_DIR"); d && *d) return d;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.silo";
}

Result<AliasConfig> AliasConfig::load(const std::string& dir) {
  AliasConfig c;
  c.dir_ = dir;
  c.path_ = dir + "/config.json";
  std::ifstream in(c.path_);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(config_error(c.path_ + " is not valid JSON; fix or remove it"));
    }
    const nlohmann::json aliases = j.value("aliases", nlohmann::json::object());
    for (const auto& [name, v] : aliases.items()) {
      if (!v.is_object()) continue;
      Alias a{name, v.value("url", ""), v.value("accessKey", ""), v.value("secretKey", ""),
              v.value("region", "us-east-1"), false};
      c.file_[name] = std::move(a);
    }
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view var(*e);
    auto eq = var.find('=');
    if (!var.starts_with(kEnvPrefix) || eq == std::string_view::npos) continue;
    std::string_view name = var.substr(kEnvPrefix.size(), eq - kEnvPrefix.size());
    auto a = parse_alias_url(name, var.substr(eq + 1));
    if (valid_alias_name(name) && a) c.env_[std::string(name)] = std::move(*a);
  }
  return c;
}

Status AliasConfig::save() const {
  nlohmann::json aliases = nlohmann::json::object();
  for (const auto& [name, a] : file_) {
    aliases[name] = {{"url", a.url}, {"accessKey", a.access_key}, {"secretKey", a.secret_key},
                     {"region", a.region}};
  }
  std::string text = nlohmann::json{{"version", "1"}, {"aliases", aliases}}.dump(2) + "\n";
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(config_error("cannot create " + dir_ + ": " + std::strerror(errno)));
  }
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(config_error("cannot write " + tmp + ": " + std::strerror(errno)));
  auto written = write_all(fd, text);
  bool ok = written && ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(config_error("cannot write " + path_ + ": " + std::strerror(errno)));
  }
  return {};
}

void AliasConfig::set(Alias alias) {
  alias.from_env = false;
  std::string name = alias.name;
  file_[name] = std::move(alias);
}

bool AliasConfig::remove(std::string_view name) {
  auto it = file_.find(name);
  if (it == file_.end()) return false;
  file_.erase(it);
  return true;
}

std::optional<Alias> AliasConfig::find(std::string_view name) const {
  if (auto it = env_.find(name); it != env_.end()) return it->second;
  if (auto it = file_.find(name); it != file_.end()) return it->second;
  return std::nullopt;
}

std::vector<Alias> AliasConfig::all() const {
  std::map<std::string, Alias, std::less<>> merged = file_;
  for (const auto& [name, a] : env_) merged[name] = a;
  std::vector<Alias> out;
  for (auto& [name, a] : merged) out.push_back(std::move(a));
  return out;
}

}  // namespace silo::client
