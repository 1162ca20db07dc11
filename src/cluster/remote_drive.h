// RemoteDrive: a Drive on another node, reached through the internode drive
// protocol (cluster/wire.h, served there by DriveService). An erasure set
// uses it as it uses a LocalDrive.
//
// - Every Drive call is one RPC bounded by its Deadline; cursors fetch their
//   records in pages (`scan_page` per RPC) as they advance, each page from
//   its own snapshot on the remote drive (a cursor over a bucket that
//   changes meanwhile may see some keys from before a change and some from
//   after, but every key once, in order).
// - Staged shard writes are one RPC per ShardWriter::write (the remote
//   keeps the file open between them); shard reads one per read_at.
// - The memory-only `*_cached` calls answer kWouldBlock: callers take the
//   blocking path on their pool.
// - online() is the peer's health (PeerHealth): false after a call could not
//   reach the node, until its probe answers again; calls meanwhile fail at
//   once with kDriveOffline.
// - Readers, writers, cursors and leases it returns hold a reference to it.
//   REQUIRES: they do not outlive it.
#pragma once

#include <initializer_list>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "cluster/internode_client.h"
#include "storage/drive.h"
#include "storage/format.h"

namespace silo::cluster {

struct RemoteDriveOptions {
  // Records per cursor page.
  size_t scan_page = 1000;
};

// What read_format found on a remote drive.
struct RemoteFormat {
  enum class State { kFormatted, kUnformatted, kMissingFolder };
  State state = State::kUnformatted;
  storage::Format format;  // when kFormatted
};

class RemoteDrive final : public storage::Drive {
 public:
  // `base_url`: the peer, `http://host:port`; `path`: the drive's root on
  // that node as its command line names it. The client (which carries the
  // internode token) is shared by every RemoteDrive of the node.
  RemoteDrive(std::shared_ptr<InternodeClient> client, std::string base_url, std::string path,
              RemoteDriveOptions options = {});

  // `http://host:port/path`.
  std::string endpoint() const override { return peer_->base_url() + path_; }
  bool online() const override { return peer_->online(); }
  const std::string& path() const { return path_; }

  // Bootstrapping a cluster: the drive's format.json, and writing one to a
  // drive that has none (fails when it has one or its folder is missing).
  Result<RemoteFormat> read_format(Deadline deadline);
  Status write_format(Deadline deadline, const storage::Format& format);
  // One round trip to the node, whatever the peer's known state.
  Status ping(Deadline deadline);

  Status make_bucket(Deadline deadline, const storage::BucketRecord& bucket) override;
  Result<storage::BucketRecord> stat_bucket(Deadline deadline, std::string_view bucket) override;
  Result<storage::BucketRecord> stat_bucket_cached(Deadline deadline,
                                                   std::string_view bucket) override;
  Result<std::vector<storage::BucketRecord>> list_buckets(Deadline deadline) override;
  Status delete_bucket(Deadline deadline, std::string_view bucket) override;

  Result<storage::ObjectRecord> read_object(Deadline deadline, std::string_view bucket,
                                            std::string_view key, bool with_data) override;
  Status commit_object(Deadline deadline, std::string_view bucket, std::string_view key,
                       const storage::ObjectRecord& record, std::string_view staged_id,
                       storage::Replaced replaced = storage::Replaced::kRemove) override;
  Status delete_object(Deadline deadline, std::string_view bucket, std::string_view key,
                       storage::Replaced replaced = storage::Replaced::kRemove) override;
  Status finish_replace(Deadline deadline, std::string_view bucket, std::string_view key) override;
  // Queued (PeerHealth::send_batched) and sent with others as finish_many.
  Status finish_change(Deadline deadline, std::string_view bucket, std::string_view key,
                       const storage::ChangeId& change) override;
  Status update_meta(Deadline deadline, std::string_view bucket, std::string_view key,
                     const storage::ChangeId& version, const storage::KeyValues& meta) override;
  Status undo_replace(Deadline deadline, std::string_view bucket, std::string_view key,
                      const storage::ObjectRecord* committed) override;
  Result<std::vector<std::pair<std::string, std::string>>> pending_replaces(
      Deadline deadline) override;
  Result<storage::ObjectRecord> read_version(Deadline deadline, std::string_view bucket,
                                    std::string_view key, std::string_view version_id,
                                    bool with_data) override;
  Status delete_version(Deadline deadline, std::string_view bucket, std::string_view key,
                        std::string_view version_id) override;
  Result<std::unique_ptr<storage::VersionCursor>> scan_versions(Deadline deadline,
                                                                std::string_view bucket) override;
  Result<std::unique_ptr<storage::ObjectCursor>> scan_objects(Deadline deadline,
                                                              std::string_view bucket) override;

  Result<std::unique_ptr<storage::ShardWriter>> create_staged(Deadline deadline,
                                                              std::string_view staged_id,
                                                              std::string_view name) override;
  void remove_staged(Deadline deadline, std::string_view staged_id) override;
  Result<std::unique_ptr<storage::ShardReader>> open_shard(Deadline deadline,
                                                           std::string_view data_uuid,
                                                           std::string_view name) override;
  Result<std::unique_ptr<storage::DataLease>> lease_data(Deadline deadline,
                                                         std::string_view data_uuid) override;

  Status put_upload(Deadline deadline, const storage::UploadRecord& upload) override;
  Result<storage::UploadRecord> read_upload(Deadline deadline, std::string_view bucket,
                                            std::string_view key,
                                            std::string_view upload_id) override;
  Status commit_part(Deadline deadline, const storage::UploadRecord& upload,
                     const storage::PartRecord& part, std::string_view staged_id,
                     std::string_view name) override;
  Result<std::vector<storage::PartRecord>> list_parts(Deadline deadline,
                                                      const storage::UploadRecord& upload,
                                                      uint32_t after, size_t limit) override;
  Status complete_upload(Deadline deadline, const storage::UploadRecord& upload,
                         const storage::ObjectRecord& record,
                         storage::Replaced replaced = storage::Replaced::kRemove) override;
  Status abort_upload(Deadline deadline, const storage::UploadRecord& upload) override;
  Result<std::unique_ptr<storage::UploadCursor>> scan_uploads(Deadline deadline,
                                                              std::string_view bucket) override;

  Result<storage::DiskInfo> disk_info(Deadline deadline, bool refresh) override;
  Result<storage::BucketUsage> bucket_usage(Deadline deadline, std::string_view bucket) override;
  Status update_bucket(Deadline deadline, const storage::BucketRecord& bucket) override;

  using Args = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  // The path and query of `call` on this drive with `args` (URL-encoded).
  std::string target(std::string_view call, Args args) const;
  // One RPC; the response body.
  Result<std::string> rpc(Deadline deadline, std::string_view call, Args args,
                          std::string_view body = {});
  // One RPC whose response body is read into `out`.
  Result<size_t> rpc_into(Deadline deadline, std::string_view call, Args args,
                          std::span<uint8_t> out);
  // The same, the response body filling `head` first, then `out`.
  Result<size_t> rpc_into(Deadline deadline, std::string_view call, Args args,
                          std::span<uint8_t> head, std::span<uint8_t> out);
  size_t scan_page() const { return options_.scan_page; }

 private:
  Result<storage::DiskInfo> fetch_disk_info(Deadline deadline, bool refresh);
  void forget_bucket(std::string_view bucket);

  const std::shared_ptr<InternodeClient> client_;
  const std::shared_ptr<PeerHealth> peer_;
  const std::string path_;
  const RemoteDriveOptions options_;
  // The last capacity the drive reported: every write checks the room of
  // every drive (object/capacity.h), which must not cost a call each.
  std::mutex disk_mu_;
  std::optional<storage::DiskInfo> disk_;
  std::chrono::steady_clock::time_point disk_at_{};
  bool disk_fetching_ = false;
  // Buckets the drive said exist, and when (see stat_bucket_cached).
  std::mutex buckets_mu_;
  std::unordered_map<std::string, std::pair<storage::BucketRecord, std::chrono::steady_clock::time_point>>
      buckets_;
};

}  // namespace silo::cluster
