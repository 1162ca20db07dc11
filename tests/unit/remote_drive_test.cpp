// The Drive contract through a RemoteDrive: a real HTTP server on loopback
// runs the DriveService over a LocalDrive in a temp folder (wrapped in a
// HookedDrive to slow it down), and every call crosses the wire.
#include "cluster/remote_drive.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <thread>

#include "cluster/drive_service.h"
#include "cluster/internode_auth.h"
#include "cluster/internode_client.h"
#include "hooked_drive.h"
#include "storage/local_drive.h"
#include "storage/versions.h"
#include "loopback_server.h"
#include "temp_dir.h"

namespace silo::cluster {
namespace {

using namespace std::chrono_literals;
using storage::BucketRecord;
using storage::ObjectRecord;
using storage::Replaced;
using storage::UploadRecord;

Deadline soon() { return Deadline::after(5s); }

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One node: its drive, its drive service, its HTTP server (restartable on
// the same port).
class Node {
 public:
  explicit Node(const std::string& root) : root_(root) {
    std::filesystem::create_directories(root);
    auto local = storage::LocalDrive::open(root);
    EXPECT_TRUE(local.has_value());
    hooked_ = std::make_shared<test_support::HookedDrive>(
        std::shared_ptr<storage::Drive>(std::move(*local)));
    service_ = std::make_unique<DriveService>(
        std::map<std::string, std::shared_ptr<storage::Drive>>{{root, hooked_}},
        internode_token("root", "secret"), pool_);
    server_ = std::make_unique<test_support::LoopbackServer>(*service_);
  }
  ~Node() {
    stop();
    hooked_->stall().release();
    pool_.join();
  }

  void start(uint16_t port) { server_->start(port); }
  void stop() { server_->stop(); }
  std::string url() const { return server_->url(); }
  uint16_t port() const { return server_->port(); }
  const std::string& root() const { return root_; }
  test_support::HookedDrive& hooked() { return *hooked_; }
  DriveService& service() { return *service_; }

 private:
  std::string root_;
  boost::asio::thread_pool pool_{4};
  std::shared_ptr<test_support::HookedDrive> hooked_;
  std::unique_ptr<DriveService> service_;
  std::unique_ptr<test_support::LoopbackServer> server_;
};

using test_support::fast_probes;

class RemoteDriveTest : public ::testing::Test {
 protected:
  RemoteDriveTest()
      : node_(dir_.path() + "/n1/d1"),
        client_(
            std::make_shared<InternodeClient>(internode_token("root", "secret"), fast_probes())),
        remote_(client_, node_.url(), node_.root(), RemoteDriveOptions{.scan_page = 3}) {}

  BucketRecord bucket(std::string name) {
    BucketRecord b;
    b.name = std::move(name);
    b.created_ns = 42;
    return b;
  }
  ObjectRecord inline_record(std::string data) {
    ObjectRecord r;
    r.inlined = true;
    r.mod_time_ns = ++clock_;
    r.size = static_cast<int64_t>(data.size());
    r.etag = "e" + std::to_string(clock_);
    r.meta = {{"content-type", "text/plain"}};
    r.inline_data = std::move(data);
    return r;
  }
  void make_bucket(std::string name) {
    ASSERT_TRUE(remote_.make_bucket(soon(), bucket(std::move(name))).has_value());
  }

  test_support::TempDir dir_;
  Node node_;
  std::shared_ptr<InternodeClient> client_;
  RemoteDrive remote_;
  int64_t clock_ = 1000;
};

TEST_F(RemoteDriveTest, EndpointNamesPeerAndPath) {
  EXPECT_EQ(remote_.endpoint(), node_.url() + node_.root());
  EXPECT_TRUE(remote_.online());
  EXPECT_TRUE(remote_.ping(soon()).has_value());
}

TEST_F(RemoteDriveTest, BucketsRoundTripWithTheirErrors) {
  auto b = bucket("photos");
  b.quota_bytes = 1 << 20;
  ASSERT_TRUE(remote_.make_bucket(soon(), b).has_value());
  auto again = remote_.make_bucket(soon(), b);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kBucketAlreadyOwnedByYou);
  auto stat = remote_.stat_bucket(soon(), "photos");
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(*stat, b);
  b.quota_bytes = 0;
  ASSERT_TRUE(remote_.update_bucket(soon(), b).has_value());
  EXPECT_EQ(remote_.stat_bucket(soon(), "photos")->quota_bytes, 0u);
  auto list = remote_.list_buckets(soon());
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "photos");

  ASSERT_TRUE(remote_.commit_object(soon(), "photos", "k", inline_record("x"), "").has_value());
  auto busy = remote_.delete_bucket(soon(), "photos");
  ASSERT_FALSE(busy.has_value());
  EXPECT_EQ(busy.error().code, ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(remote_.delete_object(soon(), "photos", "k").has_value());
  ASSERT_TRUE(remote_.delete_bucket(soon(), "photos").has_value());
  auto gone = remote_.stat_bucket(soon(), "photos");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNoSuchBucket);
}

TEST_F(RemoteDriveTest, WritesAskNoCallForABucketSeenOrTheRoomOfTheLastSecond) {
  make_bucket("photos");
  // Unknown yet: the caller must ask.
  EXPECT_EQ(remote_.stat_bucket_cached(soon(), "photos").error().code, ErrorCode::kWouldBlock);
  ASSERT_TRUE(remote_.stat_bucket(soon(), "photos").has_value());
  EXPECT_TRUE(remote_.stat_bucket_cached(soon(), "photos").has_value());
  auto room = remote_.disk_info(soon(), false);
  ASSERT_TRUE(room.has_value());
  // With the node stopped, both answers come from memory.
  uint16_t port = node_.port();
  node_.stop();
  EXPECT_TRUE(remote_.stat_bucket_cached(soon(), "photos").has_value());
  auto again = remote_.disk_info(soon(), false);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->total, room->total);
  EXPECT_FALSE(remote_.disk_info(soon(), true).has_value());  // a refresh asks
  node_.start(port);
  for (int i = 0; i < 100 && !remote_.online(); ++i) std::this_thread::sleep_for(20ms);
  // A deleted bucket is forgotten at once; a remembered one after a second.
  ASSERT_TRUE(remote_.delete_bucket(soon(), "photos").has_value());
  EXPECT_EQ(remote_.stat_bucket_cached(soon(), "photos").error().code, ErrorCode::kWouldBlock);
  make_bucket("logs");
  ASSERT_TRUE(remote_.stat_bucket(soon(), "logs").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(remote_.stat_bucket_cached(soon(), "logs").error().code, ErrorCode::kWouldBlock);
}

TEST_F(RemoteDriveTest, InlineObjectsCommitReadAndDelete) {
  make_bucket("b");
  auto rec = inline_record(std::string("bin\0ary", 7));
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "dir/ key+é?&=", rec, "").has_value());
  auto with = remote_.read_object(soon(), "b", "dir/ key+é?&=", true);
  ASSERT_TRUE(with.has_value());
  EXPECT_EQ(*with, rec);
  auto without = remote_.read_object(soon(), "b", "dir/ key+é?&=", false);
  ASSERT_TRUE(without.has_value());
  EXPECT_TRUE(without->inline_data.empty());
  auto usage = remote_.bucket_usage(soon(), "b");
  ASSERT_TRUE(usage.has_value());
  EXPECT_EQ(usage->objects, 1);
  ASSERT_TRUE(remote_.delete_object(soon(), "b", "dir/ key+é?&=").has_value());
  auto missing = remote_.read_object(soon(), "b", "dir/ key+é?&=", false);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNoSuchKey);
  auto no_bucket = remote_.read_object(soon(), "nope", "k", false);
  ASSERT_FALSE(no_bucket.has_value());
  EXPECT_EQ(no_bucket.error().code, ErrorCode::kNoSuchBucket);
  EXPECT_EQ(remote_.read_object_cached(soon(), "b", "k", false).error().code,
            ErrorCode::kWouldBlock);
}

TEST_F(RemoteDriveTest, StagedShardsStreamInAndReadBackAtOffsets) {
  make_bucket("b");
  std::string data;
  for (int i = 0; i < 300000; ++i) data.push_back(static_cast<char>(i * 7));
  auto writer = remote_.create_staged(soon(), "stage1", "part.1");
  ASSERT_TRUE(writer.has_value());
  EXPECT_EQ(node_.service().open_writers(), 1u);
  for (size_t off = 0; off < data.size(); off += 100000) {
    ASSERT_TRUE((*writer)->write(soon(), bytes_of(std::string_view(data).substr(off, 100000))));
  }
  ASSERT_TRUE((*writer)->close(soon()).has_value());
  EXPECT_EQ(node_.service().open_writers(), 0u);

  ObjectRecord rec;
  rec.data_uuid = "11111111-2222-3333-4444-555555555555";
  rec.mod_time_ns = 7;
  rec.size = static_cast<int64_t>(data.size());
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "big", rec, "stage1").has_value());

  auto reader = remote_.open_shard(soon(), rec.data_uuid, "part.1");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->size(), data.size());
  std::vector<uint8_t> out(50000);
  auto n = (*reader)->read_at(soon(), 123456, out);
  ASSERT_TRUE(n.has_value());
  ASSERT_EQ(*n, out.size());
  EXPECT_EQ(std::string(out.begin(), out.end()), data.substr(123456, 50000));
  auto tail = (*reader)->read_at(soon(), data.size() - 10, out);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(*tail, 10u);
  EXPECT_EQ(*(*reader)->read_at(soon(), data.size(), out), 0u);
  // A frame's hash and data in one call: the first bytes, then the rest.
  uint8_t head[32];
  std::vector<uint8_t> body(40000);
  auto both = (*reader)->read_split(soon(), 1000, head, body);
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(*both, 32u + body.size());
  EXPECT_EQ(std::string(head, head + 32), data.substr(1000, 32));
  EXPECT_EQ(std::string(body.begin(), body.end()), data.substr(1032, 40000));

  auto missing = remote_.open_shard(soon(), "99999999-2222-3333-4444-555555555555", "part.1");
  ASSERT_FALSE(missing.has_value());
}

TEST_F(RemoteDriveTest, RemoveStagedDropsOpenWriters) {
  auto writer = remote_.create_staged(soon(), "s2", "part.1");
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE((*writer)->write(soon(), bytes_of("abc")).has_value());
  remote_.remove_staged(soon(), "s2");
  EXPECT_EQ(node_.service().open_writers(), 0u);
  EXPECT_FALSE((*writer)->write(soon(), bytes_of("def")).has_value());
}

TEST_F(RemoteDriveTest, LeasesAreHeldUntilTheirOwnerDropsThem) {
  make_bucket("b");
  ASSERT_TRUE(remote_.create_staged(soon(), "s", "part.1").value()->close(soon()).has_value());
  ObjectRecord rec;
  rec.data_uuid = "11111111-2222-3333-4444-666666666666";
  rec.mod_time_ns = 9;
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", rec, "s").has_value());
  auto lease = remote_.lease_data(soon(), rec.data_uuid);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(node_.service().held_leases(), 1u);
  lease->reset();  // released in the background
  for (int i = 0; i < 100 && node_.service().held_leases() > 0; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(node_.service().held_leases(), 0u);
  auto gone = remote_.lease_data(soon(), "99999999-2222-3333-4444-666666666666");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNoSuchKey);
}

TEST_F(RemoteDriveTest, KeptReplacementIsFinishedOrUndone) {
  make_bucket("b");
  auto v1 = inline_record("one");
  auto v2 = inline_record("two");
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", v1, "").has_value());
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", v2, "", Replaced::kKeep).has_value());
  auto pending = remote_.pending_replaces(soon());
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].first, "b");
  EXPECT_EQ((*pending)[0].second, "k");
  ASSERT_TRUE(remote_.undo_replace(soon(), "b", "k", &v2).has_value());
  EXPECT_EQ(remote_.read_object(soon(), "b", "k", true)->inline_data, "one");

  ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", v2, "", Replaced::kKeep).has_value());
  ASSERT_TRUE(remote_.finish_replace(soon(), "b", "k").has_value());
  EXPECT_EQ(remote_.read_object(soon(), "b", "k", true)->inline_data, "two");
  EXPECT_TRUE(remote_.pending_replaces(soon())->empty());

  ASSERT_TRUE(remote_.delete_object(soon(), "b", "k", Replaced::kKeep).has_value());
  ASSERT_TRUE(remote_.undo_replace(soon(), "b", "k", nullptr).has_value());
  EXPECT_EQ(remote_.read_object(soon(), "b", "k", true)->inline_data, "two");
}

TEST_F(RemoteDriveTest, AFinishedChangeReachesTheNodeInTheBackground) {
  make_bucket("b");
  auto v1 = inline_record("one");
  auto v2 = inline_record("two");
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", v1, "").has_value());
  ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", v2, "", Replaced::kKeep).has_value());
  ASSERT_TRUE(
      remote_.finish_change(soon(), "b", "k", storage::ChangeId{false, v2.mod_time_ns, ""}));
  bool settled = false;
  for (int i = 0; i < 200 && !settled; ++i) {
    settled = remote_.pending_replaces(soon())->empty();
    if (!settled) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(settled);
  EXPECT_EQ(remote_.read_object(soon(), "b", "k", true)->inline_data, "two");
}

UploadRecord upload(std::string key, std::string id) {
  UploadRecord u;
  u.bucket = "b";
  u.key = std::move(key);
  u.upload_id = std::move(id);
  u.data_uuid =
      "aaaaaaaa-2222-3333-4444-" + std::string(12 - u.upload_id.size(), '0') + u.upload_id;
  u.initiated_ns = 5;
  return u;
}

TEST_F(RemoteDriveTest, MultipartUploadFromPartsToCompletion) {
  make_bucket("b");
  auto u = upload("video", "1");
  ASSERT_TRUE(remote_.put_upload(soon(), u).has_value());
  EXPECT_EQ(*remote_.read_upload(soon(), "b", "video", "1"), u);
  auto missing = remote_.read_upload(soon(), "b", "video", "2");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNoSuchUpload);

  for (uint32_t n = 1; n <= 3; ++n) {
    auto stage = "p" + std::to_string(n);
    auto w = remote_.create_staged(soon(), stage, "part.1");
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->write(soon(), bytes_of("part data")).has_value());
    ASSERT_TRUE((*w)->close(soon()).has_value());
    storage::PartRecord p;
    p.number = n;
    p.size = 9;
    p.etag = "etag" + std::to_string(n);
    ASSERT_TRUE(remote_.commit_part(soon(), u, p, stage, "part.1").has_value());
  }
  auto parts = remote_.list_parts(soon(), u, 1, 10);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].number, 2u);
  EXPECT_EQ((*parts)[1].etag, "etag3");

  ObjectRecord rec;
  rec.data_uuid = u.data_uuid;
  rec.mod_time_ns = 11;
  rec.size = 27;
  rec.etag = "x-3";
  for (uint32_t n = 1; n <= 3; ++n) rec.parts.push_back({n, 9, "etag" + std::to_string(n), {}});
  ASSERT_TRUE(remote_.complete_upload(soon(), u, rec).has_value());
  EXPECT_EQ(remote_.read_object(soon(), "b", "video", false)->parts.size(), 3u);
  EXPECT_FALSE(remote_.read_upload(soon(), "b", "video", "1").has_value());

  auto other = upload("other", "7");
  ASSERT_TRUE(remote_.put_upload(soon(), other).has_value());
  ASSERT_TRUE(remote_.abort_upload(soon(), other).has_value());
  EXPECT_FALSE(remote_.read_upload(soon(), "b", "other", "7").has_value());
}

TEST_F(RemoteDriveTest, ObjectCursorWalksEveryPageInOrder) {
  make_bucket("b");
  for (int i = 0; i < 10; ++i) {
    auto key = "k" + std::to_string(i);
    ASSERT_TRUE(remote_.commit_object(soon(), "b", key, inline_record(key), "").has_value());
  }
  auto cursor = remote_.scan_objects(soon(), "b");
  ASSERT_TRUE(cursor.has_value());
  auto& c = **cursor;
  std::vector<std::string> keys;
  for (c.seek(""); c.valid(); c.next()) {
    keys.emplace_back(c.key());
    auto r = c.record();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->size, 2);
    EXPECT_TRUE(r->inline_data.empty());
  }
  EXPECT_TRUE(c.status().has_value());
  ASSERT_EQ(keys.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(keys[i], "k" + std::to_string(i));

  keys.clear();
  for (c.seek("k45"); c.valid(); c.next()) keys.emplace_back(c.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"k5", "k6", "k7", "k8", "k9"}));
}

TEST_F(RemoteDriveTest, VersionsAreReadDeletedAndScannedAcrossPages) {
  make_bucket("b");
  std::vector<ObjectRecord> made;
  for (int i = 0; i < 4; ++i) {
    auto rec = inline_record(std::string(1, static_cast<char>('a' + i)));
    rec.version_id = storage::new_version_id(rec.mod_time_ns);
    ASSERT_TRUE(remote_.commit_object(soon(), "b", "k", rec, "").has_value());
    made.push_back(rec);
  }
  auto old = remote_.read_version(soon(), "b", "k", made[0].version_id, true);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->inline_data, "a");
  auto cursor = remote_.scan_versions(soon(), "b");
  ASSERT_TRUE(cursor.has_value());
  auto& c = **cursor;
  std::vector<std::string> ids;
  std::vector<bool> current;
  for (c.seek("", ""); c.valid(); c.next()) {  // pages of 3: crosses a page
    ids.emplace_back(c.record()->version_id);
    current.push_back(c.current());
  }
  EXPECT_TRUE(c.status().has_value());
  EXPECT_EQ(ids, (std::vector<std::string>{made[3].version_id, made[2].version_id,
                                           made[1].version_id, made[0].version_id}));
  EXPECT_EQ(current, (std::vector<bool>{true, false, false, false}));
  ASSERT_TRUE(remote_.delete_version(soon(), "b", "k", made[3].version_id).has_value());
  EXPECT_EQ(remote_.read_object(soon(), "b", "k", true)->inline_data, "c");
  EXPECT_EQ(remote_.delete_version(soon(), "b", "k", made[3].version_id).error().code,
            ErrorCode::kNoSuchKey);
}

TEST_F(RemoteDriveTest, UploadCursorWalksEveryPageInOrder) {
  make_bucket("b");
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(remote_.put_upload(soon(), upload("key", std::to_string(i))).has_value());
  }
  auto cursor = remote_.scan_uploads(soon(), "b");
  ASSERT_TRUE(cursor.has_value());
  auto& c = **cursor;
  std::vector<std::string> ids;
  for (c.seek("", ""); c.valid(); c.next()) ids.push_back(c.record()->upload_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
  ids.clear();
  for (c.seek("key", "4"); c.valid(); c.next()) ids.push_back(c.record()->upload_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"4", "5", "6"}));
}

TEST_F(RemoteDriveTest, FormatIsReadAndWrittenOnlyWhenAbsent) {
  auto before = remote_.read_format(soon());
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->state, RemoteFormat::State::kUnformatted);
  storage::Format f;
  f.deployment_id = "dep";
  f.drive_id = "drive-1";
  f.sets = {{"drive-1", "drive-2"}};
  ASSERT_TRUE(remote_.write_format(soon(), f).has_value());
  auto after = remote_.read_format(soon());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->state, RemoteFormat::State::kFormatted);
  EXPECT_EQ(after->format.drive_id, "drive-1");
  EXPECT_EQ(after->format.sets, f.sets);
  EXPECT_FALSE(remote_.write_format(soon(), f).has_value());
}

TEST_F(RemoteDriveTest, UnknownDriveIsRefused) {
  RemoteDrive other(client_, node_.url(), "/not/a/drive/of/that/node");
  auto r = other.list_buckets(soon());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
}

TEST_F(RemoteDriveTest, SlowDriveCallEndsByItsDeadline) {
  make_bucket("b");
  node_.hooked().stall().set_delay(3000ms);
  auto started = std::chrono::steady_clock::now();
  auto r = remote_.list_buckets(Deadline::after(300ms));
  auto took = std::chrono::steady_clock::now() - started;
  node_.hooked().stall().release();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDriveTimeout);
  EXPECT_LT(took, 1000ms);
  // A slow drive is not a dead node: the probe keeps the peer online.
  std::this_thread::sleep_for(400ms);
  EXPECT_TRUE(remote_.online());
  EXPECT_TRUE(remote_.list_buckets(soon()).has_value());
}

TEST_F(RemoteDriveTest, StoppedNodeIsOfflineUntilItIsBack) {
  make_bucket("b");
  uint16_t port = node_.port();
  node_.stop();
  auto r = remote_.stat_bucket(soon(), "b");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDriveOffline);
  EXPECT_FALSE(remote_.online());
  auto started = std::chrono::steady_clock::now();
  auto fast = remote_.stat_bucket(soon(), "b");
  EXPECT_EQ(fast.error().code, ErrorCode::kDriveOffline);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 50ms);

  node_.start(port);
  for (int i = 0; i < 100 && !remote_.online(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(remote_.online());
  EXPECT_TRUE(remote_.stat_bucket(soon(), "b").has_value());
}

TEST(InternodeAuth, TokenDependsOnBothRootCredentials) {
  auto t = internode_token("root", "secret");
  EXPECT_EQ(t, internode_token("root", "secret"));
  EXPECT_NE(t, internode_token("root", "secret2"));
  EXPECT_NE(t, internode_token("admin", "secret"));
  EXPECT_EQ(t.size(), 64u);
  EXPECT_TRUE(internode_token_ok(t, t));
  EXPECT_FALSE(internode_token_ok(t, t.substr(1)));
  EXPECT_FALSE(internode_token_ok("", ""));
}

TEST(InternodeAuth, WrongTokenIsRefused) {
  test_support::TempDir dir;
  Node node(dir.path() + "/d1");
  auto client = std::make_shared<InternodeClient>(internode_token("root", "wrong"), fast_probes());
  RemoteDrive remote(client, node.url(), node.root());
  auto r = remote.list_buckets(soon());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAccessDenied);
  auto p = remote.ping(soon());
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kAccessDenied);
}

}  // namespace
}  // namespace silo::cluster
