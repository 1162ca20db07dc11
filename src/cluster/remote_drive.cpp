#include "cluster/remote_drive.h"

#include <vector>

#include "cluster/wire.h"
#include "common/strings.h"

namespace silo::cluster {

namespace {

using storage::BucketRecord;
using storage::ObjectRecord;
using storage::PartRecord;
using storage::UploadRecord;

Status status_of(const Result<std::string>& r) {
  if (!r) return std::unexpected(r.error());
  return {};
}

template <typename T, typename Decode>
Result<std::vector<T>> decode_list(const Result<std::string>& r, Decode decode) {
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  auto n = in.u64();
  if (!n) return std::unexpected(n.error());
  std::vector<T> out;
  for (uint64_t i = 0; i < *n; ++i) {
    auto bytes = in.bytes();
    if (!bytes) return std::unexpected(bytes.error());
    auto item = decode(*bytes);
    if (!item) return std::unexpected(item.error());
    out.push_back(std::move(*item));
  }
  return out;
}

std::string_view flag(bool b) { return b ? "1" : "0"; }
std::string_view keep(storage::Replaced r) { return flag(r == storage::Replaced::kKeep); }

std::string framed(std::string_view a, std::string_view b) {
  WireWriter w;
  w.bytes(a);
  w.bytes(b);
  return w.take();
}

// ---- Streams and cursors

class RemoteShardWriter final : public storage::ShardWriter {
 public:
  RemoteShardWriter(RemoteDrive& drive, std::string staged_id, std::string name)
      : drive_(drive), staged_id_(std::move(staged_id)), name_(std::move(name)) {}
  Status write(Deadline deadline, std::span<const uint8_t> data) override {
    std::string_view body(reinterpret_cast<const char*>(data.data()), data.size());
    return status_of(
        drive_.rpc(deadline, "write_staged", {{"staged", staged_id_}, {"name", name_}}, body));
  }
  Status close(Deadline deadline) override {
    return status_of(
        drive_.rpc(deadline, "close_staged", {{"staged", staged_id_}, {"name", name_}}));
  }

 private:
  RemoteDrive& drive_;
  const std::string staged_id_, name_;
};

class RemoteShardReader final : public storage::ShardReader {
 public:
  RemoteShardReader(RemoteDrive& drive, std::string uuid, std::string name, uint64_t size)
      : drive_(drive), uuid_(std::move(uuid)), name_(std::move(name)), size_(size) {}
  Result<size_t> read_at(Deadline deadline, uint64_t offset, std::span<uint8_t> out) override {
    if (out.empty() || offset >= size_) return size_t{0};
    auto off = std::to_string(offset);
    auto len = std::to_string(out.size());
    return drive_.rpc_into(deadline, "read_shard",
                           {{"uuid", uuid_}, {"name", name_}, {"offset", off}, {"len", len}}, out);
  }
  // A frame's hash and data in one call: half the calls of a shard read.
  Result<size_t> read_split(Deadline deadline, uint64_t offset, std::span<uint8_t> head,
                            std::span<uint8_t> out) override {
    if (offset >= size_) return size_t{0};
    auto off = std::to_string(offset);
    auto len = std::to_string(head.size() + out.size());
    return drive_.rpc_into(deadline, "read_shard",
                           {{"uuid", uuid_}, {"name", name_}, {"offset", off}, {"len", len}},
                           head, out);
  }
  uint64_t size() const override { return size_; }

 private:
  RemoteDrive& drive_;
  const std::string uuid_, name_;
  const uint64_t size_;
};

// Released from the peer's probe thread: a lease may be dropped on a thread
// that must not wait for the network. A lost release expires on the peer.
class RemoteLease final : public storage::DataLease {
 public:
  RemoteLease(std::shared_ptr<PeerHealth> peer, std::string release)
      : peer_(std::move(peer)), release_(std::move(release)) {}
  ~RemoteLease() override { peer_->send_later(std::move(release_)); }

 private:
  std::shared_ptr<PeerHealth> peer_;
  std::string release_;
};

// A page of records and whether the remote has more after it.
struct PageHeader {
  bool more = false;
  uint64_t count = 0;
};

Result<PageHeader> page_header(WireReader& in) {
  auto more = in.u64();
  auto count = in.u64();
  if (!more || !count) return fail(ErrorCode::kInternalError, "internode: bad page");
  return PageHeader{*more != 0, *count};
}

// The paging the remote cursors share: one scan RPC gives a page of
// entries (each decoded by the cursor's `Read`); the next page is asked for
// from the last entry, exclusive, once the cursor moves past the page.
template <typename Entry>
class RemotePages {
 public:
  RemotePages(RemoteDrive& drive, std::string bucket, Deadline deadline, std::string_view call)
      : drive_(drive), bucket_(std::move(bucket)), deadline_(deadline), call_(call) {}

  // The page from `key` (and, for two-part positions, `second`, sent as
  // `second_name`), after that position when `exclusive`.
  template <typename Read>
  void fetch(std::string key, std::string_view second_name, std::string second, bool exclusive,
             Read read) {
    entries.clear();
    pos = 0;
    more = false;
    auto page = std::to_string(drive_.scan_page());
    auto r = second_name.empty()
                 ? drive_.rpc(deadline_, call_,
                              {{"bucket", bucket_}, {"start", key},
                               {"exclusive", flag(exclusive)}, {"limit", page}})
                 : drive_.rpc(deadline_, call_,
                              {{"bucket", bucket_}, {"start", key}, {second_name, second},
                               {"exclusive", flag(exclusive)}, {"limit", page}});
    if (!r) {
      status = std::unexpected(r.error());
      return;
    }
    WireReader in(*r);
    auto header = page_header(in);
    if (!header) {
      status = std::unexpected(header.error());
      return;
    }
    for (uint64_t i = 0; i < header->count; ++i) {
      Result<Entry> entry = read(in);
      if (!entry) {
        status = std::unexpected(entry.error());
        return;
      }
      entries.push_back(std::move(*entry));
    }
    more = header->more && !entries.empty();
    status = {};
  }
  bool valid() const { return status && pos < entries.size(); }
  // Moves to the next entry; true when the page is used up and the remote
  // has more after it (the caller fetches from the last entry).
  bool step() { return ++pos == entries.size() && more; }
  const Entry& at() const { return entries[pos]; }

  std::vector<Entry> entries;
  size_t pos = 0;
  bool more = false;
  Status status;

 private:
  RemoteDrive& drive_;
  const std::string bucket_;
  const Deadline deadline_;
  const std::string_view call_;
};

Error bad_page() { return Error(ErrorCode::kInternalError, "internode: bad page"); }

class RemoteObjectCursor final : public storage::ObjectCursor {
 public:
  RemoteObjectCursor(RemoteDrive& drive, std::string bucket, Deadline deadline)
      : pages_(drive, std::move(bucket), deadline, "scan_objects") {}
  void seek(std::string_view key) override { fetch(std::string(key), false); }
  bool valid() const override { return pages_.valid(); }
  void next() override {
    if (valid() && pages_.step()) fetch(pages_.entries.back().key, true);
  }
  std::string_view key() const override { return pages_.at().key; }
  Result<ObjectRecord> record() const override { return storage::decode_object(pages_.at().record); }
  Status status() const override { return pages_.status; }

 private:
  struct Entry {
    std::string key, record;
  };
  void fetch(std::string start, bool exclusive) {
    pages_.fetch(std::move(start), "", "", exclusive, [](WireReader& in) -> Result<Entry> {
      auto key = in.bytes();
      auto rec = in.bytes();
      if (!key || !rec) return std::unexpected(bad_page());
      return Entry{std::string(*key), std::string(*rec)};
    });
  }
  RemotePages<Entry> pages_;
};

class RemoteVersionCursor final : public storage::VersionCursor {
 public:
  RemoteVersionCursor(RemoteDrive& drive, std::string bucket, Deadline deadline)
      : pages_(drive, std::move(bucket), deadline, "scan_versions") {}
  void seek(std::string_view key, std::string_view token) override {
    fetch(std::string(key), std::string(token), false);
  }
  bool valid() const override { return pages_.valid(); }
  void next() override {
    if (!valid() || !pages_.step()) return;
    const Entry& last = pages_.entries.back();
    fetch(last.key, last.token, true);
  }
  std::string_view key() const override { return pages_.at().key; }
  std::string_view token() const override { return pages_.at().token; }
  bool current() const override { return pages_.at().current; }
  Result<ObjectRecord> record() const override { return storage::decode_object(pages_.at().record); }
  Status status() const override { return pages_.status; }

 private:
  struct Entry {
    std::string key, token, record;
    bool current = false;
  };
  void fetch(std::string key, std::string token, bool exclusive) {
    pages_.fetch(std::move(key), "start_token", std::move(token), exclusive,
                 [](WireReader& in) -> Result<Entry> {
                   auto key = in.bytes();
                   auto token = in.bytes();
                   auto current = in.u64();
                   auto rec = in.bytes();
                   if (!key || !token || !current || !rec) return std::unexpected(bad_page());
                   return Entry{std::string(*key), std::string(*token), std::string(*rec),
                                *current != 0};
                 });
  }
  RemotePages<Entry> pages_;
};

class RemoteUploadCursor final : public storage::UploadCursor {
 public:
  RemoteUploadCursor(RemoteDrive& drive, std::string bucket, Deadline deadline)
      : pages_(drive, std::move(bucket), deadline, "scan_uploads") {}
  void seek(std::string_view key, std::string_view upload_id) override {
    fetch(std::string(key), std::string(upload_id), false);
  }
  bool valid() const override { return pages_.valid(); }
  void next() override {
    if (!valid() || !pages_.step()) return;
    const UploadRecord& last = pages_.entries.back();
    fetch(last.key, last.upload_id, true);
  }
  Result<UploadRecord> record() const override { return pages_.at(); }
  Status status() const override { return pages_.status; }

 private:
  void fetch(std::string key, std::string upload_id, bool exclusive) {
    pages_.fetch(std::move(key), "start_id", std::move(upload_id), exclusive,
                 [](WireReader& in) -> Result<UploadRecord> {
                   auto bytes = in.bytes();
                   if (!bytes) return std::unexpected(bytes.error());
                   return storage::decode_upload(*bytes);
                 });
  }
  RemotePages<UploadRecord> pages_;
};

}  // namespace

RemoteDrive::RemoteDrive(std::shared_ptr<InternodeClient> client, std::string base_url,
                         std::string path, RemoteDriveOptions options)
    : client_(std::move(client)),
      peer_(client_->peer(base_url)),
      path_(std::move(path)),
      options_(options) {}

std::string RemoteDrive::target(std::string_view call, Args args) const {
  std::string out(kDrivePrefix);
  out += call;
  out += "?drive=";
  out += uri_encode(path_, false);
  for (const auto& [name, value] : args) {
    out += '&';
    out += name;
    out += '=';
    out += uri_encode(value, false);
  }
  return out;
}

Result<std::string> RemoteDrive::rpc(Deadline deadline, std::string_view call, Args args,
                                     std::string_view body) {
  return client_->call(*peer_, target(call, args),
                       {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, deadline);
}

Result<size_t> RemoteDrive::rpc_into(Deadline deadline, std::string_view call, Args args,
                                     std::span<uint8_t> out) {
  return client_->call_into(*peer_, target(call, args), {}, deadline, out);
}

Result<size_t> RemoteDrive::rpc_into(Deadline deadline, std::string_view call, Args args,
                                     std::span<uint8_t> head, std::span<uint8_t> out) {
  return client_->call_into(*peer_, target(call, args), {}, deadline, head, out);
}

Status RemoteDrive::ping(Deadline deadline) { return client_->ping(peer_->base_url(), deadline); }

Result<RemoteFormat> RemoteDrive::read_format(Deadline deadline) {
  auto r = rpc(deadline, "read_format", {});
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  auto state = in.u64();
  if (!state || *state > 2) return fail(ErrorCode::kInternalError, "internode: bad format answer");
  RemoteFormat out;
  out.state = static_cast<RemoteFormat::State>(*state);
  if (out.state == RemoteFormat::State::kFormatted) {
    auto bytes = in.bytes();
    if (!bytes) return std::unexpected(bytes.error());
    auto f = decode_format(*bytes);
    if (!f) return std::unexpected(f.error());
    out.format = std::move(*f);
  }
  return out;
}

Status RemoteDrive::write_format(Deadline deadline, const storage::Format& format) {
  return status_of(rpc(deadline, "write_format", {}, encode_format(format)));
}

// ---- Buckets

Status RemoteDrive::make_bucket(Deadline deadline, const BucketRecord& bucket) {
  forget_bucket(bucket.name);
  return status_of(rpc(deadline, "make_bucket", {}, storage::encode(bucket)));
}

Result<BucketRecord> RemoteDrive::stat_bucket(Deadline deadline, std::string_view bucket) {
  auto r = rpc(deadline, "stat_bucket", {{"bucket", bucket}});
  if (!r) {
    if (r.error().code == ErrorCode::kNoSuchBucket) forget_bucket(bucket);
    return std::unexpected(r.error());
  }
  auto record = storage::decode_bucket(*r);
  if (record) {
    std::lock_guard lock(buckets_mu_);
    if (buckets_.size() > 10'000) buckets_.clear();
    buckets_[std::string(bucket)] = {*record, std::chrono::steady_clock::now()};
  }
  return record;
}

// What the drive said of the bucket within the last second. Only "exists"
// is remembered: it lets a write go on without asking, and the drive checks
// the bucket again when the write commits (a bucket deleted meanwhile
// refuses it there).
Result<BucketRecord> RemoteDrive::stat_bucket_cached(Deadline, std::string_view bucket) {
  std::lock_guard lock(buckets_mu_);
  auto it = buckets_.find(std::string(bucket));
  if (it == buckets_.end() ||
      std::chrono::steady_clock::now() - it->second.second >= std::chrono::seconds(1)) {
    return fail(ErrorCode::kWouldBlock);
  }
  return it->second.first;
}

void RemoteDrive::forget_bucket(std::string_view bucket) {
  std::lock_guard lock(buckets_mu_);
  buckets_.erase(std::string(bucket));
}

Result<std::vector<BucketRecord>> RemoteDrive::list_buckets(Deadline deadline) {
  return decode_list<BucketRecord>(rpc(deadline, "list_buckets", {}), storage::decode_bucket);
}

Status RemoteDrive::delete_bucket(Deadline deadline, std::string_view bucket) {
  forget_bucket(bucket);
  return status_of(rpc(deadline, "delete_bucket", {{"bucket", bucket}}));
}

Status RemoteDrive::update_bucket(Deadline deadline, const BucketRecord& bucket) {
  forget_bucket(bucket.name);
  return status_of(rpc(deadline, "update_bucket", {}, storage::encode(bucket)));
}

Result<storage::BucketUsage> RemoteDrive::bucket_usage(Deadline deadline, std::string_view bucket) {
  auto r = rpc(deadline, "bucket_usage", {{"bucket", bucket}});
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  auto objects = in.u64();
  auto bytes = in.u64();
  if (!objects || !bytes) return fail(ErrorCode::kInternalError, "internode: bad usage");
  return storage::BucketUsage{static_cast<int64_t>(*objects), static_cast<int64_t>(*bytes)};
}

// From memory when the drive answered within a second, as a local drive
// does; one caller at a time fetches a stale value while the others use it.
Result<storage::DiskInfo> RemoteDrive::disk_info(Deadline deadline, bool refresh) {
  if (!refresh) {
    std::unique_lock lock(disk_mu_);
    bool fresh = disk_ && std::chrono::steady_clock::now() - disk_at_ < std::chrono::seconds(1);
    if (fresh || (disk_ && disk_fetching_)) return *disk_;
    disk_fetching_ = true;
  }
  auto r = fetch_disk_info(deadline, refresh);
  std::lock_guard lock(disk_mu_);
  if (!refresh) disk_fetching_ = false;
  if (r) {
    disk_ = *r;
    disk_at_ = std::chrono::steady_clock::now();
  }
  return r;
}

Result<storage::DiskInfo> RemoteDrive::fetch_disk_info(Deadline deadline, bool refresh) {
  auto r = rpc(deadline, "disk_info", {{"refresh", flag(refresh)}});
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  storage::DiskInfo info;
  for (uint64_t* field : {&info.total, &info.free, &info.reserve, &info.ballast}) {
    auto v = in.u64();
    if (!v) return std::unexpected(v.error());
    *field = *v;
  }
  return info;
}

// ---- Objects

Result<ObjectRecord> RemoteDrive::read_object(Deadline deadline, std::string_view bucket,
                                              std::string_view key, bool with_data) {
  auto r =
      rpc(deadline, "read_object", {{"bucket", bucket}, {"key", key}, {"data", flag(with_data)}});
  if (!r) return std::unexpected(r.error());
  return storage::decode_object(*r);
}

Status RemoteDrive::commit_object(Deadline deadline, std::string_view bucket, std::string_view key,
                                  const ObjectRecord& record, std::string_view staged_id,
                                  storage::Replaced replaced) {
  return status_of(
      rpc(deadline, "commit_object",
          {{"bucket", bucket}, {"key", key}, {"staged", staged_id}, {"keep", keep(replaced)}},
          storage::encode(record)));
}

Status RemoteDrive::delete_object(Deadline deadline, std::string_view bucket, std::string_view key,
                                  storage::Replaced replaced) {
  return status_of(
      rpc(deadline, "delete_object", {{"bucket", bucket}, {"key", key}, {"keep", keep(replaced)}}));
}

Status RemoteDrive::finish_replace(Deadline deadline, std::string_view bucket,
                                   std::string_view key) {
  return status_of(rpc(deadline, "finish_replace", {{"bucket", bucket}, {"key", key}}));
}

Status RemoteDrive::finish_change(Deadline, std::string_view bucket, std::string_view key,
                                  const storage::ChangeId& change) {
  if (!peer_->online()) return fail(ErrorCode::kDriveOffline, endpoint() + " is offline");
  peer_->send_batched(target("finish_many", {}), encode_finish(bucket, key, change));
  return {};
}

Status RemoteDrive::update_meta(Deadline deadline, std::string_view bucket, std::string_view key,
                                const storage::ChangeId& version, const storage::KeyValues& meta) {
  // The version and its new metadata travel as a record with only those set.
  storage::ObjectRecord carrier;
  carrier.mod_time_ns = version.mod_time_ns;
  carrier.data_uuid = version.data_uuid;
  carrier.meta = meta;
  return status_of(
      rpc(deadline, "update_meta", {{"bucket", bucket}, {"key", key}}, storage::encode(carrier)));
}

Status RemoteDrive::undo_replace(Deadline deadline, std::string_view bucket, std::string_view key,
                                 const ObjectRecord* committed) {
  return status_of(rpc(deadline, "undo_replace", {{"bucket", bucket}, {"key", key}},
                       committed ? storage::encode(*committed) : std::string()));
}

Result<std::vector<std::pair<std::string, std::string>>> RemoteDrive::pending_replaces(
    Deadline deadline) {
  auto r = rpc(deadline, "pending_replaces", {});
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  auto n = in.u64();
  if (!n) return std::unexpected(n.error());
  std::vector<std::pair<std::string, std::string>> out;
  for (uint64_t i = 0; i < *n; ++i) {
    auto b = in.bytes();
    auto k = in.bytes();
    if (!b || !k) return fail(ErrorCode::kInternalError, "internode: bad pending list");
    out.emplace_back(*b, *k);
  }
  return out;
}

// No RPC until the first seek: every cursor is positioned before use.
Result<std::unique_ptr<storage::ObjectCursor>> RemoteDrive::scan_objects(Deadline deadline,
                                                                         std::string_view bucket) {
  if (deadline.expired()) return fail(ErrorCode::kDriveTimeout, endpoint() + ": scan_objects late");
  if (!online()) return fail(ErrorCode::kDriveOffline, endpoint() + " is offline");
  return std::make_unique<RemoteObjectCursor>(*this, std::string(bucket), deadline);
}

// ---- Versions

Result<ObjectRecord> RemoteDrive::read_version(Deadline deadline, std::string_view bucket,
                                               std::string_view key, std::string_view version_id,
                                               bool with_data) {
  auto r = rpc(deadline, "read_version",
               {{"bucket", bucket}, {"key", key}, {"version", version_id}, {"data", flag(with_data)}});
  if (!r) return std::unexpected(r.error());
  return storage::decode_object(*r);
}

Status RemoteDrive::delete_version(Deadline deadline, std::string_view bucket,
                                   std::string_view key, std::string_view version_id) {
  return status_of(rpc(deadline, "delete_version",
                       {{"bucket", bucket}, {"key", key}, {"version", version_id}}));
}

Result<std::unique_ptr<storage::VersionCursor>> RemoteDrive::scan_versions(
    Deadline deadline, std::string_view bucket) {
  if (deadline.expired()) return fail(ErrorCode::kDriveTimeout, endpoint() + ": scan_versions late");
  if (!online()) return fail(ErrorCode::kDriveOffline, endpoint() + " is offline");
  return std::make_unique<RemoteVersionCursor>(*this, std::string(bucket), deadline);
}

// ---- Shard files

Result<std::unique_ptr<storage::ShardWriter>> RemoteDrive::create_staged(Deadline deadline,
                                                                         std::string_view staged_id,
                                                                         std::string_view name) {
  auto r = rpc(deadline, "create_staged", {{"staged", staged_id}, {"name", name}});
  if (!r) return std::unexpected(r.error());
  return std::make_unique<RemoteShardWriter>(*this, std::string(staged_id), std::string(name));
}

void RemoteDrive::remove_staged(Deadline deadline, std::string_view staged_id) {
  (void)rpc(deadline, "remove_staged", {{"staged", staged_id}});
}

Result<std::unique_ptr<storage::ShardReader>> RemoteDrive::open_shard(Deadline deadline,
                                                                      std::string_view data_uuid,
                                                                      std::string_view name) {
  auto r = rpc(deadline, "shard_size", {{"uuid", data_uuid}, {"name", name}});
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  auto size = in.u64();
  if (!size) return std::unexpected(size.error());
  return std::make_unique<RemoteShardReader>(*this, std::string(data_uuid), std::string(name),
                                             *size);
}

Result<std::unique_ptr<storage::DataLease>> RemoteDrive::lease_data(Deadline deadline,
                                                                    std::string_view data_uuid) {
  auto r = rpc(deadline, "lease_data", {{"uuid", data_uuid}});
  if (!r) return std::unexpected(r.error());
  WireReader in(*r);
  auto id = in.u64();
  if (!id) return std::unexpected(id.error());
  auto ids = std::to_string(*id);
  return std::make_unique<RemoteLease>(peer_, target("release_lease", {{"lease", ids}}));
}

// ---- Multipart uploads

Status RemoteDrive::put_upload(Deadline deadline, const UploadRecord& upload) {
  return status_of(rpc(deadline, "put_upload", {}, storage::encode(upload)));
}

Result<UploadRecord> RemoteDrive::read_upload(Deadline deadline, std::string_view bucket,
                                              std::string_view key, std::string_view upload_id) {
  auto r = rpc(deadline, "read_upload", {{"bucket", bucket}, {"key", key}, {"upload", upload_id}});
  if (!r) return std::unexpected(r.error());
  return storage::decode_upload(*r);
}

Status RemoteDrive::commit_part(Deadline deadline, const UploadRecord& upload,
                                const PartRecord& part, std::string_view staged_id,
                                std::string_view name) {
  return status_of(rpc(deadline, "commit_part", {{"staged", staged_id}, {"name", name}},
                       framed(storage::encode(upload), storage::encode(part))));
}

Result<std::vector<PartRecord>> RemoteDrive::list_parts(Deadline deadline,
                                                        const UploadRecord& upload, uint32_t after,
                                                        size_t limit) {
  auto a = std::to_string(after);
  auto l = std::to_string(limit);
  return decode_list<PartRecord>(
      rpc(deadline, "list_parts", {{"after", a}, {"limit", l}}, storage::encode(upload)),
      storage::decode_part);
}

Status RemoteDrive::complete_upload(Deadline deadline, const UploadRecord& upload,
                                    const ObjectRecord& record, storage::Replaced replaced) {
  return status_of(rpc(deadline, "complete_upload", {{"keep", keep(replaced)}},
                       framed(storage::encode(upload), storage::encode(record))));
}

Status RemoteDrive::abort_upload(Deadline deadline, const UploadRecord& upload) {
  return status_of(rpc(deadline, "abort_upload", {}, storage::encode(upload)));
}

Result<std::unique_ptr<storage::UploadCursor>> RemoteDrive::scan_uploads(Deadline deadline,
                                                                         std::string_view bucket) {
  if (deadline.expired()) return fail(ErrorCode::kDriveTimeout, endpoint() + ": scan_uploads late");
  if (!online()) return fail(ErrorCode::kDriveOffline, endpoint() + " is offline");
  return std::make_unique<RemoteUploadCursor>(*this, std::string(bucket), deadline);
}

}  // namespace silo::cluster
