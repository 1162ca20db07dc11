// IamStore: the credentials a server accepts and the identities behind
// them: the root user's (from the environment) and the IAM state of the
// deployment (iam_state.h: users, groups, policies, access keys).
//
// Storage: the state is one JSON document, sealed (sealing.h) under a key
// derived from the root user's secret (SigV4 needs the secrets themselves,
// so they cannot be hashed; sealing keeps them off the drives in clear),
// kept by an IamBackend: in a server, a configuration of the system bucket,
// which every drive of every set holds and which is written with the
// metadata quorum under the deployment-wide lock of that record. A change
// loads the newest document under that lock, applies itself to a copy,
// and stores it: concurrent changes on different nodes never lose one
// another.
//
// Lookups are answered from an in-memory snapshot (parsed policies, every
// access key with its secret and identity), replaced whole when the state
// changes: never blocking, safe on the network threads. The snapshot is
// rebuilt at once after a change made here; a background thread reloads the
// stored state every `refresh_interval`, and at once when poke()d (a peer
// said the system bucket changed), so a change is seen on every node
// within seconds.
//
// Session tokens (STS, session_token.h) are checked against the snapshot's
// owner: a session of a user that was removed or disabled stops working.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/error.h"
#include "iam/iam_state.h"
#include "iam/identity.h"
#include "iam/session_token.h"

namespace silo::iam {

// Where the sealed state lives.
class IamBackend {
 public:
  virtual ~IamBackend() = default;
  // The stored document (nullopt: none yet). May block.
  virtual Result<std::optional<std::string>> load() = 0;
  // Under the deployment-wide lock of the document: reads the newest one,
  // passes it to `change`, and stores what it returns. May block.
  using Change = std::function<Result<std::string>(const std::optional<std::string>&)>;
  virtual Status update(const Change& change) = 0;
};

struct Credential {
  std::string secret;
  std::shared_ptr<const Identity> identity;
};

class IamStore {
 public:
  // `backend` null: the root user only (tools and tests without a deployment).
  IamStore(std::string root_access_key, std::string root_secret, IamBackend* backend = nullptr);
  ~IamStore();
  IamStore(const IamStore&) = delete;
  IamStore& operator=(const IamStore&) = delete;

  const std::string& root_access_key() const { return root_access_key_; }

  // The credential of a long-term access key (root, user, access key);
  // nullopt when unknown, disabled or expired. Never blocks.
  std::optional<Credential> credential(std::string_view access_key) const;
  // The credential of a session: InvalidToken, ExpiredToken, or
  // InvalidAccessKeyId when `access_key` is not the token's. Never blocks.
  Result<Credential> session_credential(std::string_view access_key, std::string_view token) const;
  // A new session for the owner of `identity`, valid `duration`, narrowed by
  // `policy` (an identity policy document, already checked).
  SessionClaims issue_session(const Identity& identity, std::chrono::seconds duration,
                              std::optional<std::string> policy) const;
  std::string session_token(const SessionClaims& claims) const;

  // The access key whose canonical user id (S3 Owner, ACL grantee) is `id`:
  // the root user's, or a user's.
  std::optional<std::string> access_key_with_id(std::string_view id) const;

  // The current state (a copy, for the admin API's reads).
  IamState state() const;
  // Applies `change` to the newest stored state and stores it (blocks).
  Status change(const std::function<Status(IamState&)>& change);
  // Reads the stored state (blocks); the snapshot follows it.
  Status reload();
  // Starts the background reloads.
  void start_refresh(std::chrono::milliseconds refresh_interval);
  // The stored state changed elsewhere: reload soon.
  void poke();

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> snapshot() const;
  // The snapshot of `state` (parsed policies and every usable key).
  std::shared_ptr<const Snapshot> build(IamState state) const;
  Result<IamState> open(const std::optional<std::string>& stored) const;
  void refresh_loop(std::chrono::milliseconds interval);

  const std::string root_access_key_;
  const std::string root_secret_;
  const std::string state_key_;    // seals the stored state
  const std::string session_key_;  // seals session tokens
  IamBackend* const backend_;

  mutable std::mutex mu_;  // guards snapshot_, stored_, stopping_
  std::shared_ptr<const Snapshot> snapshot_;
  std::string stored_;  // the document the snapshot was built from
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace silo::iam
