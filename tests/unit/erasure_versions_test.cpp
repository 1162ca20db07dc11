// Versions on a 4-drive erasure set (EC 2+2): ids, delete markers, reads and
// deletes by id, the version listing, and what quorum does with them when
// drives fail or are offline.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hooked_drive.h"
#include "object/erasure_set.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::object {
namespace {

using silo::test_support::HookedDrive;
using silo::test_support::TempDir;

constexpr size_t kDrives = 4;

std::string entry(const ObjectInfo& v) {
  std::string out = v.key;
  out.push_back('/');
  out.append(v.version_id);
  return out;
}

class ErasureVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (size_t j = 0; j < kDrives; ++j) {
      auto d = storage::LocalDrive::open(dirs_[j].path());
      ASSERT_TRUE(d) << d.error().text();
      hooked_.push_back(
          std::make_shared<HookedDrive>(std::shared_ptr<storage::LocalDrive>(std::move(*d))));
    }
    ErasureSetOptions o;
    o.standard_parity = 2;
    std::vector<std::shared_ptr<storage::Drive>> drives(hooked_.begin(), hooked_.end());
    set_ = std::make_unique<ErasureSet>(std::move(drives), o);
    ASSERT_TRUE(set_->make_bucket("bkt"));
  }

  Result<ObjectInfo> put(std::string_view key, std::string_view data,
                         Versioning versioning = Versioning::kEnabled) {
    PutOptions o;
    o.versioning = versioning;
    auto w = set_->begin_put("bkt", key, o);
    if (!w) return std::unexpected(w.error());
    if (auto s = (*w)->write({reinterpret_cast<const uint8_t*>(data.data()), data.size()}); !s) {
      return std::unexpected(s.error());
    }
    return (*w)->commit(PutFinal{});
  }

  std::string read_all(Result<std::unique_ptr<ObjectReader>> r) {
    if (!r) {
      std::string out("<");
      out.append(error_code_name(r.error().code));
      out.push_back('>');
      return out;
    }
    std::string out;
    std::vector<uint8_t> buf(1 << 20);
    while (auto n = (*r)->read(buf)) {
      if (*n == 0) break;
      out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    return out;
  }
  std::string get(std::string_view key) { return read_all(set_->open_object("bkt", key)); }
  std::string get(std::string_view key, std::string_view version) {
    return read_all(set_->open_version("bkt", key, version));
  }

  Result<DeleteResult> remove(std::string_view key, std::optional<std::string> version = {},
                              Versioning versioning = Versioning::kEnabled) {
    DeleteOptions o;
    o.version_id = std::move(version);
    o.versioning = versioning;
    return set_->delete_versioned("bkt", key, o);
  }

  VersionListing list(VersionListParams p = {}) {
    auto l = set_->list_versions("bkt", p);
    EXPECT_TRUE(l) << l.error().text();
    return l ? *l : VersionListing{};
  }

  TempDir dirs_[kDrives];
  std::vector<std::shared_ptr<HookedDrive>> hooked_;
  std::unique_ptr<ErasureSet> set_;
};

TEST_F(ErasureVersionsTest, EveryVersionStaysReadableByItsId) {
  std::string big(600 * 1024, 'x');  // in shard files, not inline
  auto plain = put("k", "before", Versioning::kUnversioned);
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->version_id.empty());
  auto a = put("k", big);
  auto b = put("k", "small");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->version_id, b->version_id);
  EXPECT_EQ(get("k"), "small");
  EXPECT_EQ(get("k", a->version_id), big);
  EXPECT_EQ(get("k", ""), "before");
  EXPECT_EQ(set_->head_version("bkt", "k", a->version_id)->size, static_cast<int64_t>(big.size()));
  EXPECT_EQ(set_->head_version("bkt", "k", std::string(32, 'a')).error().code,
            ErrorCode::kNoSuchVersion);
}

TEST_F(ErasureVersionsTest, ADeleteMarkerHidesTheKeyUntilItIsRemoved) {
  auto a = put("k", "a");
  ASSERT_TRUE(a);
  auto marker = remove("k");
  ASSERT_TRUE(marker);
  EXPECT_TRUE(marker->delete_marker);
  auto head = set_->head_object("bkt", "k");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kNoSuchKey);
  EXPECT_TRUE(head.error().delete_marker);
  EXPECT_EQ(head.error().version_id, marker->version_id);
  EXPECT_EQ(set_->head_version("bkt", "k", marker->version_id).error().code,
            ErrorCode::kMethodNotAllowed);
  EXPECT_TRUE(set_->list_objects("bkt", {})->objects.empty());
  auto gone = remove("k", marker->version_id);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->delete_marker);
  EXPECT_EQ(get("k"), "a");
}

TEST_F(ErasureVersionsTest, ListingShowsEveryVersionNewestFirstAndPages) {
  std::vector<std::string> ids;
  for (std::string key : {"a", "b"}) {
    for (char i = '0'; i < '3'; ++i) {
      std::string body = key;
      body.push_back(i);
      auto r = put(key, body);
      ASSERT_TRUE(r);
      ids.push_back(r->version_id);
    }
  }
  auto marker = remove("b");
  ASSERT_TRUE(marker);
  auto all = list();
  ASSERT_EQ(all.versions.size(), 7u);
  EXPECT_EQ(all.versions[0].version_id, ids[2]);
  EXPECT_TRUE(all.versions[0].is_latest);
  EXPECT_FALSE(all.versions[1].is_latest);
  EXPECT_TRUE(all.versions[3].delete_marker);
  EXPECT_TRUE(all.versions[3].is_latest);
  EXPECT_FALSE(all.versions[4].is_latest);
  // Two at a time, from the markers each page gives: every version once.
  VersionListParams p;
  p.max_keys = 2;
  std::vector<std::string> paged;
  while (true) {
    auto page = list(p);
    for (const auto& v : page.versions) paged.push_back(entry(v));
    if (!page.truncated) break;
    p.key_marker = page.next_key_marker;
    p.version_marker = page.next_version_marker;
  }
  ASSERT_EQ(paged.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(paged[i], entry(all.versions[i]));
  }
}

TEST_F(ErasureVersionsTest, VersionsStayReadableWithADriveOffline) {
  auto a = put("k", std::string(300 * 1024, 'a'));
  auto b = put("k", "b");
  ASSERT_TRUE(a && b);
  hooked_[1]->offline = true;
  EXPECT_EQ(get("k", a->version_id), std::string(300 * 1024, 'a'));
  auto c = put("k", "c");
  ASSERT_TRUE(c);
  EXPECT_EQ(list().versions.size(), 3u);
  ASSERT_TRUE(remove("k", a->version_id));
  hooked_[1]->offline = false;
  EXPECT_EQ(get("k", a->version_id), "<NoSuchVersion>");
  EXPECT_EQ(get("k"), "c");
}

TEST_F(ErasureVersionsTest, AVersionedWriteBelowQuorumLeavesTheVersionsAsTheyWere) {
  auto a = put("k", "a");
  ASSERT_TRUE(a);
  hooked_[0]->fail_commits_after = 0;
  hooked_[1]->fail_commits_after = 0;
  auto b = put("k", "b");
  ASSERT_FALSE(b);
  hooked_[0]->fail_commits_after = SIZE_MAX;
  hooked_[1]->fail_commits_after = SIZE_MAX;
  EXPECT_EQ(get("k"), "a");
  auto all = list();
  ASSERT_EQ(all.versions.size(), 1u);
  EXPECT_EQ(all.versions[0].version_id, a->version_id);
}

}  // namespace
}  // namespace silo::object
