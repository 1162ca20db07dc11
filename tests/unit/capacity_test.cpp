#include "object/capacity.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hooked_drive.h"
#include "object/pools.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::object {
namespace {

constexpr Deadline kNoDeadline = Deadline::never();

using silo::test_support::HookedDrive;
using silo::test_support::TempDir;

constexpr size_t kMiB = 1024 * 1024;

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One erasure set of four drives (EC 2+2: write quorum 3) behind Pools.
class CapacityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::shared_ptr<storage::Drive>> drives;
    for (auto& dir : dirs_) {
      auto d = storage::LocalDrive::open(dir.path());
      ASSERT_TRUE(d) << d.error().text();
      hooked_.push_back(std::make_shared<HookedDrive>(std::move(*d)));
      drives.push_back(hooked_.back());
    }
    ErasureSetOptions options;
    options.standard_parity = 2;
    options.reduced_parity = 1;
    std::vector<std::unique_ptr<ErasureSet>> sets;
    sets.push_back(std::make_unique<ErasureSet>(drives, options));
    pools_ = std::make_unique<Pools>(std::move(sets), "deployment");
    ASSERT_TRUE(pools_->make_bucket("bkt"));
  }

  Result<ObjectInfo> put(const std::string& key, const std::string& data) {
    PutOptions options;
    options.size = data.size();
    auto w = pools_->begin_put("bkt", key, std::move(options));
    if (!w) return std::unexpected(w.error());
    if (auto s = (*w)->write(bytes(data)); !s) return std::unexpected(s.error());
    return (*w)->commit({});
  }

  std::string get(const std::string& key) {
    auto r = pools_->open_object("bkt", key);
    EXPECT_TRUE(r) << r.error().text();
    if (!r) return {};
    std::string out(static_cast<size_t>((*r)->info().size), '\0');
    auto n = (*r)->read({reinterpret_cast<uint8_t*>(out.data()), out.size()});
    EXPECT_TRUE(n);
    return out;
  }

  TempDir dirs_[4];
  std::vector<std::shared_ptr<HookedDrive>> hooked_;
  std::unique_ptr<Pools> pools_;
};

TEST_F(CapacityTest, AFullDriveCostsItsShardOnlyAndTheWriteStands) {
  hooked_[0]->full = true;
  for (size_t size : {size_t{1000}, 3 * kMiB}) {
    std::string data(size, 'a');
    std::string key = std::to_string(size) + "-bytes";
    auto info = put(key, data);
    ASSERT_TRUE(info) << info.error().text();
    EXPECT_EQ(get(key), data);
  }
  EXPECT_TRUE(hooked_[0]->online());
}

TEST_F(CapacityTest, TooFewDrivesWithRoomRefuseWithStorageFullBeforeAnyByte) {
  hooked_[0]->full = true;
  hooked_[1]->full = true;
  auto room = pools_->set(0).room("k", "", 1000, false);
  EXPECT_EQ(room.needed, 3u);
  EXPECT_EQ(room.online, 4u);
  EXPECT_EQ(room.writable, 2u);
  EXPECT_TRUE(room.out_of_space());
  PutOptions options;
  options.size = 1000;
  auto w = pools_->begin_put("bkt", "k", std::move(options));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kStorageFull);
  for (size_t j : {0, 1}) {
    EXPECT_NE(w.error().message.find(hooked_[j]->endpoint()), std::string::npos)
        << w.error().message;
  }
  EXPECT_EQ(w.error().message.find(hooked_[2]->endpoint()), std::string::npos);
}

TEST_F(CapacityTest, AWriteThatRunsIntoFullDrivesFailsWithStorageFullNotSlowDown) {
  // The size is not announced: the drives refuse as the bytes arrive.
  auto w = pools_->begin_put("bkt", "k", PutOptions{});
  ASSERT_TRUE(w);
  hooked_[0]->full = true;
  hooked_[1]->full = true;
  std::string data(2 * kMiB, 'b');
  auto s = (*w)->write(bytes(data));
  Status result = s;
  if (s) {
    auto c = (*w)->commit({});
    ASSERT_FALSE(c);
    result = std::unexpected(c.error());
  }
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kStorageFull) << result.error().text();
  w->reset();
  auto head = pools_->head_object("bkt", "k");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kNoSuchKey);
}

TEST_F(CapacityTest, ExpectRefusesASizeTheDrivesHaveNoRoomFor) {
  auto w = pools_->begin_part("bkt", "k", "no-such-upload", 1);
  EXPECT_FALSE(w);  // the upload is checked first
  auto up = pools_->create_upload("bkt", "k", PutOptions{}, "", "");
  ASSERT_TRUE(up);
  auto part = pools_->begin_part("bkt", "k", up->upload_id, 1);
  ASSERT_TRUE(part);
  EXPECT_TRUE((*part)->expect(5 * kMiB));
  hooked_[1]->full = true;
  hooked_[2]->full = true;
  auto s = (*part)->expect(5 * kMiB);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kStorageFull);
}

TEST_F(CapacityTest, OfflineDrivesAreStillAQuorumProblemNotAFullOne) {
  hooked_[0]->offline = true;
  hooked_[1]->offline = true;
  auto room = pools_->set(0).room("k", "", 1000, false);
  EXPECT_EQ(room.online, 2u);
  EXPECT_FALSE(room.out_of_space());
}

TEST_F(CapacityTest, DeletesWorkOnFullDrives) {
  ASSERT_TRUE(put("gone", std::string(3 * kMiB, 'c')));
  for (auto& d : hooked_) d->full = true;
  EXPECT_TRUE(pools_->delete_object("bkt", "gone"));
  EXPECT_EQ(pools_->head_object("bkt", "gone").error().code, ErrorCode::kNoSuchKey);
}

TEST(BytesPerDrive, CountsTheShardAndItsBlockHashes) {
  EXPECT_EQ(bytes_per_drive(0, 2, 1 << 20), 0u);
  EXPECT_EQ(bytes_per_drive(1000, 2, 1 << 20), 500u + 32);
  EXPECT_EQ(bytes_per_drive(3 << 20, 2, 1 << 20), (3u << 19) + 3 * 32);
}

}  // namespace
}  // namespace silo::object
