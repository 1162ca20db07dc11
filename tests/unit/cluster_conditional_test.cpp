// Conditional writes through every node at once have exactly one winner:
// four "nodes" (one ErasureSet each, over the same four drives, as nodes
// share a set's drives through the network) take their key locks from
// DistLocks over four LockServers. Also: a commit whose lock cannot be
// taken in time answers kLockTimeout (503) and writes nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "cluster/dist_locks.h"
#include "cluster/lock_peer.h"
#include "cluster/lock_server.h"
#include "object/erasure_set.h"
#include "storage/local_drive.h"
#include "temp_dir.h"

namespace silo::cluster {
namespace {

using object::ErasureSet;
using object::ErasureSetOptions;
using std::chrono::milliseconds;
using test_support::TempDir;

constexpr size_t kNodes = 4;

class ClusterConditionalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto& dir : dirs_) {
      auto d = storage::LocalDrive::open(dir.path());
      ASSERT_TRUE(d) << d.error().text();
      drives_.push_back(std::shared_ptr<storage::LocalDrive>(std::move(*d)));
    }
    for (size_t i = 0; i < kNodes; ++i) {
      peers_.push_back(std::make_shared<LocalLockPeer>(std::make_shared<LockServer>()));
    }
    for (size_t i = 0; i < kNodes; ++i) {
      DistLocksOptions lo;
      lo.owner = "node" + std::to_string(i);
      lo.prefix = "k:";
      lo.attempt_timeout = milliseconds(500);
      ErasureSetOptions o;
      o.standard_parity = 2;
      o.lock_timeout = milliseconds(20'000);
      o.key_locks = std::make_shared<DistLocks>(peers_, lo);
      lo.prefix = "u:";
      o.upload_locks = std::make_shared<DistLocks>(peers_, lo);
      nodes_.push_back(std::make_unique<ErasureSet>(drives_, o));
    }
    ASSERT_TRUE(nodes_[0]->make_bucket("bkt"));
  }

  Result<object::ObjectInfo> put(size_t node, const std::string& key, const std::string& body,
                                 object::WritePreconditions pre) {
    object::PutOptions opts;
    opts.preconditions = std::move(pre);
    auto w = nodes_[node]->begin_put("bkt", key, std::move(opts));
    if (!w) return std::unexpected(w.error());
    auto s = (*w)->write({reinterpret_cast<const uint8_t*>(body.data()), body.size()});
    if (!s) return std::unexpected(s.error());
    return (*w)->commit(object::PutFinal{});
  }

  // Every node puts `key` at once with `pre`; how many succeeded, and
  // checks that every other one was refused by its precondition.
  int race(const std::string& key, const object::WritePreconditions& pre) {
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (size_t n = 0; n < kNodes; ++n) {
      threads.emplace_back([&, n] {
        auto r = put(
            n, key, "from node " + std::to_string(n) + ", write " + std::to_string(++writes_), pre);
        if (r) {
          ++won;
        } else {
          EXPECT_EQ(r.error().code, ErrorCode::kPreconditionFailed) << r.error().text();
        }
      });
    }
    for (auto& t : threads) t.join();
    return won.load();
  }

  TempDir dirs_[4];
  std::vector<std::shared_ptr<storage::Drive>> drives_;
  std::vector<std::shared_ptr<LockPeer>> peers_;
  std::vector<std::unique_ptr<ErasureSet>> nodes_;
  std::atomic<int> writes_{0};  // every body differs, so every write changes the ETag
};

TEST_F(ClusterConditionalTest, IfNoneMatchThroughEveryNodeHasOneWinner) {
  object::WritePreconditions create;
  create.if_none_match_any = true;
  for (int i = 0; i < 15; ++i) EXPECT_EQ(race("new-" + std::to_string(i), create), 1) << i;
}

TEST_F(ClusterConditionalTest, IfMatchThroughEveryNodeHasOneWinner) {
  ASSERT_TRUE(put(0, "doc", "v0", {}));
  for (int i = 0; i < 15; ++i) {
    auto cur = nodes_[static_cast<size_t>(i) % kNodes]->head_object("bkt", "doc");
    ASSERT_TRUE(cur);
    object::WritePreconditions update;
    update.if_match = cur->etag;
    EXPECT_EQ(race("doc", update), 1) << i;
  }
}

TEST_F(ClusterConditionalTest, CommitThatCannotTakeTheLockInTimeWritesNothing) {
  // Some node's client holds the key's lock and does not let go.
  DistLocksOptions lo;
  lo.owner = "holder";
  lo.prefix = "k:";
  DistLocks holder(peers_, lo);
  auto held = holder.lock(Deadline::after(milliseconds(2000)), "bkt", "busy");
  ASSERT_TRUE(held);
  ErasureSetOptions o;
  o.standard_parity = 2;
  o.lock_timeout = milliseconds(300);
  lo.owner = "impatient";
  o.key_locks = std::make_shared<DistLocks>(peers_, lo);
  ErasureSet impatient(drives_, o);
  auto w = impatient.begin_put("bkt", "busy", {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write({reinterpret_cast<const uint8_t*>("x"), 1}));
  auto r = (*w)->commit(object::PutFinal{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kLockTimeout);
  EXPECT_EQ(error_http_status(r.error().code), 503);
  EXPECT_FALSE(nodes_[0]->head_object("bkt", "busy"));
  held->release();
  EXPECT_TRUE(put(1, "busy", "y", {}));
}

}  // namespace
}  // namespace silo::cluster
