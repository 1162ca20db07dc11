// LocalDrive's versions: what a commit does with the version it replaces in
// a versioned bucket, reads and deletes by version id, the version cursor,
// and taking back a change that kept its predecessor as a noncurrent one.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "storage/local_drive.h"
#include "storage/versions.h"
#include "temp_dir.h"

namespace silo::storage {
namespace {

constexpr Deadline kNoDeadline = Deadline::never();
namespace fs = std::filesystem;

// "key/id" with a "*" for the current version, as versions() lists them.
// (Built with append: GCC 12 warns falsely on chains of operator+.)
std::string entry(std::string_view key, std::string_view id, bool current = false) {
  std::string out(key);
  out.push_back('/');
  out.append(id);
  if (current) out.push_back('*');
  return out;
}

class DriveVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open();
    ASSERT_TRUE(drive_->make_bucket(kNoDeadline, {"bkt", 1}));
  }
  void open() {
    drive_.reset();
    auto d = LocalDrive::open(dir_.path());
    ASSERT_TRUE(d) << d.error().text();
    drive_ = std::move(*d);
  }
  std::string data_dir(const std::string& uuid) const {
    return dir_.path() + "/data/" + uuid.substr(0, 2) + "/" + uuid.substr(2, 2) + "/" + uuid;
  }

  // An inline version whose data is `body`, made at `time` (ns); `versioned`
  // gives it an id as an Enabled bucket does, else it is the null version.
  ObjectRecord inline_version(std::string body, int64_t time, bool versioned) {
    ObjectRecord r;
    r.inlined = true;
    r.inline_data = std::move(body);
    r.size = static_cast<int64_t>(r.inline_data.size());
    r.mod_time_ns = time;
    r.etag = std::to_string(time);
    if (versioned) r.version_id = new_version_id(time);
    return r;
  }
  ObjectRecord put(std::string body, int64_t time, bool versioned,
                   Replaced replaced = Replaced::kRemove) {
    ObjectRecord r = inline_version(std::move(body), time, versioned);
    auto s = drive_->commit_object(kNoDeadline, "bkt", "k", r, "", replaced);
    EXPECT_TRUE(s) << s.error().text();
    return r;
  }
  // A version whose data is a file.
  ObjectRecord put_file(int64_t time, bool versioned) {
    std::string staged = new_uuid();
    auto w = drive_->create_staged(kNoDeadline, staged, "part.1");
    EXPECT_TRUE(w);
    EXPECT_TRUE((*w)->write(kNoDeadline, {reinterpret_cast<const uint8_t*>("file"), 4}));
    EXPECT_TRUE((*w)->close(kNoDeadline));
    ObjectRecord r;
    r.data_uuid = new_uuid();
    r.size = 4;
    r.mod_time_ns = time;
    if (versioned) r.version_id = new_version_id(time);
    EXPECT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "k", r, staged));
    return r;
  }
  std::string body_of(std::string_view version_id) {
    auto r = drive_->read_version(kNoDeadline, "bkt", "k", version_id, true);
    if (!r) {
      std::string out("<");
      out.append(error_code_name(r.error().code));
      out.push_back('>');
      return out;
    }
    return r->inline_data;
  }
  // (key, version id or "null", current) of every version, in cursor order.
  std::vector<std::string> versions(std::string_view from_key = "",
                                    std::string_view from_token = "") {
    auto c = drive_->scan_versions(kNoDeadline, "bkt");
    EXPECT_TRUE(c);
    std::vector<std::string> out;
    for ((*c)->seek(from_key, from_token); (*c)->valid(); (*c)->next()) {
      auto r = (*c)->record();
      EXPECT_TRUE(r);
      EXPECT_EQ((*c)->token(), version_token(*r));
      EXPECT_TRUE(r->inline_data.empty());
      std::string id = r->version_id.empty() ? "null" : r->version_id;
      out.push_back(entry((*c)->key(), id, (*c)->current()));
    }
    EXPECT_TRUE((*c)->status());
    return out;
  }

  test_support::TempDir dir_;
  std::unique_ptr<LocalDrive> drive_;
};

TEST(VersionIds, SortNewestFirstAndAreRecognised) {
  std::string older = new_version_id(1'000);
  std::string newer = new_version_id(2'000);
  EXPECT_LT(newer, older);
  EXPECT_TRUE(well_formed_version_id(older));
  EXPECT_FALSE(well_formed_version_id("null"));
  EXPECT_FALSE(well_formed_version_id(older.substr(1)));
  EXPECT_FALSE(well_formed_version_id("../../../../etc/passwd0000000000"));
  ObjectRecord null_version;
  null_version.mod_time_ns = 1'500;
  std::string token = version_token(null_version);
  EXPECT_TRUE(is_null_token(token));
  EXPECT_LT(newer, token);
  EXPECT_LT(token, older);
}

TEST_F(DriveVersionsTest, AnUnversionedOverwriteReplacesTheNullVersion) {
  put("one", 1, false);
  put("two", 2, false);
  EXPECT_EQ(versions(), std::vector<std::string>{"k/null*"});
  EXPECT_EQ(body_of(""), "two");
}

TEST_F(DriveVersionsTest, AVersionedWriteKeepsWhatItReplaces) {
  put("null", 1, false);
  auto a = put("a", 2, true);
  auto b = put("b", 3, true);
  EXPECT_EQ(versions(),
            (std::vector<std::string>{entry("k", b.version_id, true), entry("k", a.version_id), "k/null"}));
  EXPECT_EQ(body_of(b.version_id), "b");
  EXPECT_EQ(body_of(a.version_id), "a");
  EXPECT_EQ(body_of(""), "null");
  EXPECT_EQ(drive_->read_object(kNoDeadline, "bkt", "k", true)->inline_data, "b");
  EXPECT_EQ(body_of(new_version_id(9)), "<NoSuchKey>");
  auto usage = drive_->bucket_usage(kNoDeadline, "bkt");
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage->objects, 3);
  EXPECT_EQ(usage->bytes, 6);
}

TEST_F(DriveVersionsTest, ASuspendedWriteReplacesOnlyTheNullVersion) {
  put("null", 1, false);
  auto a = put("a", 2, true);
  put("again", 3, false);  // Suspended: the old null version goes, "a" stays
  EXPECT_EQ(versions(), (std::vector<std::string>{"k/null*", entry("k", a.version_id)}));
  EXPECT_EQ(body_of(""), "again");
}

TEST_F(DriveVersionsTest, DeletingTheCurrentVersionMakesTheNewestOtherCurrent) {
  auto a = put("a", 1, true);
  auto b = put("b", 2, true);
  auto c = put("c", 3, true);
  ASSERT_TRUE(drive_->delete_version(kNoDeadline, "bkt", "k", c.version_id));
  EXPECT_EQ(drive_->read_object(kNoDeadline, "bkt", "k", true)->inline_data, "b");
  ASSERT_TRUE(drive_->delete_version(kNoDeadline, "bkt", "k", a.version_id));
  EXPECT_EQ(versions(), std::vector<std::string>{entry("k", b.version_id, true)});
  EXPECT_EQ(drive_->delete_version(kNoDeadline, "bkt", "k", a.version_id).error().code,
            ErrorCode::kNoSuchKey);
  ASSERT_TRUE(drive_->delete_version(kNoDeadline, "bkt", "k", b.version_id));
  EXPECT_TRUE(versions().empty());
  EXPECT_TRUE(drive_->delete_bucket(kNoDeadline, "bkt"));
}

TEST_F(DriveVersionsTest, ANoncurrentVersionKeepsTheBucketAndItsDataUntilDeleted) {
  auto file = put_file(1, true);
  put("b", 2, true);
  ASSERT_TRUE(fs::exists(data_dir(file.data_uuid)));
  auto marker = inline_version("", 3, true);
  marker.delete_marker = true;
  marker.inlined = false;
  ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", "k", marker, ""));
  auto deleted = drive_->read_object(kNoDeadline, "bkt", "k", false);
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->delete_marker);
  EXPECT_EQ(drive_->delete_bucket(kNoDeadline, "bkt").error().code, ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(drive_->delete_version(kNoDeadline, "bkt", "k", file.version_id));
  EXPECT_FALSE(fs::exists(data_dir(file.data_uuid)));
}

TEST_F(DriveVersionsTest, UndoOfAVersionedChangeMakesItsPredecessorCurrentAgain) {
  auto a = put("a", 1, true);
  auto b = put("b", 2, true, Replaced::kKeep);
  EXPECT_EQ(versions(), (std::vector<std::string>{entry("k", b.version_id, true), entry("k", a.version_id)}));
  open();  // the change is still undecided after a restart
  ASSERT_EQ(drive_->pending_replaces(kNoDeadline)->size(), 1u);
  ASSERT_TRUE(drive_->undo_replace(kNoDeadline, "bkt", "k", &b));
  EXPECT_EQ(versions(), std::vector<std::string>{entry("k", a.version_id, true)});
  EXPECT_EQ(body_of(a.version_id), "a");
  EXPECT_TRUE(drive_->pending_replaces(kNoDeadline)->empty());
}

TEST_F(DriveVersionsTest, FinishingAVersionedChangeKeepsBothVersions) {
  auto a = put("a", 1, true);
  auto b = put("b", 2, true, Replaced::kKeep);
  ASSERT_TRUE(drive_->finish_replace(kNoDeadline, "bkt", "k"));
  EXPECT_EQ(body_of(a.version_id), "a");
  EXPECT_EQ(body_of(b.version_id), "b");
}

TEST_F(DriveVersionsTest, TheCursorMergesKeysAndSeeksToAVersion) {
  std::vector<ObjectRecord> made;
  for (std::string key : {"a", "a/b", "b"}) {
    for (int64_t t = 1; t <= 2; ++t) {
      ObjectRecord r = inline_version(key, t, true);
      ASSERT_TRUE(drive_->commit_object(kNoDeadline, "bkt", key, r, ""));
      made.push_back(r);
    }
  }
  auto all = versions();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0], entry("a", made[1].version_id, true));
  EXPECT_EQ(all[1], entry("a", made[0].version_id));
  EXPECT_EQ(all[2], entry("a/b", made[3].version_id, true));
  EXPECT_EQ(all[5], entry("b", made[4].version_id));
  // From a version on: that version first.
  auto from = versions("a/b", made[2].version_id);
  ASSERT_EQ(from.size(), 3u);
  EXPECT_EQ(from[0], entry("a/b", made[2].version_id));
}

}  // namespace
}  // namespace silo::storage
