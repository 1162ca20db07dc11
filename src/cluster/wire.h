// The internode protocol on the wire, shared by the services (DriveService,
// LockService) and their clients (RemoteDrive, RemoteLockPeer), so the two
// sides cannot drift apart.
//
// A call is `POST /silo/internode/v1/drive/<call>?drive=<root>&<args>`:
// short string arguments (bucket, key, ids, numbers) travel URL-encoded in
// the query; records travel in the body as the storage record codec encodes
// them (storage/record.h), several of them framed by WireWriter; shard data
// travels raw. The caller's time left rides in kDeadlineHeader. Success is
// 200 with the call's answer in the body; a drive error is a 4xx/5xx with
// its code's name in kErrorHeader and its message as the body, so the
// caller gets back the very Error the remote drive returned.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/lock_server.h"
#include "common/error.h"
#include "storage/drive.h"
#include "storage/format.h"

namespace silo::cluster {

inline constexpr std::string_view kDrivePrefix = "/silo/internode/v1/drive/";
// `POST <kLockPrefix><call>` (lock, rlock, unlock, runlock, refresh), the
// body encode_lock_request(); 200 with kLockGranted or kLockRefused.
inline constexpr std::string_view kLockPrefix = "/silo/internode/v1/lock/";
inline constexpr std::string_view kLockGranted = "granted";
inline constexpr std::string_view kLockRefused = "refused";
// `POST <kEventPrefix>bucket`, the body the names of buckets this node
// changed, one a line; 200 with an empty body (peer_events.h).
inline constexpr std::string_view kEventPrefix = "/silo/internode/v1/event/";
// Milliseconds the caller will still wait; absent: no limit.
inline constexpr std::string_view kDeadlineHeader = "x-silo-deadline-ms";
// The ErrorCode name (common/error.h) of a failed call.
inline constexpr std::string_view kErrorHeader = "x-silo-error";

// Appends length-prefixed fields (u64 little-endian lengths and numbers).
class WireWriter {
 public:
  void u64(uint64_t v);
  void bytes(std::string_view b);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what WireWriter wrote; any overrun is an error, never garbage.
class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}
  Result<uint64_t> u64();
  Result<std::string_view> bytes();
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// ErrorCode by its name (error_code_name); kInternalError when unknown.
ErrorCode error_code_from_name(std::string_view name);

// A lock call's three strings (resource, owner, uid) framed by WireWriter.
std::string encode_lock_request(const LockRequest& r);
Result<LockRequest> decode_lock_request(std::string_view bytes);

// Several one-way calls of one kind in one POST (PeerHealth::send_batched):
// their count, then each call's own encoding framed as bytes.
std::string encode_batch(const std::vector<std::string>& items);
Result<std::vector<std::string_view>> decode_batch(std::string_view body);

// One item of `finish_many` (drive call): bucket, key and the change's id.
std::string encode_finish(std::string_view bucket, std::string_view key,
                          const storage::ChangeId& change);
struct FinishItem {
  std::string_view bucket, key;
  storage::ChangeId change;
};
Result<FinishItem> decode_finish(std::string_view bytes);

// One item of `release_many` (lock call): shared or not, and the request.
std::string encode_release(bool shared, const LockRequest& r);
struct ReleaseItem {
  bool shared = false;
  LockRequest request;
};
Result<ReleaseItem> decode_release(std::string_view bytes);

// storage::Format framed for the format calls.
std::string encode_format(const storage::Format& format);
Result<storage::Format> decode_format(std::string_view bytes);

}  // namespace silo::cluster
