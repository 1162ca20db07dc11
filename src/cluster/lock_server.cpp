#include "cluster/lock_server.h"

#include <algorithm>

namespace silo::cluster {

LockServer::LockServer(LockServerOptions options, std::function<Clock::time_point()> now)
    : options_(options), now_(std::move(now)) {}

LockServer::Entry* LockServer::live(const std::string& resource, Clock::time_point now) {
  auto it = table_.find(resource);
  if (it == table_.end()) return nullptr;
  auto& grants = it->second.grants;
  std::erase_if(grants, [now](const Grant& g) { return g.expires <= now; });
  if (grants.empty()) {
    table_.erase(it);
    return nullptr;
  }
  return &it->second;
}

LockServer::Grant LockServer::grant_for(const LockRequest& r, Clock::time_point now) const {
  return Grant{r.owner, r.uid, now + options_.lease};
}

bool LockServer::lock(const LockRequest& r) {
  auto now = now_();
  std::lock_guard lock(mu_);
  if (Entry* e = live(r.resource, now)) {
    // A retry of a request already granted: renew, answer as before.
    if (e->writer && e->grants.front().uid == r.uid) {
      e->grants.front().expires = now + options_.lease;
      return true;
    }
    return false;
  }
  Entry& e = table_[r.resource];
  e.writer = true;
  e.grants.push_back(grant_for(r, now));
  return true;
}

bool LockServer::rlock(const LockRequest& r) {
  auto now = now_();
  std::lock_guard lock(mu_);
  Entry* e = live(r.resource, now);
  if (e == nullptr) {
    e = &table_[r.resource];
    e->writer = false;
  }
  if (e->writer) return false;
  for (auto& g : e->grants) {
    if (g.uid == r.uid) {
      g.expires = now + options_.lease;
      return true;
    }
  }
  e->grants.push_back(grant_for(r, now));
  return true;
}

bool LockServer::release(const LockRequest& r, bool writer) {
  auto now = now_();
  std::lock_guard lock(mu_);
  Entry* e = live(r.resource, now);
  if (e == nullptr || e->writer != writer) return false;
  auto it = std::find_if(e->grants.begin(), e->grants.end(),
                         [&](const Grant& g) { return g.uid == r.uid; });
  if (it == e->grants.end()) return false;
  e->grants.erase(it);
  if (e->grants.empty()) table_.erase(r.resource);
  return true;
}

bool LockServer::unlock(const LockRequest& r) { return release(r, true); }
bool LockServer::runlock(const LockRequest& r) { return release(r, false); }

bool LockServer::refresh(const LockRequest& r) {
  auto now = now_();
  std::lock_guard lock(mu_);
  Entry* e = live(r.resource, now);
  if (e == nullptr) return false;
  for (auto& g : e->grants) {
    if (g.uid == r.uid) {
      g.expires = now + options_.lease;
      return true;
    }
  }
  return false;
}

size_t LockServer::sweep() {
  auto now = now_();
  std::lock_guard lock(mu_);
  size_t dropped = 0;
  for (auto it = table_.begin(); it != table_.end();) {
    dropped += std::erase_if(it->second.grants, [now](const Grant& g) { return g.expires <= now; });
    it = it->second.grants.empty() ? table_.erase(it) : std::next(it);
  }
  return dropped;
}

size_t LockServer::holders(const std::string& resource) {
  std::lock_guard lock(mu_);
  Entry* e = live(resource, now_());
  return e == nullptr ? 0 : e->grants.size();
}

}  // namespace silo::cluster
