#include "storage/managed_drive.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/log.h"
#include "storage/format.h"

namespace silo::storage {

namespace {
// Cursors read through the drive's metadata store: they keep the drive open
// even if it goes offline meanwhile.
class KeepAliveObjectCursor final : public ObjectCursor {
 public:
  KeepAliveObjectCursor(std::shared_ptr<Drive> d, std::unique_ptr<ObjectCursor> c)
      : drive_(std::move(d)), c_(std::move(c)) {}
  void seek(std::string_view key) override { c_->seek(key); }
  bool valid() const override { return c_->valid(); }
  void next() override { c_->next(); }
  std::string_view key() const override { return c_->key(); }
  Result<ObjectRecord> record() const override { return c_->record(); }
  Status status() const override { return c_->status(); }

 private:
  std::shared_ptr<Drive> drive_;
  std::unique_ptr<ObjectCursor> c_;
};

class KeepAliveVersionCursor final : public VersionCursor {
 public:
  KeepAliveVersionCursor(std::shared_ptr<Drive> d, std::unique_ptr<VersionCursor> c)
      : drive_(std::move(d)), c_(std::move(c)) {}
  void seek(std::string_view key, std::string_view token) override { c_->seek(key, token); }
  bool valid() const override { return c_->valid(); }
  void next() override { c_->next(); }
  std::string_view key() const override { return c_->key(); }
  std::string_view token() const override { return c_->token(); }
  bool current() const override { return c_->current(); }
  Result<ObjectRecord> record() const override { return c_->record(); }
  Status status() const override { return c_->status(); }

 private:
  std::shared_ptr<Drive> drive_;
  std::unique_ptr<VersionCursor> c_;
};

class KeepAliveUploadCursor final : public UploadCursor {
 public:
  KeepAliveUploadCursor(std::shared_ptr<Drive> d, std::unique_ptr<UploadCursor> c)
      : drive_(std::move(d)), c_(std::move(c)) {}
  void seek(std::string_view key, std::string_view id) override { c_->seek(key, id); }
  bool valid() const override { return c_->valid(); }
  void next() override { c_->next(); }
  Result<UploadRecord> record() const override { return c_->record(); }
  Status status() const override { return c_->status(); }

 private:
  std::shared_ptr<Drive> drive_;
  std::unique_ptr<UploadCursor> c_;
};

std::unexpected<Error> late_start(const std::string& root) {
  return fail(ErrorCode::kDriveTimeout, root + ": deadline passed before the call started");
}

}  // namespace

// Streams count against the drive like its other calls: a drive too slow
// to take a stripe is as slow as one too slow to commit.
class ManagedShardWriter final : public ShardWriter {
 public:
  ManagedShardWriter(ManagedDrive& drive, std::unique_ptr<ShardWriter> inner)
      : drive_(drive), inner_(std::move(inner)) {}
  Status write(Deadline deadline, std::span<const uint8_t> data) override {
    if (deadline.expired()) return late_start(drive_.root_);
    return drive_.timed(deadline, [&] { return inner_->write(deadline, data); });
  }
  Status close(Deadline deadline) override {
    if (deadline.expired()) return late_start(drive_.root_);
    return drive_.timed(deadline, [&] { return inner_->close(deadline); });
  }

 private:
  ManagedDrive& drive_;
  std::unique_ptr<ShardWriter> inner_;
};

class ManagedShardReader final : public ShardReader {
 public:
  ManagedShardReader(ManagedDrive& drive, std::unique_ptr<ShardReader> inner)
      : drive_(drive), inner_(std::move(inner)) {}
  Result<size_t> read_at(Deadline deadline, uint64_t offset, std::span<uint8_t> out) override {
    if (deadline.expired()) return late_start(drive_.root_);
    return drive_.timed(deadline, [&] { return inner_->read_at(deadline, offset, out); });
  }
  Result<size_t> read_at_cached(Deadline deadline, uint64_t offset,
                                std::span<uint8_t> out) override {
    return inner_->read_at_cached(deadline, offset, out);
  }
  uint64_t size() const override { return inner_->size(); }

 private:
  ManagedDrive& drive_;
  std::unique_ptr<ShardReader> inner_;
};

ManagedDrive::ManagedDrive(std::string root, std::string drive_id, ManagedDriveOptions options)
    : root_(std::move(root)), drive_id_(std::move(drive_id)), options_(std::move(options)) {}

std::shared_ptr<Drive> ManagedDrive::get() const {
  std::lock_guard lock(mu_);
  return drive_;
}

std::unexpected<Error> ManagedDrive::offline_error() const {
  return fail(ErrorCode::kDriveOffline, "drive " + root_ + " is offline");
}

bool ManagedDrive::identity_ok() const {
  auto f = read_format(root_);
  return f && *f && (*f)->drive_id == drive_id_;
}

void ManagedDrive::go_offline(std::string_view why) {
  std::shared_ptr<Drive> closing;
  {
    std::lock_guard lock(mu_);
    if (!drive_) return;
    closing = std::move(drive_);
    online_ = false;
    backoff_ = std::chrono::seconds(1);
    next_retry_ = std::chrono::steady_clock::now() + backoff_;
  }
  spdlog::error("drive {} is offline: {}", root_, why);
  // The store closes when the last in-flight call releases `closing`.
}

bool ManagedDrive::open_now() {
  if (!identity_ok()) return false;
  Result<std::unique_ptr<Drive>> opened = options_.open ? options_.open(root_, options_.local)
                                                        : LocalDrive::open(root_, options_.local);
  if (!opened) {
    spdlog::warn("drive {} cannot be opened: {}", root_, opened.error().text());
    return false;
  }
  std::lock_guard lock(mu_);
  drive_ = std::shared_ptr<Drive>(std::move(*opened));
  late_in_a_row_ = 0;
  online_ = true;
  backoff_ = std::chrono::seconds(1);
  return true;
}

bool ManagedDrive::stalled() const {
  if (options_.stall_after.count() <= 0 || in_flight_.load() == 0) return false;
  int64_t since = std::max(last_answer_.load(), busy_since_.load());
  auto quiet = Clock::now() - Clock::time_point(Clock::duration(since));
  return quiet > options_.stall_after;
}

void ManagedDrive::check() {
  if (online_) {
    if (stalled()) {
      go_offline("calls are waiting and none has answered for " +
                 std::to_string(options_.stall_after.count()) + " ms");
    } else if (!identity_ok()) {
      go_offline("its format.json is missing or belongs to another drive");
    } else if (auto d = get()) {
      d->maintain();
    }
    return;
  }
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (now < next_retry_) return;
    next_retry_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, std::chrono::seconds(30));
  }
  if (format_empty_) {
    std::error_code ec;
    if (std::filesystem::is_directory(root_, ec) && std::filesystem::is_empty(root_, ec) && !ec &&
        format_empty_()) {
      if (open_now()) {
        spdlog::info("drive {} is online again as a replacement", root_);
        if (on_replaced_) on_replaced_();
      }
      return;
    }
  }
  if (open_now()) spdlog::info("drive {} is back online", root_);
}

void ManagedDrive::set_replacement(std::function<bool()> format_empty,
                                   std::function<void()> on_replaced) {
  format_empty_ = std::move(format_empty);
  on_replaced_ = std::move(on_replaced);
}

template <typename F>
auto ManagedDrive::timed(Deadline deadline, F&& f) -> decltype(f()) {
  if (in_flight_.fetch_add(1) == 0) busy_since_ = Clock::now().time_since_epoch().count();
  auto result = f();
  auto now = Clock::now();
  last_answer_ = now.time_since_epoch().count();
  in_flight_.fetch_sub(1);
  if (now < deadline.when()) {
    if (late_in_a_row_.load(std::memory_order_relaxed) != 0) late_in_a_row_ = 0;
  } else if (++late_in_a_row_ == options_.timeouts_to_offline) {
    go_offline(std::to_string(options_.timeouts_to_offline) +
               " calls in a row answered after their deadline");
  }
  return result;
}

template <typename F>
auto ManagedDrive::call(Deadline deadline, F&& f) -> decltype(f(std::declval<Drive&>())) {
  auto d = get();
  if (!d) return offline_error();
  if (deadline.expired()) return late_start(root_);
  auto result = timed(deadline, [&] { return f(*d); });
  if (!result && result.error().code == ErrorCode::kInternalError) {
    if (!identity_ok()) go_offline(result.error().text());
  }
  return result;
}

Status ManagedDrive::make_bucket(Deadline dl, const BucketRecord& b) {
  return call(dl, [&](Drive& d) { return d.make_bucket(dl, b); });
}
Result<BucketRecord> ManagedDrive::stat_bucket(Deadline dl, std::string_view b) {
  return call(dl, [&](Drive& d) { return d.stat_bucket(dl, b); });
}
Result<std::vector<BucketRecord>> ManagedDrive::list_buckets(Deadline dl) {
  return call(dl, [&](Drive& d) { return d.list_buckets(dl); });
}
Status ManagedDrive::delete_bucket(Deadline dl, std::string_view b) {
  return call(dl, [&](Drive& d) { return d.delete_bucket(dl, b); });
}
Result<ObjectRecord> ManagedDrive::read_object(Deadline dl, std::string_view b, std::string_view k,
                                               bool with_data) {
  return call(dl, [&](Drive& d) { return d.read_object(dl, b, k, with_data); });
}
// Memory-only lookups are neither timed nor checked: they cannot be slow.
Result<BucketRecord> ManagedDrive::stat_bucket_cached(Deadline dl, std::string_view b) {
  auto d = get();
  if (!d) return offline_error();
  return d->stat_bucket_cached(dl, b);
}
Result<ObjectRecord> ManagedDrive::read_object_cached(Deadline dl, std::string_view b,
                                                      std::string_view k, bool with_data) {
  auto d = get();
  if (!d) return offline_error();
  return d->read_object_cached(dl, b, k, with_data);
}
Status ManagedDrive::commit_object(Deadline dl, std::string_view b, std::string_view k,
                                   const ObjectRecord& r, std::string_view staged,
                                   Replaced replaced) {
  return call(dl, [&](Drive& d) { return d.commit_object(dl, b, k, r, staged, replaced); });
}
Status ManagedDrive::delete_object(Deadline dl, std::string_view b, std::string_view k,
                                   Replaced replaced) {
  return call(dl, [&](Drive& d) { return d.delete_object(dl, b, k, replaced); });
}
Status ManagedDrive::finish_replace(Deadline dl, std::string_view b, std::string_view k) {
  return call(dl, [&](Drive& d) { return d.finish_replace(dl, b, k); });
}
Status ManagedDrive::finish_change(Deadline dl, std::string_view b, std::string_view k,
                                   const ChangeId& change) {
  return call(dl, [&](Drive& d) { return d.finish_change(dl, b, k, change); });
}
Status ManagedDrive::update_meta(Deadline dl, std::string_view b, std::string_view k,
                                 const ChangeId& version, const KeyValues& meta) {
  return call(dl, [&](Drive& d) { return d.update_meta(dl, b, k, version, meta); });
}
Status ManagedDrive::undo_replace(Deadline dl, std::string_view b, std::string_view k,
                                  const ObjectRecord* committed) {
  return call(dl, [&](Drive& d) { return d.undo_replace(dl, b, k, committed); });
}
Result<std::vector<std::pair<std::string, std::string>>> ManagedDrive::pending_replaces(
    Deadline dl) {
  return call(dl, [&](Drive& d) { return d.pending_replaces(dl); });
}
Result<std::unique_ptr<ObjectCursor>> ManagedDrive::scan_objects(Deadline dl, std::string_view b) {
  auto d = get();
  if (!d) return offline_error();
  if (dl.expired()) return late_start(root_);
  auto c = timed(dl, [&] { return d->scan_objects(dl, b); });
  if (!c) return c;
  return std::make_unique<KeepAliveObjectCursor>(d, std::move(*c));
}
Result<ObjectRecord> ManagedDrive::read_version(Deadline dl, std::string_view b,
                                                std::string_view k, std::string_view v,
                                                bool with_data) {
  return call(dl, [&](Drive& d) { return d.read_version(dl, b, k, v, with_data); });
}
Status ManagedDrive::delete_version(Deadline dl, std::string_view b, std::string_view k,
                                    std::string_view v) {
  return call(dl, [&](Drive& d) { return d.delete_version(dl, b, k, v); });
}
Result<std::unique_ptr<VersionCursor>> ManagedDrive::scan_versions(Deadline dl,
                                                                   std::string_view b) {
  auto d = get();
  if (!d) return offline_error();
  if (dl.expired()) return late_start(root_);
  auto c = timed(dl, [&] { return d->scan_versions(dl, b); });
  if (!c) return c;
  return std::make_unique<KeepAliveVersionCursor>(d, std::move(*c));
}
Result<std::unique_ptr<ShardWriter>> ManagedDrive::create_staged(Deadline dl, std::string_view id,
                                                                 std::string_view name) {
  auto w = call(dl, [&](Drive& d) { return d.create_staged(dl, id, name); });
  if (!w) return w;
  return std::make_unique<ManagedShardWriter>(*this, std::move(*w));
}
void ManagedDrive::remove_staged(Deadline dl, std::string_view id) {
  if (auto d = get()) d->remove_staged(dl, id);
}
Result<std::unique_ptr<ShardReader>> ManagedDrive::open_shard(Deadline dl, std::string_view uuid,
                                                              std::string_view name) {
  auto r = call(dl, [&](Drive& d) { return d.open_shard(dl, uuid, name); });
  if (!r) return r;
  return std::make_unique<ManagedShardReader>(*this, std::move(*r));
}
Result<std::unique_ptr<DataLease>> ManagedDrive::lease_data(Deadline dl, std::string_view uuid) {
  return call(dl, [&](Drive& d) { return d.lease_data(dl, uuid); });
}
Result<std::unique_ptr<ShardReader>> ManagedDrive::open_shard_cached(Deadline dl,
                                                                     std::string_view uuid,
                                                                     std::string_view name) {
  auto d = get();
  if (!d) return offline_error();
  auto r = d->open_shard_cached(dl, uuid, name);
  if (!r) return r;
  return std::make_unique<ManagedShardReader>(*this, std::move(*r));
}
Status ManagedDrive::put_upload(Deadline dl, const UploadRecord& u) {
  return call(dl, [&](Drive& d) { return d.put_upload(dl, u); });
}
Result<UploadRecord> ManagedDrive::read_upload(Deadline dl, std::string_view b, std::string_view k,
                                               std::string_view id) {
  return call(dl, [&](Drive& d) { return d.read_upload(dl, b, k, id); });
}
Status ManagedDrive::commit_part(Deadline dl, const UploadRecord& u, const PartRecord& p,
                                 std::string_view staged, std::string_view name) {
  return call(dl, [&](Drive& d) { return d.commit_part(dl, u, p, staged, name); });
}
Result<std::vector<PartRecord>> ManagedDrive::list_parts(Deadline dl, const UploadRecord& u,
                                                         uint32_t after, size_t limit) {
  return call(dl, [&](Drive& d) { return d.list_parts(dl, u, after, limit); });
}
Status ManagedDrive::complete_upload(Deadline dl, const UploadRecord& u, const ObjectRecord& r,
                                     Replaced replaced) {
  return call(dl, [&](Drive& d) { return d.complete_upload(dl, u, r, replaced); });
}
Status ManagedDrive::abort_upload(Deadline dl, const UploadRecord& u) {
  return call(dl, [&](Drive& d) { return d.abort_upload(dl, u); });
}
Result<std::unique_ptr<UploadCursor>> ManagedDrive::scan_uploads(Deadline dl, std::string_view b) {
  auto d = get();
  if (!d) return offline_error();
  if (dl.expired()) return late_start(root_);
  auto c = timed(dl, [&] { return d->scan_uploads(dl, b); });
  if (!c) return c;
  return std::make_unique<KeepAliveUploadCursor>(d, std::move(*c));
}

Result<DiskInfo> ManagedDrive::disk_info(Deadline dl, bool refresh) {
  return call(dl, [&](Drive& d) { return d.disk_info(dl, refresh); });
}
Result<BucketUsage> ManagedDrive::bucket_usage(Deadline dl, std::string_view b) {
  return call(dl, [&](Drive& d) { return d.bucket_usage(dl, b); });
}
Status ManagedDrive::update_bucket(Deadline dl, const BucketRecord& b) {
  return call(dl, [&](Drive& d) { return d.update_bucket(dl, b); });
}

}  // namespace silo::storage
