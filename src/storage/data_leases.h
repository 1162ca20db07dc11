// Read leases of one drive: they keep the data of a version on disk while a
// reader needs it, so an overwrite or delete that commits meanwhile cannot
// pull the shard files from under a GET that already chose that version.
//
// The drive records a removal first (a garbage record, crash-safe) and then
// asks begin_removal(): when the data is leased, the removal waits and runs,
// on this object's own thread, once the last lease is released. A lease is
// refused while a removal of its data is under way, and the caller checks
// after acquire() that the data still exists: together these close the race
// between "the reader chose the version" and "the writer removed it".
// Thread-safe. Leases and the removal thread may outlive the drive: detach()
// (from the drive's destructor) drops the removals still waiting; their
// garbage records make the next start collect them.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "storage/drive.h"

namespace silo::storage {

class DataLeases : public std::enable_shared_from_this<DataLeases> {
 public:
  // Removes the data a garbage record names, then the record.
  using Remove = std::function<void(const std::string& garbage_key)>;

  static std::shared_ptr<DataLeases> create(Remove remove);
  ~DataLeases();
  DataLeases(const DataLeases&) = delete;
  DataLeases& operator=(const DataLeases&) = delete;

  // A lease on the data of `uuid`; nullptr while that data is being removed.
  std::unique_ptr<DataLease> acquire(std::string_view uuid);
  // True when the data of `uuid` may be removed now (call end_removal() once
  // it is gone). False when it is leased: the removal of `garbage_key` then
  // runs when the last lease is released.
  bool begin_removal(std::string_view uuid, const std::string& garbage_key);
  void end_removal(std::string_view uuid);
  // Leases held now (for tests and admin output).
  size_t leased() const;
  // Stops running removals; those still waiting are left to the next start.
  void detach();

 private:
  class Lease;
  explicit DataLeases(Remove remove) : remove_(std::move(remove)) {}
  void release(const std::string& uuid);
  void run();

  mutable std::mutex mu_;
  std::condition_variable wake_;
  Remove remove_;                                          // empty once detached
  std::unordered_map<std::string, size_t> leases_;         // uuid -> count
  std::unordered_map<std::string, std::deque<std::string>> waiting_;  // uuid -> garbage keys
  std::unordered_map<std::string, size_t> removing_;       // uuids being removed now
  std::deque<std::pair<std::string, std::string>> ready_;  // (uuid, garbage key) to remove
  std::thread worker_;                                     // started at the first deferral
  bool stop_ = false;
};

}  // namespace silo::storage
