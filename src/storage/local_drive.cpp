#include "storage/local_drive.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include "common/log.h"
#include "storage/data_leases.h"
#include "storage/fs_util.h"
#include "storage/space.h"
#include "storage/usage.h"
#include "storage/versions.h"

namespace silo::storage {

namespace {

// RocksDB key spaces. Bucket names never contain NUL, so '\0' separates a
// bucket from the key that follows and keeps binary key order inside a bucket.
constexpr char kBucketSpace[] = "b/";
constexpr char kObjectSpace[] = "o/";
constexpr char kInlineSpace[] = "i/";
constexpr char kUploadSpace[] = "u/";
constexpr char kPartSpace[] = "p/";
constexpr char kIntentSpace[] = "t/";   // data dir being moved into place -> owner object key
constexpr char kGarbageSpace[] = "g/";  // data path to remove
// The version a commit or delete replaced, kept (whole record, inline data
// included) until the erasure set finishes or undoes the change.
constexpr char kReplacedSpace[] = "r/";
// r/ values of changes to keys that did not exist start with this byte
// (then a number unique to the change): taking such a change back removes
// the key. Version records never start with it (they start with a magic).
constexpr char kAbsentMarker = '+';
// r/ values of changes that kept the version they replaced as a noncurrent
// version (a versioned bucket) start with this byte, then that version's
// sort token: taking such a change back makes it current again.
constexpr char kArchivedMarker = '=';
// Noncurrent versions: "n/<bucket>\0<key>\0<sort token>" -> the whole record,
// inline data included (storage/versions.h orders the tokens newest first).
constexpr char kVersionSpace[] = "n/";

bool is_absent_marker(std::string_view v) { return !v.empty() && v[0] == kAbsentMarker; }
bool is_archived_marker(std::string_view v) { return !v.empty() && v[0] == kArchivedMarker; }
// A mark only: finishing the change it belongs to removes nothing.
bool is_mark(std::string_view v) { return is_absent_marker(v) || is_archived_marker(v); }

std::string bucket_key(std::string_view bucket) { return std::string(kBucketSpace).append(bucket); }
std::string object_prefix(std::string_view space, std::string_view bucket) {
  std::string k(space);
  k.append(bucket);
  k.push_back('\0');
  return k;
}
std::string object_key(std::string_view space, std::string_view bucket, std::string_view key) {
  return object_prefix(space, bucket).append(key);
}
std::string version_prefix(std::string_view bucket, std::string_view key) {
  std::string k = object_key(kVersionSpace, bucket, key);
  k.push_back('\0');
  return k;
}
std::string version_key(std::string_view bucket, std::string_view key, std::string_view token) {
  return version_prefix(bucket, key).append(token);
}
std::string upload_key(std::string_view bucket, std::string_view key, std::string_view id) {
  std::string k = object_key(kUploadSpace, bucket, key);
  k.push_back('\0');
  return k.append(id);
}
std::string part_prefix(std::string_view upload_id) {
  std::string k(kPartSpace);
  k.append(upload_id);
  k.push_back('\0');
  return k;
}
std::string part_key(std::string_view upload_id, uint32_t number) {
  std::string k = part_prefix(upload_id);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(number >> shift));
  return k;
}
std::string_view slice_view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

Error io_error(const rocksdb::Status& s) {
  // A full filesystem is a capacity error for this write, never a broken drive.
  bool full = s.IsNoSpace() || s.ToString().find("quota exceeded") != std::string::npos;
  return Error(full ? ErrorCode::kStorageFull : ErrorCode::kInternalError,
               "metadata store: " + s.ToString());
}

rocksdb::WriteOptions synced() {
  rocksdb::WriteOptions w;
  w.sync = true;
  return w;
}

// The error of a call on `where` whose deadline passed before `step`.
std::unexpected<Error> too_late(std::string_view where, std::string_view step) {
  return fail(ErrorCode::kDriveTimeout,
              std::string(where) + ": deadline passed before " + std::string(step));
}

// A deadline checked every few steps of a scan: reading the clock for every
// key would cost more than the key.
class ScanDeadline {
 public:
  explicit ScanDeadline(Deadline deadline) : deadline_(deadline) {}
  bool expired() { return (++steps_ % 64) == 0 && deadline_.expired(); }

 private:
  Deadline deadline_;
  uint32_t steps_ = 0;
};

class LocalShardWriter final : public ShardWriter {
 public:
  LocalShardWriter(int fd, std::string path, SpaceGuard& space)
      : fd_(fd), path_(std::move(path)), space_(space) {}
  ~LocalShardWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status write(Deadline deadline, std::span<const uint8_t> data) override {
    if (deadline.expired()) return too_late(path_, "write");
    if (auto s = space_.take(data.size()); !s) return s;
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(errno_error("write " + path_, errno));
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }
  Status close(Deadline deadline) override {
    if (fd_ < 0) return {};
    if (deadline.expired()) return too_late(path_, "fsync");
    int rc = ::fdatasync(fd_);
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (rc != 0) return fail(errno_error("fsync " + path_, err));
    return {};
  }

 private:
  int fd_;
  std::string path_;
  SpaceGuard& space_;
};

class LocalShardReader final : public ShardReader {
 public:
  LocalShardReader(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~LocalShardReader() override { ::close(fd_); }
  Result<size_t> read_at(Deadline deadline, uint64_t offset, std::span<uint8_t> out) override {
    if (deadline.expired()) return too_late(path_, "read");
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                          static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(ErrorCode::kInternalError, "read " + path_ + ": " + errno_text(errno));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }
  Result<size_t> read_at_cached(Deadline deadline, uint64_t offset,
                                std::span<uint8_t> out) override {
    if (deadline.expired()) return too_late(path_, "read");
    if (nowait_ == NoWait::kRefused) return fail(ErrorCode::kWouldBlock);
    if (nowait_ == NoWait::kInMemory) return read_at(deadline, offset, out);
    size_t done = 0;
    while (done < out.size()) {
      // RWF_NOWAIT: fail with EAGAIN instead of waiting for the device.
      iovec iov{out.data() + done, out.size() - done};
      ssize_t n = ::preadv2(fd_, &iov, 1, static_cast<off_t>(offset + done), RWF_NOWAIT);
      if (n < 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN) return fail(ErrorCode::kWouldBlock);
        if (err != EOPNOTSUPP) {
          return fail(ErrorCode::kInternalError, "read " + path_ + ": " + errno_text(err));
        }
        // tmpfs refuses the flag, but its files are memory anyway.
        struct statfs fs;
        bool tmpfs = ::fstatfs(fd_, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
        nowait_ = tmpfs ? NoWait::kInMemory : NoWait::kRefused;
        if (!tmpfs) return fail(ErrorCode::kWouldBlock);
        return read_at(deadline, offset, out);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }
  uint64_t size() const override { return size_; }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
  // Whether the file system takes RWF_NOWAIT, learnt at the first refusal.
  enum class NoWait { kTaken, kRefused, kInMemory } nowait_ = NoWait::kTaken;
};

// The deadline of a cursor, checked at every seek and every few steps; once
// it has passed the cursor ends and says why.
class CursorDeadline {
 public:
  CursorDeadline(Deadline deadline, std::string where)
      : deadline_(deadline), scan_(deadline), where_(std::move(where)) {}
  bool may_seek() {
    late_ = late_ || deadline_.expired();
    return !late_;
  }
  bool may_step() {
    late_ = late_ || scan_.expired();
    return !late_;
  }
  bool late() const { return late_; }
  Status status(const rocksdb::Iterator& it) const {
    if (late_) return too_late(where_, "the listing ended");
    if (!it.status().ok()) return std::unexpected(io_error(it.status()));
    return {};
  }

 private:
  Deadline deadline_;
  ScanDeadline scan_;
  std::string where_;
  bool late_ = false;
};

class LocalObjectCursor final : public ObjectCursor {
 public:
  LocalObjectCursor(rocksdb::DB* db, std::string prefix, Deadline deadline, std::string where)
      : db_(db), prefix_(std::move(prefix)), upper_(prefix_), clock_(deadline, std::move(where)) {
    upper_.back() = '\x01';  // prefix ends in '\0': the bound is the next byte
    upper_slice_ = rocksdb::Slice(upper_);
    snapshot_ = db_->GetSnapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db_->NewIterator(ro));
  }
  ~LocalObjectCursor() override {
    it_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }
  void seek(std::string_view key) override {
    if (clock_.may_seek()) it_->Seek(prefix_ + std::string(key));
  }
  bool valid() const override { return !clock_.late() && it_->Valid(); }
  void next() override {
    if (clock_.may_step()) it_->Next();
  }
  std::string_view key() const override { return slice_view(it_->key()).substr(prefix_.size()); }
  Result<ObjectRecord> record() const override { return decode_object(slice_view(it_->value())); }
  Status status() const override { return clock_.status(*it_); }

 private:
  rocksdb::DB* db_;
  std::string prefix_, upper_;
  rocksdb::Slice upper_slice_;
  const rocksdb::Snapshot* snapshot_;
  std::unique_ptr<rocksdb::Iterator> it_;
  CursorDeadline clock_;
};

// Merges the current records (o/) and the noncurrent versions (n/) of one
// bucket into one (key, sort token) order, both read from one snapshot.
class LocalVersionCursor final : public VersionCursor {
 public:
  LocalVersionCursor(rocksdb::DB* db, std::string_view bucket, Deadline deadline, std::string where)
      : db_(db),
        current_prefix_(object_prefix(kObjectSpace, bucket)),
        version_prefix_(object_prefix(kVersionSpace, bucket)),
        current_upper_(current_prefix_),
        version_upper_(version_prefix_),
        clock_(deadline, std::move(where)) {
    current_upper_.back() = '\x01';
    version_upper_.back() = '\x01';
    current_slice_ = rocksdb::Slice(current_upper_);
    version_slice_ = rocksdb::Slice(version_upper_);
    snapshot_ = db_->GetSnapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.iterate_upper_bound = &current_slice_;
    current_.reset(db_->NewIterator(ro));
    ro.iterate_upper_bound = &version_slice_;
    versions_.reset(db_->NewIterator(ro));
  }
  ~LocalVersionCursor() override {
    current_.reset();
    versions_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }
  void seek(std::string_view key, std::string_view token) override {
    if (!clock_.may_seek()) return;
    current_->Seek(current_prefix_ + std::string(key));
    load_current();
    while (current_->Valid() && current_key_ == key && current_token_ < token) {
      current_->Next();
      load_current();
    }
    std::string target = version_prefix_ + std::string(key);
    target.push_back('\0');
    target.append(token);
    versions_->Seek(target);
    load_version();
    choose();
  }
  bool valid() const override { return !clock_.late() && on_ != nullptr; }
  void next() override {
    if (!clock_.may_step() || !on_) return;
    if (on_ == current_.get()) {
      current_->Next();
      load_current();
    } else {
      versions_->Next();
      load_version();
    }
    choose();
  }
  std::string_view key() const override {
    return on_ == current_.get() ? std::string_view(current_key_) : version_key_;
  }
  std::string_view token() const override {
    return on_ == current_.get() ? std::string_view(current_token_) : version_token_;
  }
  bool current() const override { return on_ == current_.get(); }
  Result<ObjectRecord> record() const override {
    if (on_ == current_.get()) return current_record_;
    auto r = decode_object(slice_view(versions_->value()));
    if (r) r->inline_data.clear();
    return r;
  }
  Status status() const override {
    if (auto s = clock_.status(*current_); !s) return s;
    return clock_.status(*versions_);
  }

 private:
  void load_current() {
    current_key_.clear();
    current_token_.clear();
    if (!current_->Valid()) return;
    current_key_ = slice_view(current_->key()).substr(current_prefix_.size());
    current_record_ = decode_object(slice_view(current_->value()));
    if (current_record_) current_token_ = version_token(*current_record_);
  }
  void load_version() {
    version_key_ = {};
    version_token_ = {};
    if (!versions_->Valid()) return;
    std::string_view rest = slice_view(versions_->key()).substr(version_prefix_.size());
    if (rest.size() < kVersionTokenSize + 1) return;
    version_key_ = rest.substr(0, rest.size() - kVersionTokenSize - 1);
    version_token_ = rest.substr(rest.size() - kVersionTokenSize);
  }
  void choose() {
    bool c = current_->Valid(), v = versions_->Valid();
    if (!c && !v) {
      on_ = nullptr;
    } else if (c != v) {
      on_ = c ? current_.get() : versions_.get();
    } else {
      bool current_first = current_key_ != version_key_ ? current_key_ < version_key_
                                                         : current_token_ <= version_token_;
      on_ = current_first ? current_.get() : versions_.get();
    }
  }

  rocksdb::DB* db_;
  std::string current_prefix_, version_prefix_, current_upper_, version_upper_;
  rocksdb::Slice current_slice_, version_slice_;
  const rocksdb::Snapshot* snapshot_;
  std::unique_ptr<rocksdb::Iterator> current_, versions_;
  rocksdb::Iterator* on_ = nullptr;
  std::string current_key_, current_token_;
  Result<ObjectRecord> current_record_;
  std::string_view version_key_, version_token_;  // into versions_'s key
  CursorDeadline clock_;
};

class LocalUploadCursor final : public UploadCursor {
 public:
  LocalUploadCursor(rocksdb::DB* db, std::string prefix, Deadline deadline, std::string where)
      : prefix_(std::move(prefix)), upper_(prefix_), clock_(deadline, std::move(where)) {
    upper_.back() = '\x01';
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro));
  }
  void seek(std::string_view key, std::string_view upload_id) override {
    if (!clock_.may_seek()) return;
    std::string k = prefix_ + std::string(key);
    if (!upload_id.empty()) {
      k.push_back('\0');
      k.append(upload_id);
    }
    it_->Seek(k);
  }
  bool valid() const override { return !clock_.late() && it_->Valid(); }
  void next() override {
    if (clock_.may_step()) it_->Next();
  }
  Result<UploadRecord> record() const override { return decode_upload(slice_view(it_->value())); }
  Status status() const override { return clock_.status(*it_); }

 private:
  std::string prefix_, upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  CursorDeadline clock_;
};

bool valid_component(std::string_view s) {
  // Staged ids, data uuids and shard names are generated by Silo; refuse anything
  // that could step outside the drive.
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

LocalDrive::LocalDrive(std::string root, std::unique_ptr<rocksdb::DB> db,
                       std::unique_ptr<SpaceGuard> space)
    : root_(std::move(root)),
      db_(std::move(db)),
      leases_(DataLeases::create([this](const std::string& key) { remove_garbage(key); })),
      marker_seq_(static_cast<uint64_t>(
          std::chrono::system_clock::now().time_since_epoch().count())),
      space_(std::move(space)) {}

LocalDrive::~LocalDrive() {
  // Removals still waiting for a lease keep their garbage records: the next
  // open collects them.
  leases_->detach();
  {
    std::lock_guard lock(marker_mu_);
    marker_stop_ = true;
  }
  marker_wake_.notify_all();
  if (marker_thread_.joinable()) marker_thread_.join();
  if (db_) {
    db_->FlushWAL(true);
    db_->Close();
  }
}

Result<std::unique_ptr<LocalDrive>> LocalDrive::open(const std::string& root_in,
                                                     const LocalDriveOptions& options) {
  std::error_code ec;
  std::string root = std::filesystem::absolute(root_in, ec).lexically_normal().string();
  if (root.size() > 1 && root.back() == '/') root.pop_back();
  if (auto s = make_dirs_durable(root + "/.silo/tmp"); !s) return std::unexpected(s.error());
  if (auto s = make_dirs_durable(root + "/data"); !s) return std::unexpected(s.error());

  auto space = std::make_unique<SpaceGuard>(root, options.min_free);
  const MetadataSizing& size = space->sizing();
  rocksdb::Options opts;
  opts.create_if_missing = true;
  // Sized by the filesystem (storage/space.h), so that the reserve always
  // holds a flush of both memtables and the largest compaction.
  opts.write_buffer_size = size.write_buffer;
  opts.max_write_buffer_number = 2;
  opts.target_file_size_base = size.target_file_bytes;
  opts.max_bytes_for_level_base = size.level1_bytes;
  opts.max_compaction_bytes = size.max_compaction_bytes;
  opts.manifest_preallocation_size = std::min<size_t>(size.write_buffer, 4 << 20);
  opts.max_log_file_size = std::min<size_t>(size.write_buffer, 1 << 20);
  // What the log replays stays in the memtable: opening needs no room for a
  // flush, so a drive at (or past) its reserve opens and serves reads.
  opts.avoid_flush_during_recovery = true;
  // Deletes free inline data only when compactions drop it: files dense in
  // deletes are compacted without waiting for their level to fill.
  opts.table_properties_collector_factories.push_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(128, 32, 0.5));
  opts.merge_operator = usage_merge_operator();
  opts.max_successive_merges = 64;
  opts.max_background_jobs = 2;
  opts.max_open_files = 512;
  opts.keep_log_file_num = 2;
  // Every write is a small synced batch. Measured on 4 KiB PUTs: the plain
  // write group (one leader writes WAL and memtable for all) costs less CPU
  // than pipelined or parallel memtable writes, which wake every follower.
  opts.enable_pipelined_write = false;
  opts.allow_concurrent_memtable_write = false;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // A PUT of a new key first looks up the record it replaces; without a
  // filter that miss reads index and data blocks of every table.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Opening writes a new log and MANIFEST: on a filesystem filled from
  // outside, the ballast makes that room.
  if (space->info().free < size.ballast) space->release_ballast();
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(opts, root + "/.silo/meta", &raw);
  if (st.IsNoSpace() && space->release_ballast()) {
    st = rocksdb::DB::Open(opts, root + "/.silo/meta", &raw);
  }
  if (!st.ok()) {
    Error e = io_error(st);
    e.message = "cannot open metadata of " + root + ": " + st.ToString();
    return fail(std::move(e));
  }
  std::unique_ptr<LocalDrive> drive(
      new LocalDrive(root, std::unique_ptr<rocksdb::DB>(raw), std::move(space)));
  if (auto s = init_usage(*drive->db_); !s) return std::unexpected(s.error());
  if (auto s = drive->recover(); !s) return std::unexpected(s.error());
  return drive;
}

std::string LocalDrive::data_dir(std::string_view uuid) const {
  std::string p = root_ + "/data/";
  p.append(uuid.substr(0, 2)).push_back('/');
  p.append(uuid.substr(2, 2)).push_back('/');
  return p.append(uuid);
}

std::string LocalDrive::staged_dir(std::string_view staged_id) const {
  return root_ + "/.silo/tmp/" + std::string(staged_id);
}

Status LocalDrive::recover() {
  // Staged writes never survive a restart.
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(root_ + "/.silo/tmp", ec)) {
    remove_tree(entry.path().string());
  }
  // Data moved into place whose commit never happened.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  std::vector<std::string> intents;
  for (it->Seek(kIntentSpace); it->Valid() && it->key().starts_with(kIntentSpace); it->Next()) {
    intents.emplace_back(it->key().ToString());
  }
  for (const auto& intent : intents) {
    std::string owner;
    db_->Get(rocksdb::ReadOptions(), intent, &owner);
    std::string uuid = intent.substr(2);
    bool referenced = false;
    std::string value;
    if (db_->Get(rocksdb::ReadOptions(), owner, &value).ok()) {
      if (owner.starts_with(kObjectSpace)) {
        auto rec = decode_object(value);
        referenced = rec && rec->data_uuid == uuid;
      } else {
        auto up = decode_upload(value);
        referenced = up && up->data_uuid == uuid;
      }
    }
    if (!referenced) remove_tree(data_dir(uuid));
    db_->Delete(synced(), intent);
  }
  std::vector<std::string> garbage;
  for (it->Seek(kGarbageSpace); it->Valid() && it->key().starts_with(kGarbageSpace); it->Next()) {
    garbage.emplace_back(it->key().ToString());
  }
  it.reset();
  collect_garbage(garbage);
  return {};
}

namespace {

// The data uuid a garbage record ("g/<uuid>[/<file>]") names.
std::string_view garbage_uuid(std::string_view key) {
  std::string_view rel = key.substr(2);
  return rel.substr(0, rel.find('/'));
}

}  // namespace

void LocalDrive::collect_garbage(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    std::string_view uuid = garbage_uuid(k);
    if (!leases_->begin_removal(uuid, k)) continue;  // runs when the last lease goes
    remove_garbage(k);
    leases_->end_removal(uuid);
  }
}

void LocalDrive::remove_garbage(const std::string& key) {
  std::string_view rel = std::string_view(key).substr(2);
  size_t slash = rel.find('/');
  std::string uuid(rel.substr(0, slash));
  if (valid_component(uuid)) {
    std::string path = data_dir(uuid);
    if (slash != std::string_view::npos) path.append(rel.substr(slash));
    remove_tree(path);
  }
  // Not synced: losing this only means the removal is retried at the next start.
  db_->Delete(rocksdb::WriteOptions(), key);
}

// ---- Buckets

Status LocalDrive::make_bucket(Deadline deadline, const BucketRecord& bucket) {
  if (deadline.expired()) return too_late(root_, "make_bucket");
  std::string k = bucket_key(bucket.name);
  std::string v;
  if (db_->Get(rocksdb::ReadOptions(), k, &v).ok()) {
    return fail(ErrorCode::kBucketAlreadyOwnedByYou);
  }
  auto st = db_->Put(synced(), k, encode(bucket));
  if (!st.ok()) return std::unexpected(io_error(st));
  return {};
}

Result<BucketRecord> LocalDrive::stat_bucket(Deadline deadline, std::string_view bucket) {
  if (deadline.expired()) return too_late(root_, "stat_bucket");
  std::string v;
  auto st = db_->Get(rocksdb::ReadOptions(), bucket_key(bucket), &v);
  if (st.IsNotFound()) return fail(ErrorCode::kNoSuchBucket);
  if (!st.ok()) return std::unexpected(io_error(st));
  return decode_bucket(v);
}

Result<BucketRecord> LocalDrive::stat_bucket_cached(Deadline deadline, std::string_view bucket) {
  if (deadline.expired()) return too_late(root_, "stat_bucket");
  rocksdb::ReadOptions ro;
  ro.read_tier = rocksdb::kBlockCacheTier;
  std::string v;
  auto st = db_->Get(ro, bucket_key(bucket), &v);
  // OK without a value: the key may be in a table not open yet.
  if (st.IsIncomplete() || (st.ok() && v.empty())) return fail(ErrorCode::kWouldBlock);
  if (st.IsNotFound()) return fail(ErrorCode::kNoSuchBucket);  // bloom filter and memtable said so
  if (!st.ok()) return std::unexpected(io_error(st));
  return decode_bucket(v);
}

Result<std::vector<BucketRecord>> LocalDrive::list_buckets(Deadline deadline) {
  if (deadline.expired()) return too_late(root_, "list_buckets");
  ScanDeadline scan(deadline);
  std::vector<BucketRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kBucketSpace); it->Valid() && it->key().starts_with(kBucketSpace); it->Next()) {
    if (scan.expired()) return too_late(root_, "the bucket list ended");
    auto rec = decode_bucket(slice_view(it->value()));
    if (!rec) return std::unexpected(rec.error());
    out.push_back(std::move(*rec));
  }
  if (!it->status().ok()) return std::unexpected(io_error(it->status()));
  return out;
}

Status LocalDrive::delete_bucket(Deadline deadline, std::string_view bucket) {
  if (auto b = stat_bucket(deadline, bucket); !b) return std::unexpected(b.error());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (const char* space : {kObjectSpace, kVersionSpace, kUploadSpace}) {
    std::string prefix = object_prefix(space, bucket);
    it->Seek(prefix);
    if (it->Valid() && it->key().starts_with(prefix)) return fail(ErrorCode::kBucketNotEmpty);
  }
  rocksdb::WriteBatch batch;
  batch.Delete(bucket_key(bucket));
  batch.Delete(usage_key(bucket));
  return write(batch, true);
}

Status LocalDrive::update_bucket(Deadline deadline, const BucketRecord& bucket) {
  if (auto b = stat_bucket(deadline, bucket.name); !b) return std::unexpected(b.error());
  auto st = db_->Put(synced(), bucket_key(bucket.name), encode(bucket));
  if (!st.ok()) return std::unexpected(io_error(st));
  return {};
}

Result<BucketUsage> LocalDrive::bucket_usage(Deadline deadline, std::string_view bucket) {
  if (deadline.expired()) return too_late(root_, "bucket_usage");
  return read_usage(*db_, bucket);
}

// ---- Objects

namespace {

// Reads the record and its inline data from one snapshot when `with_data`:
// two separate reads could pair one version's record with the inline data
// of the version committed in between (shards of two versions decoded
// together: a torn body).
class RecordRead {
 public:
  RecordRead(rocksdb::DB* db, bool with_data, rocksdb::ReadTier tier)
      : db_(db), snapshot_(with_data ? db->GetSnapshot() : nullptr) {
    options_.read_tier = tier;
    options_.snapshot = snapshot_;
  }
  ~RecordRead() {
    if (snapshot_) db_->ReleaseSnapshot(snapshot_);
  }
  RecordRead(const RecordRead&) = delete;
  RecordRead& operator=(const RecordRead&) = delete;
  const rocksdb::ReadOptions& options() const { return options_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

}  // namespace

Result<ObjectRecord> LocalDrive::read_object(Deadline deadline, std::string_view bucket,
                                             std::string_view key, bool with_data) {
  if (deadline.expired()) return too_late(root_, "read_object");
  RecordRead read(db_.get(), with_data, rocksdb::kReadAllTier);
  std::string v;
  auto st = db_->Get(read.options(), object_key(kObjectSpace, bucket, key), &v);
  if (st.IsNotFound()) {
    if (auto b = stat_bucket(deadline, bucket); !b) return std::unexpected(b.error());
    return fail(ErrorCode::kNoSuchKey);
  }
  if (!st.ok()) return std::unexpected(io_error(st));
  auto rec = decode_object(v);
  if (rec && with_data && rec->inlined) {
    st = db_->Get(read.options(), object_key(kInlineSpace, bucket, key), &rec->inline_data);
    if (!st.ok()) return fail(ErrorCode::kInternalError, "inline data missing for " + std::string(key));
  }
  return rec;
}

Result<ObjectRecord> LocalDrive::read_object_cached(Deadline deadline, std::string_view bucket,
                                                    std::string_view key, bool with_data) {
  if (deadline.expired()) return too_late(root_, "read_object");
  // kBlockCacheTier: Incomplete rather than a disk read.
  RecordRead read(db_.get(), with_data, rocksdb::kBlockCacheTier);
  std::string v;
  auto st = db_->Get(read.options(), object_key(kObjectSpace, bucket, key), &v);
  // OK without a value: the key may be in a table not open yet.
  if (st.IsIncomplete() || st.IsNotFound() || (st.ok() && v.empty())) {
    return fail(ErrorCode::kWouldBlock);
  }
  if (!st.ok()) return std::unexpected(io_error(st));
  auto rec = decode_object(v);
  if (rec && with_data && rec->inlined) {
    st = db_->Get(read.options(), object_key(kInlineSpace, bucket, key), &rec->inline_data);
    // A memory-only Get answers OK without a value when the table that may
    // hold the key is not open yet (RocksDB's "key may exist"); only an
    // empty object has empty inline data.
    if (!st.ok() || (rec->inline_data.empty() && rec->size > 0)) {
      return fail(ErrorCode::kWouldBlock);
    }
  }
  return rec;
}

Status LocalDrive::move_staged_into(std::string_view staged_id, std::string_view data_uuid) {
  if (!valid_component(staged_id) || !valid_component(data_uuid)) {
    return fail(ErrorCode::kInternalError, "invalid staged id or data uuid");
  }
  std::string from = staged_dir(staged_id);
  std::string to = data_dir(data_uuid);
  if (auto s = fsync_path(from); !s) return s;
  if (auto s = make_dirs_durable(parent_dir(to)); !s) return s;
  // Healing rewrites a data folder in place: the rebuilt copy replaces it whole.
  remove_tree(to);
  if (::rename(from.c_str(), to.c_str()) != 0) return fail(errno_error("rename " + from, errno));
  return fsync_path(parent_dir(to));
}

Status LocalDrive::replace_current(rocksdb::WriteBatch& batch, std::string_view bucket,
                                   std::string_view key, const ObjectRecord* incoming,
                                   Replaced replaced, std::vector<std::string>& garbage) {
  bool is_delete = incoming == nullptr;
  std::string_view new_data_uuid = incoming ? std::string_view(incoming->data_uuid) : "";
  std::string okey = object_key(kObjectSpace, bucket, key);
  std::string rkey = object_key(kReplacedSpace, bucket, key);
  // An older version still set aside (a change a crash left undecided) is
  // superseded by what this change replaces; its data goes, unless it is
  // `keep_uuid` (set aside again) or the new version's.
  auto supersede_older = [&](std::string_view keep_uuid) {
    std::string older;
    if (!db_->Get(rocksdb::ReadOptions(), rkey, &older).ok()) return;
    auto o = decode_object(older);
    if (o && !o->data_uuid.empty() && o->data_uuid != keep_uuid &&
        o->data_uuid != new_data_uuid) {
      garbage.push_back(std::string(kGarbageSpace) + o->data_uuid);
      batch.Put(garbage.back(), "");
    }
  };
  std::string old;
  auto st = db_->Get(rocksdb::ReadOptions(), okey, &old);
  if (st.IsNotFound()) {
    // A new key: with kKeep the change still leaves a mark (kAbsentMarker),
    // so a crash before the set settles it is found at the next start, like
    // any other undecided change, and taken back if too few drives got it.
    if (replaced == Replaced::kKeep && !is_delete) {
      supersede_older({});
      batch.Put(rkey, kAbsentMarker + std::to_string(marker_seq_.fetch_add(1)));
    }
    return {};
  }
  if (!st.ok()) return std::unexpected(io_error(st));
  auto prev = decode_object(old);
  if (!prev) return {};  // a corrupt record is not worth keeping
  if (incoming && (!incoming->version_id.empty() || !prev->version_id.empty())) {
    // A versioned bucket: the replaced version stays, as a noncurrent one
    // (still counted in the usage); a new null version replaces the old
    // null version wherever it is.
    if (prev->inlined) {
      st = db_->Get(rocksdb::ReadOptions(), object_key(kInlineSpace, bucket, key),
                    &prev->inline_data);
      if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
    }
    if (incoming->version_id.empty()) {
      if (auto s = drop_null_version(batch, bucket, key, garbage); !s) return s;
    }
    std::string token = version_token(*prev);
    batch.Put(version_key(bucket, key, token), encode(*prev));
    if (replaced == Replaced::kKeep) {
      supersede_older({});
      batch.Put(rkey, kArchivedMarker + token);
    }
    return {};
  }
  add_usage(batch, bucket, {-1, -prev->size});
  if (replaced == Replaced::kKeep) {
    supersede_older(prev->data_uuid);
    if (prev->inlined) {
      st = db_->Get(rocksdb::ReadOptions(), object_key(kInlineSpace, bucket, key),
                    &prev->inline_data);
      if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
    }
    batch.Put(rkey, encode(*prev));
    return {};
  }
  if (!prev->data_uuid.empty() && prev->data_uuid != new_data_uuid) {
    garbage.push_back(std::string(kGarbageSpace) + prev->data_uuid);
    batch.Put(garbage.back(), "");
  }
  return {};
}

Status LocalDrive::commit_object(Deadline deadline, std::string_view bucket, std::string_view key,
                                 const ObjectRecord& record, std::string_view staged_id,
                                 Replaced replaced) {
  if (auto b = stat_bucket(deadline, bucket); !b) return std::unexpected(b.error());
  // Shard files claimed their room as they were written; inline data now.
  if (record.inlined) {
    if (auto s = space_->take(record.inline_data.size()); !s) return s;
  }
  std::string okey = object_key(kObjectSpace, bucket, key);
  std::string intent;
  if (!staged_id.empty()) {
    intent = std::string(kIntentSpace) + record.data_uuid;
    auto st = db_->Put(synced(), intent, okey);
    if (!st.ok()) return std::unexpected(io_error(st));
    // The last moment to stop: once the data is moved, finishing costs less
    // than moving it back.
    if (deadline.expired()) {
      db_->Delete(rocksdb::WriteOptions(), intent);
      return too_late(root_, "moving the staged data into place");
    }
    if (auto s = move_staged_into(staged_id, record.data_uuid); !s) {
      db_->Delete(rocksdb::WriteOptions(), intent);
      return s;
    }
  }
  auto replacing = lock_replaced(object_key(kReplacedSpace, bucket, key));
  rocksdb::WriteBatch batch;
  std::vector<std::string> garbage;
  if (auto s = replace_current(batch, bucket, key, &record, replaced, garbage); !s) {
    return s;
  }
  ObjectRecord meta_only = record;
  std::string ikey = object_key(kInlineSpace, bucket, key);
  if (record.inlined) {
    batch.Put(ikey, record.inline_data);
    meta_only.inline_data.clear();
  } else {
    batch.Delete(ikey);
  }
  batch.Put(okey, encode(meta_only));
  add_usage(batch, bucket, {1, record.size});
  if (!intent.empty()) batch.Delete(intent);
  if (auto s = write(batch, true); !s) return s;
  collect_garbage(garbage);
  return {};
}

Status LocalDrive::delete_object(Deadline deadline, std::string_view bucket, std::string_view key,
                                 Replaced replaced) {
  if (deadline.expired()) return too_late(root_, "delete_object");
  std::string okey = object_key(kObjectSpace, bucket, key);
  std::string old;
  auto st = db_->Get(rocksdb::ReadOptions(), okey, &old);
  if (st.IsNotFound()) {
    if (auto b = stat_bucket(deadline, bucket); !b) return std::unexpected(b.error());
    return fail(ErrorCode::kNoSuchKey);
  }
  if (!st.ok()) return std::unexpected(io_error(st));
  auto replacing = lock_replaced(object_key(kReplacedSpace, bucket, key));
  rocksdb::WriteBatch batch;
  std::vector<std::string> garbage;
  if (auto s = replace_current(batch, bucket, key, nullptr, replaced, garbage); !s) {
    return s;
  }
  batch.Delete(okey);
  batch.Delete(object_key(kInlineSpace, bucket, key));
  if (auto s = write(batch, true); !s) return s;
  collect_garbage(garbage);
  space_->freed();
  return {};
}

Status LocalDrive::finish_replace(Deadline deadline, std::string_view bucket,
                                  std::string_view key) {
  if (deadline.expired()) return too_late(root_, "finish_replace");
  std::string rkey = object_key(kReplacedSpace, bucket, key);
  std::string kept;
  auto st = db_->Get(rocksdb::ReadOptions(), rkey, &kept);
  if (st.IsNotFound()) return {};
  if (!st.ok()) return std::unexpected(io_error(st));
  if (is_mark(kept)) {
    // Nothing to remove, only the mark: dropped in the background, since a
    // write here would queue behind other commits' fsyncs on this thread
    // (a third off small PUTs on 4 drives). A crash first leaves the mark,
    // which the next start finds standing and drops.
    drop_marker_later(std::move(rkey), std::move(kept));
    return {};
  }
  rocksdb::WriteBatch batch;
  std::vector<std::string> garbage;
  auto prev = decode_object(kept);
  std::string current_uuid;
  std::string cur;
  if (db_->Get(rocksdb::ReadOptions(), object_key(kObjectSpace, bucket, key), &cur).ok()) {
    if (auto c = decode_object(cur)) current_uuid = c->data_uuid;
  }
  if (prev && !prev->data_uuid.empty() && prev->data_uuid != current_uuid) {
    garbage.push_back(std::string(kGarbageSpace) + prev->data_uuid);
    batch.Put(garbage.back(), "");
  }
  batch.Delete(rkey);
  // Not synced: if this is lost, the change is found undecided at the next
  // start and finished again.
  if (auto s = write(batch, false); !s) return s;
  collect_garbage(garbage);
  return {};
}

Status LocalDrive::finish_change(Deadline deadline, std::string_view bucket, std::string_view key,
                                 const ChangeId& change) {
  if (deadline.expired()) return too_late(root_, "finish_change");
  // Under the key's r/ lock, which a commit or delete holds until its batch
  // is written: no change can slip in between the check and the finish.
  auto replacing = lock_replaced(object_key(kReplacedSpace, bucket, key));
  std::string cur;
  auto st = db_->Get(rocksdb::ReadOptions(), object_key(kObjectSpace, bucket, key), &cur);
  if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
  bool current = false;
  if (st.IsNotFound()) {
    current = change.deleted;
  } else if (auto c = decode_object(cur); c && !change.deleted) {
    current = c->mod_time_ns == change.mod_time_ns && c->data_uuid == change.data_uuid;
  }
  if (!current) return {};  // superseded: the later change is settled on its own
  return finish_replace(deadline, bucket, key);
}

Status LocalDrive::update_meta(Deadline deadline, std::string_view bucket, std::string_view key,
                               const ChangeId& version, const KeyValues& meta) {
  if (deadline.expired()) return too_late(root_, "update_meta");
  std::string okey = object_key(kObjectSpace, bucket, key);
  // Under the key's r/ lock, as finish_change: a commit cannot land between
  // the check of the version and the write of its new metadata.
  auto replacing = lock_replaced(object_key(kReplacedSpace, bucket, key));
  std::string cur;
  auto st = db_->Get(rocksdb::ReadOptions(), okey, &cur);
  if (st.IsNotFound()) {
    if (auto b = stat_bucket(deadline, bucket); !b) return std::unexpected(b.error());
    return fail(ErrorCode::kNoSuchKey);
  }
  if (!st.ok()) return std::unexpected(io_error(st));
  auto record = decode_object(cur);
  if (!record) return std::unexpected(record.error());
  if (version.deleted) return fail(ErrorCode::kNoSuchKey, "the version was replaced");
  if (record->mod_time_ns != version.mod_time_ns || record->data_uuid != version.data_uuid) {
    // A noncurrent version (its whole record, inline data included, is the value).
    std::string prefix = version_prefix(bucket, key);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      auto old = decode_object(slice_view(it->value()));
      if (!old || old->mod_time_ns != version.mod_time_ns || old->data_uuid != version.data_uuid) {
        continue;
      }
      old->meta = meta;
      st = db_->Put(synced(), it->key(), encode(*old));
      if (!st.ok()) return std::unexpected(io_error(st));
      return {};
    }
    if (!it->status().ok()) return std::unexpected(io_error(it->status()));
    return fail(ErrorCode::kNoSuchKey, "the version was replaced");
  }
  record->meta = meta;
  st = db_->Put(synced(), okey, encode(*record));
  if (!st.ok()) return std::unexpected(io_error(st));
  return {};
}

Status LocalDrive::undo_replace(Deadline deadline, std::string_view bucket, std::string_view key,
                                const ObjectRecord* committed) {
  if (deadline.expired()) return too_late(root_, "undo_replace");
  std::string okey = object_key(kObjectSpace, bucket, key);
  std::string ikey = object_key(kInlineSpace, bucket, key);
  std::string rkey = object_key(kReplacedSpace, bucket, key);
  std::optional<ObjectRecord> current;
  std::string cur;
  auto st = db_->Get(rocksdb::ReadOptions(), okey, &cur);
  if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
  if (st.ok()) {
    if (auto c = decode_object(cur)) current = std::move(*c);
  }
  std::string kept;
  st = db_->Get(rocksdb::ReadOptions(), rkey, &kept);
  if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
  rocksdb::WriteBatch batch;
  std::vector<std::string> garbage;
  std::string restored_uuid;
  bool matches_committed = !committed || (current && current->data_uuid == committed->data_uuid &&
                                           current->mod_time_ns == committed->mod_time_ns);
  if (st.ok() && is_absent_marker(kept)) {
    // The key was new: taking the change back removes it (when it is still
    // the version that change committed).
    if (!matches_committed) return {};
    batch.Delete(okey);
    batch.Delete(ikey);
    batch.Delete(rkey);
  } else if (st.ok() && is_archived_marker(kept)) {
    // The replaced version was kept as a noncurrent one: it is current again
    // (unless it was deleted since; then the key goes back to its next one).
    if (!matches_committed) return {};
    std::string vkey = version_key(bucket, key, std::string_view(kept).substr(1));
    std::string value;
    st = db_->Get(rocksdb::ReadOptions(), vkey, &value);
    if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
    batch.Delete(rkey);
    if (st.ok()) {
      auto prev = decode_object(value);
      if (!prev) return fail(ErrorCode::kInternalError, "corrupt noncurrent record");
      restored_uuid = prev->data_uuid;
      put_current(batch, bucket, key, std::move(*prev));
      batch.Delete(vkey);
    } else {
      batch.Delete(okey);
      batch.Delete(ikey);
      if (auto s = promote_newest(batch, bucket, key, {}); !s) return s;
    }
  } else if (st.ok()) {
    auto prev = decode_object(kept);
    if (!prev) return fail(ErrorCode::kInternalError, "corrupt replaced record");
    restored_uuid = prev->data_uuid;
    add_usage(batch, bucket, {1, prev->size});
    put_current(batch, bucket, key, std::move(*prev));
    batch.Delete(rkey);
  } else if (committed && matches_committed) {
    // The key was new (a change made before new keys left a mark): taking
    // it back removes it.
    batch.Delete(okey);
    batch.Delete(ikey);
  } else {
    return {};
  }
  if (current) add_usage(batch, bucket, {-1, -current->size});
  if (current && !current->data_uuid.empty() && current->data_uuid != restored_uuid) {
    garbage.push_back(std::string(kGarbageSpace) + current->data_uuid);
    batch.Put(garbage.back(), "");
  }
  if (auto s = write(batch, true); !s) return s;
  collect_garbage(garbage);
  return {};
}

std::unique_lock<std::mutex> LocalDrive::lock_replaced(std::string_view rkey) {
  return std::unique_lock(replaced_mu_[std::hash<std::string_view>{}(rkey) % replaced_mu_.size()]);
}

void LocalDrive::drop_marker_later(std::string rkey, std::string marker) {
  std::lock_guard lock(marker_mu_);
  markers_.emplace_back(std::move(rkey), std::move(marker));
  if (!marker_thread_.joinable()) marker_thread_ = std::thread([this] { drop_markers(); });
  marker_wake_.notify_one();
}

void LocalDrive::drop_markers() {
  std::unique_lock lock(marker_mu_);
  while (true) {
    marker_wake_.wait(lock, [&] { return marker_stop_ || !markers_.empty(); });
    std::vector<std::pair<std::string, std::string>> batch_of;
    batch_of.swap(markers_);
    bool stop = marker_stop_;
    lock.unlock();
    // Only a mark that is still the same one goes: a later change to the
    // key wrote another mark or the version it set aside, and that must
    // stay (checked and deleted under the key's r/ lock, which such a
    // change holds until its batch is written).
    for (const auto& [rkey, marker] : batch_of) {
      auto replacing = lock_replaced(rkey);
      std::string now;
      if (db_->Get(rocksdb::ReadOptions(), rkey, &now).ok() && now == marker) {
        rocksdb::WriteBatch batch;
        batch.Delete(rkey);
        (void)write(batch, /*sync=*/false);
      }
    }
    lock.lock();
    if (stop && markers_.empty()) return;
  }
}

Result<std::vector<std::pair<std::string, std::string>>> LocalDrive::pending_replaces(
    Deadline deadline) {
  if (deadline.expired()) return too_late(root_, "pending_replaces");
  ScanDeadline scan(deadline);
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kReplacedSpace); it->Valid() && it->key().starts_with(kReplacedSpace);
       it->Next()) {
    if (scan.expired()) return too_late(root_, "the pending changes were listed");
    std::string_view rest = slice_view(it->key()).substr(2);
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) continue;
    out.emplace_back(std::string(rest.substr(0, nul)), std::string(rest.substr(nul + 1)));
  }
  if (!it->status().ok()) return std::unexpected(io_error(it->status()));
  return out;
}

Result<std::unique_ptr<ObjectCursor>> LocalDrive::scan_objects(Deadline deadline,
                                                               std::string_view bucket) {
  if (deadline.expired()) return too_late(root_, "scan_objects");
  return std::make_unique<LocalObjectCursor>(db_.get(), object_prefix(kObjectSpace, bucket),
                                             deadline, root_);
}

// ---- Versions

void LocalDrive::put_current(rocksdb::WriteBatch& batch, std::string_view bucket,
                             std::string_view key, ObjectRecord record) {
  std::string ikey = object_key(kInlineSpace, bucket, key);
  if (record.inlined) {
    batch.Put(ikey, record.inline_data);
    record.inline_data.clear();
  } else {
    batch.Delete(ikey);
  }
  batch.Put(object_key(kObjectSpace, bucket, key), encode(record));
}

Status LocalDrive::promote_newest(rocksdb::WriteBatch& batch, std::string_view bucket,
                                  std::string_view key, std::string_view skip_token) {
  std::string prefix = version_prefix(bucket, key);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (slice_view(it->key()).substr(prefix.size()) == skip_token) continue;
    auto rec = decode_object(slice_view(it->value()));
    if (!rec) return std::unexpected(rec.error());
    batch.Delete(it->key());
    put_current(batch, bucket, key, std::move(*rec));
    return {};
  }
  if (!it->status().ok()) return std::unexpected(io_error(it->status()));
  return {};
}

Result<std::optional<std::string>> LocalDrive::find_version(std::string_view bucket,
                                                            std::string_view key,
                                                            std::string_view version_id) {
  if (!version_id.empty()) {
    std::string token = token_of_id(version_id);
    if (token.empty()) return std::optional<std::string>();
    std::string vkey = version_key(bucket, key, token);
    std::string v;
    auto st = db_->Get(rocksdb::ReadOptions(), vkey, &v);
    if (st.IsNotFound()) return std::optional<std::string>();
    if (!st.ok()) return std::unexpected(io_error(st));
    return std::optional<std::string>(std::move(vkey));
  }
  // The null version's token holds its time: look through the key's versions.
  std::string prefix = version_prefix(bucket, key);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (is_null_token(slice_view(it->key()).substr(prefix.size()))) {
      return std::optional<std::string>(it->key().ToString());
    }
  }
  if (!it->status().ok()) return std::unexpected(io_error(it->status()));
  return std::optional<std::string>();
}

Status LocalDrive::drop_null_version(rocksdb::WriteBatch& batch, std::string_view bucket,
                                     std::string_view key, std::vector<std::string>& garbage) {
  auto found = find_version(bucket, key, "");
  if (!found) return std::unexpected(found.error());
  if (!*found) return {};
  std::string v;
  auto st = db_->Get(rocksdb::ReadOptions(), **found, &v);
  if (!st.ok()) return std::unexpected(io_error(st));
  if (auto rec = decode_object(v)) {
    add_usage(batch, bucket, {-1, -rec->size});
    if (!rec->data_uuid.empty()) {
      garbage.push_back(std::string(kGarbageSpace) + rec->data_uuid);
      batch.Put(garbage.back(), "");
    }
  }
  batch.Delete(**found);
  return {};
}

Result<ObjectRecord> LocalDrive::read_version(Deadline deadline, std::string_view bucket,
                                              std::string_view key, std::string_view version_id,
                                              bool with_data) {
  if (deadline.expired()) return too_late(root_, "read_version");
  auto current = read_object(deadline, bucket, key, with_data);
  if (current && current->version_id == version_id) return current;
  if (!current && current.error().code != ErrorCode::kNoSuchKey) return current;
  auto found = find_version(bucket, key, version_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail(ErrorCode::kNoSuchKey);
  std::string v;
  auto st = db_->Get(rocksdb::ReadOptions(), **found, &v);
  if (st.IsNotFound()) return fail(ErrorCode::kNoSuchKey);
  if (!st.ok()) return std::unexpected(io_error(st));
  auto rec = decode_object(v);
  if (rec && !with_data) rec->inline_data.clear();
  return rec;
}

Status LocalDrive::delete_version(Deadline deadline, std::string_view bucket, std::string_view key,
                                  std::string_view version_id) {
  if (deadline.expired()) return too_late(root_, "delete_version");
  if (auto b = stat_bucket(deadline, bucket); !b) return std::unexpected(b.error());
  auto replacing = lock_replaced(object_key(kReplacedSpace, bucket, key));
  std::string okey = object_key(kObjectSpace, bucket, key);
  std::string cur;
  auto st = db_->Get(rocksdb::ReadOptions(), okey, &cur);
  if (!st.ok() && !st.IsNotFound()) return std::unexpected(io_error(st));
  std::optional<ObjectRecord> current;
  if (st.ok()) {
    if (auto c = decode_object(cur)) current = std::move(*c);
  }
  rocksdb::WriteBatch batch;
  std::vector<std::string> garbage;
  std::optional<ObjectRecord> gone;
  if (current && current->version_id == version_id) {
    batch.Delete(okey);
    batch.Delete(object_key(kInlineSpace, bucket, key));
    if (auto s = promote_newest(batch, bucket, key, {}); !s) return s;
    gone = std::move(*current);
  } else {
    auto found = find_version(bucket, key, version_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::kNoSuchKey);
    std::string v;
    st = db_->Get(rocksdb::ReadOptions(), **found, &v);
    if (!st.ok()) return std::unexpected(io_error(st));
    if (auto r = decode_object(v)) gone = std::move(*r);
    batch.Delete(**found);
  }
  if (gone) {
    add_usage(batch, bucket, {-1, -gone->size});
    if (!gone->data_uuid.empty()) {
      garbage.push_back(std::string(kGarbageSpace) + gone->data_uuid);
      batch.Put(garbage.back(), "");
    }
  }
  if (auto s = write(batch, true); !s) return s;
  collect_garbage(garbage);
  space_->freed();
  return {};
}

Result<std::unique_ptr<VersionCursor>> LocalDrive::scan_versions(Deadline deadline,
                                                                 std::string_view bucket) {
  if (deadline.expired()) return too_late(root_, "scan_versions");
  return std::make_unique<LocalVersionCursor>(db_.get(), bucket, deadline, root_);
}

// ---- Shard files

Result<std::unique_ptr<ShardWriter>> LocalDrive::create_staged(Deadline deadline,
                                                               std::string_view staged_id,
                                                               std::string_view name) {
  if (deadline.expired()) return too_late(root_, "create_staged");
  if (!valid_component(staged_id) || !valid_component(name)) {
    return fail(ErrorCode::kInternalError, "invalid staged file name");
  }
  if (auto s = space_->take(0); !s) return std::unexpected(s.error());
  std::string dir = staged_dir(staged_id);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail(errno_error("mkdir " + dir, errno));
  }
  std::string path = dir + "/" + std::string(name);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno_error("create " + path, errno));
  return std::make_unique<LocalShardWriter>(fd, std::move(path), *space_);
}

void LocalDrive::remove_staged(Deadline deadline, std::string_view staged_id) {
  if (deadline.expired() || !valid_component(staged_id)) return;
  remove_tree(staged_dir(staged_id));
  space_->freed();
}

Result<std::unique_ptr<ShardReader>> LocalDrive::open_shard(Deadline deadline,
                                                            std::string_view data_uuid,
                                                            std::string_view name) {
  return open_shard_file(deadline, data_uuid, name, /*cached=*/false);
}

Result<std::unique_ptr<ShardReader>> LocalDrive::open_shard_cached(Deadline deadline,
                                                                   std::string_view data_uuid,
                                                                   std::string_view name) {
  return open_shard_file(deadline, data_uuid, name, /*cached=*/true);
}

Result<std::unique_ptr<ShardReader>> LocalDrive::open_shard_file(Deadline deadline,
                                                                 std::string_view data_uuid,
                                                                 std::string_view name,
                                                                 bool cached) {
  if (deadline.expired()) return too_late(root_, "open_shard");
  if (!valid_component(data_uuid) || !valid_component(name)) {
    return fail(ErrorCode::kInternalError, "invalid shard name");
  }
  std::string path = data_dir(data_uuid) + "/" + std::string(name);
  int fd;
  if (cached) {
    // RESOLVE_CACHED: EAGAIN rather than a lookup that would read the disk.
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_CACHED;
    fd = static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how));
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  // From memory, any failure is "ask the disk": that answer is the one to keep.
  if (fd < 0 && cached) return fail(ErrorCode::kWouldBlock);
  if (fd < 0) return fail(ErrorCode::kInternalError, "open " + path + ": " + errno_text(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    if (cached) return fail(ErrorCode::kWouldBlock);
    return fail(ErrorCode::kInternalError, "stat " + path + ": " + errno_text(err));
  }
  return std::make_unique<LocalShardReader>(fd, static_cast<uint64_t>(st.st_size), path);
}

Result<std::unique_ptr<DataLease>> LocalDrive::lease_data(Deadline deadline,
                                                          std::string_view data_uuid) {
  if (deadline.expired()) return too_late(root_, "lease_data");
  if (!valid_component(data_uuid)) return fail(ErrorCode::kInternalError, "invalid data uuid");
  auto lease = leases_->acquire(data_uuid);
  // Checked with the lease held: a removal that started before it took the
  // data already (gone), one that starts after it waits for the lease.
  struct stat st;
  if (!lease || ::stat(data_dir(data_uuid).c_str(), &st) != 0) {
    return fail(ErrorCode::kNoSuchKey, "the data of this version was removed");
  }
  return lease;
}

// ---- Multipart uploads

Status LocalDrive::put_upload(Deadline deadline, const UploadRecord& upload) {
  if (deadline.expired()) return too_late(root_, "put_upload");
  auto st = db_->Put(synced(), upload_key(upload.bucket, upload.key, upload.upload_id),
                     encode(upload));
  if (!st.ok()) return std::unexpected(io_error(st));
  return {};
}

Result<UploadRecord> LocalDrive::read_upload(Deadline deadline, std::string_view bucket,
                                             std::string_view key, std::string_view upload_id) {
  if (deadline.expired()) return too_late(root_, "read_upload");
  std::string v;
  auto st = db_->Get(rocksdb::ReadOptions(), upload_key(bucket, key, upload_id), &v);
  if (st.IsNotFound()) return fail(ErrorCode::kNoSuchUpload);
  if (!st.ok()) return std::unexpected(io_error(st));
  return decode_upload(v);
}

Status LocalDrive::commit_part(Deadline deadline, const UploadRecord& upload,
                               const PartRecord& part, std::string_view staged_id,
                               std::string_view name) {
  if (deadline.expired()) return too_late(root_, "commit_part");
  if (!valid_component(staged_id) || !valid_component(name) ||
      !valid_component(upload.data_uuid)) {
    return fail(ErrorCode::kInternalError, "invalid part file name");
  }
  std::string from = staged_dir(staged_id) + "/" + std::string(name);
  std::string dir = data_dir(upload.data_uuid);
  std::string to = dir + "/part." + std::to_string(part.number);
  std::string ukey = upload_key(upload.bucket, upload.key, upload.upload_id);
  // A part arriving after completion or abort must not touch the folder, which
  // may now hold a completed object's data. (Callers serialize part commits
  // with completion and abort of the same upload.)
  {
    std::string v;
    if (!db_->Get(rocksdb::ReadOptions(), ukey, &v).ok()) {
      remove_tree(staged_dir(staged_id));
      return fail(ErrorCode::kNoSuchUpload);
    }
  }
  // The upload directory is announced once, when its first part arrives.
  struct stat st_dir;
  if (::stat(dir.c_str(), &st_dir) != 0) {
    auto st = db_->Put(synced(), std::string(kIntentSpace) + upload.data_uuid, ukey);
    if (!st.ok()) return std::unexpected(io_error(st));
    if (auto s = make_dirs_durable(dir); !s) return s;
  }
  if (deadline.expired()) return too_late(root_, "moving the part into place");
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return fail(ErrorCode::kInternalError, "rename " + from + ": " + errno_text(errno));
  }
  if (auto s = fsync_path(dir); !s) return s;
  remove_tree(staged_dir(staged_id));
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), ukey, &v).ok()) {
    // Aborted while the part was in flight.
    remove_tree(to);
    return fail(ErrorCode::kNoSuchUpload);
  }
  auto st = db_->Put(synced(), part_key(upload.upload_id, part.number), encode(part));
  if (!st.ok()) return std::unexpected(io_error(st));
  return {};
}

Result<std::vector<PartRecord>> LocalDrive::list_parts(Deadline deadline,
                                                       const UploadRecord& upload, uint32_t after,
                                                       size_t limit) {
  if (deadline.expired()) return too_late(root_, "list_parts");
  ScanDeadline scan(deadline);
  std::vector<PartRecord> out;
  std::string prefix = part_prefix(upload.upload_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(part_key(upload.upload_id, after + 1));
       it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
    if (scan.expired()) return too_late(root_, "the part list ended");
    auto rec = decode_part(slice_view(it->value()));
    if (!rec) return std::unexpected(rec.error());
    out.push_back(std::move(*rec));
  }
  if (!it->status().ok()) return std::unexpected(io_error(it->status()));
  return out;
}

Status LocalDrive::complete_upload(Deadline deadline, const UploadRecord& upload,
                                   const ObjectRecord& record, Replaced replaced) {
  if (deadline.expired()) return too_late(root_, "complete_upload");
  ScanDeadline scan(deadline);
  std::string okey = object_key(kObjectSpace, upload.bucket, upload.key);
  auto replacing = lock_replaced(object_key(kReplacedSpace, upload.bucket, upload.key));
  rocksdb::WriteBatch batch;
  std::vector<std::string> garbage;
  if (auto s = replace_current(batch, upload.bucket, upload.key, &record, replaced, garbage);
      !s) {
    return s;
  }
  // Part files the client left out of the final object.
  std::string prefix = part_prefix(upload.upload_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (scan.expired()) return too_late(root_, "the completion was written");
    auto part = decode_part(slice_view(it->value()));
    bool used = false;
    if (part) {
      for (const auto& p : record.parts) used = used || p.number == part->number;
    }
    if (!used && part) {
      garbage.push_back(std::string(kGarbageSpace) + upload.data_uuid + "/part." +
                        std::to_string(part->number));
      batch.Put(garbage.back(), "");
    }
    batch.Delete(it->key());
  }
  it.reset();
  batch.Delete(upload_key(upload.bucket, upload.key, upload.upload_id));
  batch.Delete(object_key(kInlineSpace, upload.bucket, upload.key));
  batch.Put(okey, encode(record));
  add_usage(batch, upload.bucket, {1, record.size});
  batch.Delete(std::string(kIntentSpace) + upload.data_uuid);
  if (auto s = write(batch, true); !s) return s;
  collect_garbage(garbage);
  return {};
}

Status LocalDrive::abort_upload(Deadline deadline, const UploadRecord& upload) {
  if (deadline.expired()) return too_late(root_, "abort_upload");
  ScanDeadline scan(deadline);
  rocksdb::WriteBatch batch;
  std::string prefix = part_prefix(upload.upload_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (scan.expired()) return too_late(root_, "the abort was written");
    batch.Delete(it->key());
  }
  it.reset();
  std::vector<std::string> garbage{std::string(kGarbageSpace) + upload.data_uuid};
  batch.Put(garbage.back(), "");
  batch.Delete(upload_key(upload.bucket, upload.key, upload.upload_id));
  batch.Delete(std::string(kIntentSpace) + upload.data_uuid);
  if (auto s = write(batch, true); !s) return s;
  collect_garbage(garbage);
  space_->freed();
  return {};
}

Result<std::unique_ptr<UploadCursor>> LocalDrive::scan_uploads(Deadline deadline,
                                                               std::string_view bucket) {
  if (deadline.expired()) return too_late(root_, "scan_uploads");
  return std::make_unique<LocalUploadCursor>(db_.get(), object_prefix(kUploadSpace, bucket),
                                             deadline, root_);
}

// ---- Capacity

Status LocalDrive::write(rocksdb::WriteBatch& batch, bool sync) {
  rocksdb::WriteOptions w;
  w.sync = sync;
  auto st = db_->Write(w, &batch);
  // The filesystem filled from outside Silo's reserve: give the store the
  // ballast, let it leave the read-only state a failed write put it in, and
  // try again; a compaction that took the last bytes gives them back when
  // it fails, so a moment later there is room (this is how a delete gets
  // through on a full disk).
  for (int attempt = 1; attempt <= 3 && !st.ok() && io_error(st).code == ErrorCode::kStorageFull;
       ++attempt) {
    if (!space_->release_ballast()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    }
    // Write again only on a store that resumed (a fresh WAL): the WAL
    // writer of the failed write must not be used again. Debian's RocksDB
    // asserts on that (WritableFileWriter "sync_without_flush_called_")
    // and the server would abort instead of answering StorageFull.
    if (!db_->Resume().ok()) break;
    st = db_->Write(w, &batch);
  }
  if (!st.ok()) {
    Error e = io_error(st);
    if (e.code == ErrorCode::kStorageFull) store_stopped_ = true;
    return fail(std::move(e));
  }
  return {};
}

Result<DiskInfo> LocalDrive::disk_info(Deadline deadline, bool refresh) {
  if (deadline.expired()) return too_late(root_, "disk_info");
  return refresh ? space_->refresh() : space_->info();
}

void LocalDrive::maintain() {
  auto d = space_->refresh();
  space_->keep_ballast();
  // A flush that found no room stops the store's writes until it resumes;
  // RocksDB retries on its own only once a whole memtable's room is free.
  if (store_stopped_ && !d.full() && db_->Resume().ok()) store_stopped_ = false;
}

}  // namespace silo::storage
