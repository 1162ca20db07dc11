#include "client/trust.h"

#include <map>
#include <mutex>

#include "common/ca_bundle.h"

namespace silo::client {

std::string ca_dir(const std::string& config_dir) { return config_dir + "/certs/CAs"; }

Status apply_trust(ClientConfig& config, const std::string& config_dir, bool insecure) {
  config.verify_tls = !insecure;
  config.ca_dir = ca_dir(config_dir);
  if (insecure) return {};
  static std::mutex mu;
  static std::map<std::string, Result<std::shared_ptr<const std::string>>> read;
  std::lock_guard lock(mu);
  auto it = read.find(config.ca_dir);
  if (it == read.end()) {
    auto bundle = read_ca_bundle(config.ca_dir);
    Result<std::shared_ptr<const std::string>> pem = std::shared_ptr<const std::string>();
    if (!bundle) {
      pem = std::unexpected(bundle.error());
    } else if (!bundle->extra.empty()) {
      // Only with CAs of the user's own: otherwise libcurl's default is the
      // same system bundle, read without a copy per client.
      pem = std::make_shared<const std::string>(std::move(bundle->pem));
    }
    it = read.emplace(config.ca_dir, std::move(pem)).first;
  }
  if (!it->second) return std::unexpected(it->second.error());
  config.ca_pem = *it->second;
  return {};
}

}  // namespace silo::client
