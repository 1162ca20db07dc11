#include "storage/managed_drive.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/log.h"
#include "storage/format.h"

namespace silo::storage {

namespace {
// Cursors read through the drive's RocksDB: they keep the drive open even if
// it goes offline meanwhile.
class KeepAliveObjectCursor final : public ObjectCursor {
 public:
  KeepAliveObjectCursor(std::shared_ptr<LocalDrive> d, std::unique_ptr<ObjectCursor> c)
      : drive_(std::move(d)), c_(std::move(c)) {}
  void seek(std::string_view key) override { c_->seek(key); }
  bool valid() const override { return c_->valid(); }
  void next() override { c_->next(); }
  std::string_view key() const override { return c_->key(); }
  Result<ObjectRecord> record() const override { return c_->record(); }

 private:
  std::shared_ptr<LocalDrive> drive_;
  std::unique_ptr<ObjectCursor> c_;
};

class KeepAliveUploadCursor final : public UploadCursor {
 public:
  KeepAliveUploadCursor(std::shared_ptr<LocalDrive> d, std::unique_ptr<UploadCursor> c)
      : drive_(std::move(d)), c_(std::move(c)) {}
  void seek(std::string_view key, std::string_view id) override { c_->seek(key, id); }
  bool valid() const override { return c_->valid(); }
  void next() override { c_->next(); }
  Result<UploadRecord> record() const override { return c_->record(); }

 private:
  std::shared_ptr<LocalDrive> drive_;
  std::unique_ptr<UploadCursor> c_;
};
}  // namespace

ManagedDrive::ManagedDrive(std::string root, std::string drive_id, LocalDriveOptions options)
    : root_(std::move(root)), drive_id_(std::move(drive_id)), options_(options) {}

std::shared_ptr<LocalDrive> ManagedDrive::get() const {
  std::lock_guard lock(mu_);
  return drive_;
}

bool ManagedDrive::identity_ok() const {
  auto f = read_format(root_);
  return f && *f && (*f)->drive_id == drive_id_;
}

void ManagedDrive::go_offline(std::string_view why) {
  std::shared_ptr<LocalDrive> closing;
  {
    std::lock_guard lock(mu_);
    if (!drive_) return;
    closing = std::move(drive_);
    online_ = false;
    backoff_ = std::chrono::seconds(1);
    next_retry_ = std::chrono::steady_clock::now() + backoff_;
  }
  spdlog::error("drive {} is offline: {}", root_, why);
  // RocksDB closes when the last in-flight call releases `closing`.
}

bool ManagedDrive::open_now() {
  if (!identity_ok()) return false;
  auto opened = LocalDrive::open(root_, options_);
  if (!opened) {
    spdlog::warn("drive {} cannot be opened: {}", root_, opened.error().text());
    return false;
  }
  std::lock_guard lock(mu_);
  drive_ = std::shared_ptr<LocalDrive>(std::move(*opened));
  online_ = true;
  backoff_ = std::chrono::seconds(1);
  return true;
}

void ManagedDrive::check() {
  if (online_) {
    if (!identity_ok()) {
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
auto ManagedDrive::call(F&& f) -> decltype(f(std::declval<LocalDrive&>())) {
  auto d = get();
  if (!d) return fail(ErrorCode::kDriveOffline, "drive " + root_ + " is offline");
  auto result = f(*d);
  if (!result && result.error().code == ErrorCode::kInternalError) {
    if (!identity_ok()) go_offline(result.error().text());
  }
  return result;
}

Status ManagedDrive::make_bucket(const BucketRecord& b) {
  return call([&](LocalDrive& d) { return d.make_bucket(b); });
}
Result<BucketRecord> ManagedDrive::stat_bucket(std::string_view b) {
  return call([&](LocalDrive& d) { return d.stat_bucket(b); });
}
Result<std::vector<BucketRecord>> ManagedDrive::list_buckets() {
  return call([&](LocalDrive& d) { return d.list_buckets(); });
}
Status ManagedDrive::delete_bucket(std::string_view b) {
  return call([&](LocalDrive& d) { return d.delete_bucket(b); });
}
Result<ObjectRecord> ManagedDrive::read_object(std::string_view b, std::string_view k,
                                               bool with_data) {
  return call([&](LocalDrive& d) { return d.read_object(b, k, with_data); });
}
Result<BucketRecord> ManagedDrive::stat_bucket_cached(std::string_view b) {
  auto d = get();
  if (!d) return fail(ErrorCode::kDriveOffline, "drive " + root_ + " is offline");
  return d->stat_bucket_cached(b);
}
Result<ObjectRecord> ManagedDrive::read_object_cached(std::string_view b, std::string_view k,
                                                      bool with_data) {
  auto d = get();
  if (!d) return fail(ErrorCode::kDriveOffline, "drive " + root_ + " is offline");
  return d->read_object_cached(b, k, with_data);
}
Status ManagedDrive::commit_object(std::string_view b, std::string_view k, const ObjectRecord& r,
                                   std::string_view staged, Replaced replaced) {
  return call([&](LocalDrive& d) { return d.commit_object(b, k, r, staged, replaced); });
}
Status ManagedDrive::delete_object(std::string_view b, std::string_view k, Replaced replaced) {
  return call([&](LocalDrive& d) { return d.delete_object(b, k, replaced); });
}
Status ManagedDrive::finish_replace(std::string_view b, std::string_view k) {
  return call([&](LocalDrive& d) { return d.finish_replace(b, k); });
}
Status ManagedDrive::undo_replace(std::string_view b, std::string_view k,
                                  const ObjectRecord* committed) {
  return call([&](LocalDrive& d) { return d.undo_replace(b, k, committed); });
}
Result<std::vector<std::pair<std::string, std::string>>> ManagedDrive::pending_replaces() {
  return call([&](LocalDrive& d) { return d.pending_replaces(); });
}
Result<std::unique_ptr<ObjectCursor>> ManagedDrive::scan_objects(std::string_view b) {
  auto d = get();
  if (!d) return fail(ErrorCode::kDriveOffline, "drive " + root_ + " is offline");
  auto c = d->scan_objects(b);
  if (!c) return c;
  return std::make_unique<KeepAliveObjectCursor>(d, std::move(*c));
}
Result<std::unique_ptr<ShardWriter>> ManagedDrive::create_staged(std::string_view id,
                                                                 std::string_view name) {
  return call([&](LocalDrive& d) { return d.create_staged(id, name); });
}
void ManagedDrive::remove_staged(std::string_view id) {
  if (auto d = get()) d->remove_staged(id);
}
Result<std::unique_ptr<ShardReader>> ManagedDrive::open_shard(std::string_view uuid,
                                                              std::string_view name) {
  return call([&](LocalDrive& d) { return d.open_shard(uuid, name); });
}
Status ManagedDrive::put_upload(const UploadRecord& u) {
  return call([&](LocalDrive& d) { return d.put_upload(u); });
}
Result<UploadRecord> ManagedDrive::read_upload(std::string_view b, std::string_view k,
                                               std::string_view id) {
  return call([&](LocalDrive& d) { return d.read_upload(b, k, id); });
}
Status ManagedDrive::commit_part(const UploadRecord& u, const PartRecord& p,
                                 std::string_view staged, std::string_view name) {
  return call([&](LocalDrive& d) { return d.commit_part(u, p, staged, name); });
}
Result<std::vector<PartRecord>> ManagedDrive::list_parts(const UploadRecord& u, uint32_t after,
                                                         size_t limit) {
  return call([&](LocalDrive& d) { return d.list_parts(u, after, limit); });
}
Status ManagedDrive::complete_upload(const UploadRecord& u, const ObjectRecord& r,
                                     Replaced replaced) {
  return call([&](LocalDrive& d) { return d.complete_upload(u, r, replaced); });
}
Status ManagedDrive::abort_upload(const UploadRecord& u) {
  return call([&](LocalDrive& d) { return d.abort_upload(u); });
}
Result<std::unique_ptr<UploadCursor>> ManagedDrive::scan_uploads(std::string_view b) {
  auto d = get();
  if (!d) return fail(ErrorCode::kDriveOffline, "drive " + root_ + " is offline");
  auto c = d->scan_uploads(b);
  if (!c) return c;
  return std::make_unique<KeepAliveUploadCursor>(d, std::move(*c));
}

Result<DiskInfo> ManagedDrive::disk_info(bool refresh) {
  return call([&](LocalDrive& d) { return d.disk_info(refresh); });
}
Result<BucketUsage> ManagedDrive::bucket_usage(std::string_view b) {
  return call([&](LocalDrive& d) { return d.bucket_usage(b); });
}
Status ManagedDrive::update_bucket(const BucketRecord& b) {
  return call([&](LocalDrive& d) { return d.update_bucket(b); });
}

}  // namespace silo::storage
