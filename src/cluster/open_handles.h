// What DriveService keeps open between the calls of a remote caller: staged
// shard writers (a shard is written by many calls, then closed) and data
// leases (held while a remote reader reads). Both are tables keyed by what
// the caller names them with, and both forget entries the caller left
// behind (it crashed, or lost the connection): a writer idle for too long
// is dropped with its staged data left to remove_staged or the next start,
// a lease is released when it expires.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "storage/drive.h"

namespace silo::cluster {

class StagedWriters {
 public:
  using Clock = std::chrono::steady_clock;
  explicit StagedWriters(Clock::duration idle_timeout) : idle_timeout_(idle_timeout) {}

  // One open writer. Calls on it are serialized by its mutex.
  struct Entry {
    std::mutex mu;
    std::unique_ptr<storage::ShardWriter> writer;
  };

  // Adds (or replaces) the writer of (root, staged_id, name).
  void put(const std::string& root, std::string_view staged_id, std::string_view name,
           std::unique_ptr<storage::ShardWriter> writer);
  // The writer, marked used now; nullptr when unknown or dropped.
  std::shared_ptr<Entry> get(const std::string& root, std::string_view staged_id,
                             std::string_view name);
  void erase(const std::string& root, std::string_view staged_id, std::string_view name);
  // Forgets every writer of (root, staged_id).
  void erase_all(const std::string& root, std::string_view staged_id);
  size_t size() const;
  // Drops idle writers (at most once a second, whoever calls).
  void sweep();

 private:
  struct Slot {
    std::shared_ptr<Entry> entry;
    Clock::time_point used;
  };
  using Key = std::tuple<std::string, std::string, std::string>;
  void sweep_locked(Clock::time_point now);
  const Clock::duration idle_timeout_;
  mutable std::mutex mu_;
  std::map<Key, Slot> slots_;
  Clock::time_point last_sweep_{};
};

class LeaseTable {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LeaseTable(Clock::duration ttl) : ttl_(ttl) {}

  // Keeps `lease` until release(id) or for the time to live; returns its id.
  uint64_t hold(std::unique_ptr<storage::DataLease> lease);
  void release(uint64_t id);
  size_t size() const;
  // Releases expired leases (at most once a second, whoever calls).
  void sweep();

 private:
  struct Held {
    std::unique_ptr<storage::DataLease> lease;
    Clock::time_point expires;
  };
  void sweep_locked(Clock::time_point now);
  const Clock::duration ttl_;
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Held> held_;
  Clock::time_point last_sweep_{};
};

}  // namespace silo::cluster
