#include "cluster/remote_lock_peer.h"

#include <span>
#include <string>

#include "cluster/wire.h"

namespace silo::cluster {

RemoteLockPeer::RemoteLockPeer(std::shared_ptr<InternodeClient> client, const std::string& base_url)
    : client_(std::move(client)), health_(client_->peer(base_url)) {}

LockReply RemoteLockPeer::call(Deadline deadline, std::string_view name, const LockRequest& r) {
  if (deadline.expired() || !health_->online()) return LockReply::kError;
  std::string path(kLockPrefix);
  path += name;
  std::string body = encode_lock_request(r);
  auto answer = client_->call(*health_, path,
                              std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                              deadline);
  // A refusal is an answer of the table; anything else (an error the
  // service returned, a token refused, a garbled body) counts as no answer.
  if (!answer) return LockReply::kError;
  if (*answer == kLockGranted) return LockReply::kGranted;
  if (*answer == kLockRefused) return LockReply::kRefused;
  return LockReply::kError;
}

bool RemoteLockPeer::release_later(bool shared, const LockRequest& r) {
  health_->send_batched(std::string(kLockPrefix) + "release_many", encode_release(shared, r));
  return true;
}

}  // namespace silo::cluster
