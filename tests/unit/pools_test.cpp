#include "object/pools.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "object/pool_jobs.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::object {
namespace {

// Out of line: inlined into the tests, GCC 12 warns wrongly (-Wrestrict)
// about the string concatenation.
[[gnu::noinline]] std::string key_n(int i) { return "k" + std::to_string(i); }

using silo::test_support::TempDir;

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Two pools of one erasure set of two drives each, on real folders.
class PoolsTest : public ::testing::Test {
 protected:
  void SetUp() override { open_pools(2); }

  void open_pools(size_t count) {
    pools_.reset();
    std::vector<Pool> pools;
    for (size_t p = 0; p < count; ++p) {
      Pool pool;
      pool.name = "/pool" + std::to_string(p + 1) + "/d{1...2}";
      std::vector<std::shared_ptr<storage::Drive>> drives;
      for (size_t d = 0; d < 2; ++d) {
        auto drive = storage::LocalDrive::open(dirs_[p * 2 + d].path());
        ASSERT_TRUE(drive) << drive.error().text();
        drives.push_back(std::move(*drive));
      }
      pool.sets.push_back(std::make_unique<ErasureSet>(drives, ErasureSetOptions{}));
      pools.push_back(std::move(pool));
    }
    pools_ = std::make_unique<Pools>(std::move(pools), "deployment", PoolsOptions{});
    pools_->sync_buckets();
    auto made = pools_->make_bucket("bkt");
    ASSERT_TRUE(made || made.error().code == ErrorCode::kBucketAlreadyOwnedByYou);
  }

  Result<ObjectInfo> put(const std::string& key, const std::string& data,
                         WritePreconditions pre = {}) {
    PutOptions options;
    options.size = data.size();
    options.preconditions = pre;
    options.meta = {{"content-type", "text/plain"}, {"x-amz-meta-color", "blue"}};
    auto w = pools_->begin_put("bkt", key, std::move(options));
    if (!w) return std::unexpected(w.error());
    if (auto s = (*w)->write(bytes(data)); !s) return std::unexpected(s.error());
    return (*w)->commit({});
  }

  std::string get(const std::string& key) {
    auto r = pools_->open_object("bkt", key);
    if (!r) return "<" + std::string(error_code_name(r.error().code)) + ">";
    std::string out(static_cast<size_t>((*r)->info().size), '\0');
    size_t at = 0;
    while (at < out.size()) {
      auto n = (*r)->read(std::span(reinterpret_cast<uint8_t*>(out.data()) + at, out.size() - at));
      if (!n || *n == 0) break;
      at += *n;
    }
    return out;
  }

  // Which pools hold `key` (asked of each pool's set directly).
  std::set<size_t> holders(const std::string& key) {
    std::set<size_t> out;
    for (size_t p = 0; p < pools_->pool_count(); ++p) {
      if (pools_->set_for(p, key).head_object("bkt", key)) out.insert(p);
    }
    return out;
  }

  TempDir dirs_[4];
  std::unique_ptr<Pools> pools_;
};

TEST_F(PoolsTest, NewObjectsGoToEveryPoolWithRoomAndAreFoundWhereverTheyLive) {
  size_t in[2] = {0, 0};
  for (int i = 0; i < 60; ++i) {
    std::string key = key_n(i);
    ASSERT_TRUE(put(key, "data " + key));
    auto h = holders(key);
    ASSERT_EQ(h.size(), 1u) << key;
    ++in[*h.begin()];
  }
  // Equal free space (the same filesystem): both pools receive objects.
  EXPECT_GT(in[0], 10u);
  EXPECT_GT(in[1], 10u);
  for (int i = 0; i < 60; ++i) {
    std::string key = key_n(i);
    EXPECT_EQ(get(key), "data " + key);
    auto info = pools_->head_object("bkt", key);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->size, static_cast<int64_t>(("data " + key).size()));
  }
  auto list = pools_->list_objects("bkt", ListParams{});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->objects.size(), 60u);
}

TEST_F(PoolsTest, AnOverwriteStaysInItsPoolAndADeleteRemovesEveryCopy) {
  ASSERT_TRUE(put("key", "one"));
  auto first = holders("key");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(put("key", "v" + std::to_string(i)));
  EXPECT_EQ(holders("key"), first);
  EXPECT_EQ(get("key"), "v9");
  ASSERT_TRUE(pools_->delete_object("bkt", "key"));
  EXPECT_TRUE(holders("key").empty());
  EXPECT_EQ(get("key"), "<NoSuchKey>");
}

TEST_F(PoolsTest, APoolThatTakesNoObjectsGetsNoneAndLosesItsCopyOnOverwrite) {
  pools_->set_accepting(0, false);
  for (int i = 0; i < 20; ++i) {
    std::string key = key_n(i);
    ASSERT_TRUE(put(key, key));
    EXPECT_EQ(holders(key), std::set<size_t>{1}) << key;
  }
  // A key in pool 1 (written while it took objects) is overwritten into
  // pool 2, and pool 1's copy goes.
  pools_->set_accepting(0, true);
  pools_->set_accepting(1, false);
  ASSERT_TRUE(put("old", "old"));
  ASSERT_EQ(holders("old"), std::set<size_t>{0});
  pools_->set_accepting(0, false);
  pools_->set_accepting(1, true);
  ASSERT_TRUE(put("old", "new"));
  EXPECT_EQ(holders("old"), std::set<size_t>{1});
  EXPECT_EQ(get("old"), "new");
}

TEST_F(PoolsTest, ConditionalWritesSeeTheObjectInAnotherPool) {
  pools_->set_accepting(1, false);
  auto v1 = put("key", "one");
  ASSERT_TRUE(v1);
  pools_->set_accepting(0, false);
  pools_->set_accepting(1, true);
  WritePreconditions none_match;
  none_match.if_none_match_any = true;
  auto refused = put("key", "two", none_match);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPreconditionFailed);
  WritePreconditions wrong;
  wrong.if_match = "0123";
  EXPECT_EQ(put("key", "two", wrong).error().code, ErrorCode::kPreconditionFailed);
  WritePreconditions right;
  right.if_match = v1->etag;
  ASSERT_TRUE(put("key", "two", right));
  EXPECT_EQ(get("key"), "two");
  EXPECT_EQ(holders("key"), std::set<size_t>{1});
}

TEST_F(PoolsTest, ConcurrentCreatesOfOneKeyHaveOneWinnerAcrossPools) {
  for (int round = 0; round < 5; ++round) {
    std::string key = "race" + std::to_string(round);
    std::atomic<int> wins{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        WritePreconditions pre;
        pre.if_none_match_any = true;
        auto r = put(key, "writer " + std::to_string(t), pre);
        if (r) ++wins;
        else if (r.error().code == ErrorCode::kPreconditionFailed) ++refused;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(refused.load(), 5);
    EXPECT_EQ(holders(key).size(), 1u);
  }
}

TEST_F(PoolsTest, AWriterDoesNotHoldItsNameWhileItsBodyArrives) {
  // Two writers of one name open at once (a slow client's body, a second
  // PUT): the second is not kept waiting for the first (the server's
  // blocking threads would all wait, and the first body could not be
  // written); the later commit wins.
  auto first = pools_->begin_put("bkt", "k", PutOptions{});
  ASSERT_TRUE(first);
  ASSERT_TRUE((*first)->write(bytes("first ")));
  auto started = std::chrono::steady_clock::now();
  auto second = pools_->begin_put("bkt", "k", PutOptions{});
  ASSERT_TRUE(second);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  ASSERT_TRUE((*second)->write(bytes("second")));
  ASSERT_TRUE((*second)->commit({}));
  ASSERT_TRUE((*first)->write(bytes("body")));
  ASSERT_TRUE((*first)->commit({}));
  EXPECT_EQ(get("k"), "first body");
  EXPECT_EQ(holders("k").size(), 1u);
}

TEST_F(PoolsTest, AMovedObjectKeepsItsETagTimeMetadataAndBytes) {
  pools_->set_accepting(1, false);
  std::string data(3 << 20, 'm');  // several stripes, not inline
  auto v = put("big", data);
  ASSERT_TRUE(v);
  ASSERT_TRUE(put("small", "tiny"));
  auto before = pools_->head_object("bkt", "big");
  ASSERT_TRUE(before);
  pools_->set_accepting(1, true);
  uint64_t moved = 0;
  auto r = pools_->move_object("bkt", "big", 0, std::nullopt, &moved);
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(*r, MoveOutcome::kMoved);
  EXPECT_EQ(moved, data.size());
  EXPECT_EQ(holders("big"), std::set<size_t>{1});
  auto after = pools_->head_object("bkt", "big");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->etag, before->etag);
  EXPECT_EQ(after->mod_time_ns, before->mod_time_ns);
  EXPECT_EQ(after->meta, before->meta);
  EXPECT_EQ(get("big"), data);
  // Nothing left to move: the source no longer holds it.
  EXPECT_EQ(*pools_->move_object("bkt", "big", 0, std::nullopt), MoveOutcome::kGone);
  ASSERT_TRUE(pools_->move_object("bkt", "small", 0, 1));
  EXPECT_EQ(get("small"), "tiny");
}

TEST_F(PoolsTest, AnUploadFinishesInThePoolItBeganIn) {
  auto u = pools_->create_upload("bkt", "mp", PutOptions{}, "", "");
  ASSERT_TRUE(u);
  auto w = pools_->begin_part("bkt", "mp", u->upload_id, 1);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(bytes("part one")));
  auto part = (*w)->commit({});
  ASSERT_TRUE(part);
  auto listed = pools_->list_uploads("bkt", UploadListParams{});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->uploads.size(), 1u);
  auto done = pools_->complete_upload("bkt", "mp", u->upload_id, {{1, part->etag, {}}},
                                      CompleteOptions{});
  ASSERT_TRUE(done) << done.error().text();
  EXPECT_EQ(get("mp"), "part one");
  EXPECT_EQ(holders("mp").size(), 1u);
  EXPECT_EQ(pools_->get_upload("bkt", "mp", u->upload_id).error().code, ErrorCode::kNoSuchUpload);
}

TEST_F(PoolsTest, BucketsAreCreatedOnAPoolAddedLaterAndTheSystemBucketIsNotListed) {
  open_pools(1);
  ASSERT_TRUE(pools_->make_bucket("older"));
  ASSERT_TRUE(put("k", "v"));
  open_pools(2);
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_TRUE(pools_->pool_set(p, 0).head_bucket("older")) << p;
    EXPECT_TRUE(pools_->pool_set(p, 0).head_bucket(kSystemBucket)) << p;
  }
  auto buckets = pools_->list_buckets();
  ASSERT_TRUE(buckets);
  for (const auto& b : *buckets) EXPECT_NE(b.name, kSystemBucket);
  EXPECT_EQ(get("k"), "v");
}

TEST_F(PoolsTest, APoolThatLacksABucketGetsItWhenARequestFindsIt) {
  // A pool added while the first did not answer never got the bucket.
  ASSERT_TRUE(pools_->pool_set(1, 0).delete_bucket("bkt"));
  pools_->set_accepting(1, false);
  ASSERT_TRUE(put("old", "in pool 1"));
  auto list = pools_->list_objects("bkt", ListParams{});
  ASSERT_TRUE(list) << list.error().text();
  EXPECT_EQ(list->objects.size(), 1u);
  EXPECT_EQ(get("old"), "in pool 1");
  EXPECT_TRUE(pools_->pool_set(1, 0).head_bucket("bkt"));  // repaired by the listing
  ASSERT_TRUE(pools_->pool_set(1, 0).delete_bucket("bkt"));
  pools_->set_accepting(0, false);
  pools_->set_accepting(1, true);
  ASSERT_TRUE(put("new", "in pool 2"));
  EXPECT_EQ(holders("new"), std::set<size_t>{1});
  EXPECT_EQ(get("new"), "in pool 2");
  // A bucket that does not exist is still NoSuchBucket.
  EXPECT_EQ(pools_->list_objects("nope", ListParams{}).error().code, ErrorCode::kNoSuchBucket);
}

TEST_F(PoolsTest, ADecommissionDrainsThePoolAndSurvivesARestart) {
  pools_->set_accepting(1, false);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(put(key_n(i), "value " + std::to_string(i)));
  pools_->set_accepting(1, true);
  {
    PoolJobs jobs(*pools_, PoolJobsOptions{});
    jobs.start();
    auto started = jobs.decommission("start", "1");
    ASSERT_TRUE(started) << started.error().text();
    EXPECT_FALSE(pools_->accepting(0));
    for (int i = 0; i < 200; ++i) {
      auto s = jobs.decommission("status", "/pool1/d{1...2}");
      ASSERT_TRUE(s);
      if (s->find("\"state\":\"complete\"") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto s = jobs.decommission("status", "1");
    ASSERT_NE(s->find("\"state\":\"complete\""), std::string::npos) << *s;
    EXPECT_NE(s->find("\"objects_moved\":30"), std::string::npos) << *s;
    EXPECT_EQ(jobs.decommission("start", "1").error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(jobs.decommission("start", "7").error().code, ErrorCode::kInvalidArgument);
  }
  for (int i = 0; i < 30; ++i) {
    std::string key = key_n(i);
    EXPECT_EQ(holders(key), std::set<size_t>{1}) << key;
    EXPECT_EQ(get(key), "value " + std::to_string(i));
  }
  // A restart reads the record: the pool still takes no objects.
  open_pools(2);
  PoolJobs again(*pools_, PoolJobsOptions{});
  again.start();
  EXPECT_FALSE(pools_->accepting(0));
  EXPECT_TRUE(pools_->accepting(1));
}

TEST_F(PoolsTest, AStoppedDecommissionResumesWhereItWasAtTheNextStart) {
  pools_->set_accepting(1, false);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(put(key_n(i), std::string(50'000, 'x')));
  pools_->set_accepting(1, true);
  PoolJobsOptions options;
  options.save_interval = std::chrono::milliseconds(0);
  {
    PoolJobs jobs(*pools_, options);
    jobs.start();
    ASSERT_TRUE(jobs.decommission("start", "1"));
    // Stopped at once, as a server that stops (its record stays running).
    jobs.stop();
  }
  open_pools(2);
  PoolJobs resumed(*pools_, options);
  resumed.start();
  std::string status;
  for (int i = 0; i < 200; ++i) {
    status = *resumed.decommission("status", "1");
    if (status.find("\"state\":\"complete\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(status.find("\"state\":\"complete\""), std::string::npos) << status;
  for (int i = 0; i < 40; ++i) EXPECT_EQ(holders(key_n(i)), std::set<size_t>{1});
}

TEST_F(PoolsTest, ARebalanceEvensOutTheObjectsOfTwoPools) {
  pools_->set_accepting(1, false);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(put(key_n(i), std::string(100'000, 'r')));
  pools_->set_accepting(1, true);
  PoolJobs jobs(*pools_, PoolJobsOptions{});
  jobs.start();
  ASSERT_TRUE(jobs.rebalance("start"));
  std::string status;
  for (int i = 0; i < 200; ++i) {
    status = *jobs.rebalance("status");
    if (status.find("\"state\":\"complete\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(status.find("\"state\":\"complete\""), std::string::npos) << status;
  size_t in_second = 0;
  for (int i = 0; i < 40; ++i) in_second += holders(key_n(i)).count(1);
  // Half of 4 MB is 2 MB over the even line: about 20 objects move.
  EXPECT_GE(in_second, 15u);
  EXPECT_LE(in_second, 25u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(get(key_n(i)).size(), 100'000u);
}

}  // namespace
}  // namespace silo::object
