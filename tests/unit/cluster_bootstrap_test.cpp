// prepare_cluster: how the nodes of a distributed deployment agree on its
// format. Every drive here is a real folder; "another node's" drives are
// read and written through the same local access, as their node would, or
// made unreachable.
#include <gtest/gtest.h>

#include <filesystem>

#include "server/bootstrap.h"
#include "temp_dir.h"

namespace silo::server {
namespace {

using silo::test_support::TempDir;

class ClusterBootstrapTest : public ::testing::Test {
 protected:
  // Two nodes of two drives each, as node `self` (1 or 2) sees them.
  cluster::Topology topology(int self) {
    std::string arg;
    for (int n = 1; n <= 2; ++n) {
      for (int d = 1; d <= 2; ++d) {
        if (!arg.empty()) arg += ",";
        arg += "http://127.0.0.1:" + std::to_string(9100 + n) + root_.path() + "/n" +
               std::to_string(n) + "d" + std::to_string(d);
      }
    }
    auto t = cluster::parse_topology({arg}, "127.0.0.1", static_cast<uint16_t>(9100 + self));
    EXPECT_TRUE(t) << t.error().text();
    return *t;
  }
  std::vector<FormatAccess> accesses(const cluster::Topology& t) {
    std::vector<FormatAccess> out;
    for (const auto& d : t.drives) out.push_back(local_format_access(d.path));
    return out;
  }
  static void unreachable(FormatAccess& a) {
    a.read = [] { return DriveState{DriveState::Kind::kUnreachable, {}, "connection refused"}; };
  }

  TempDir root_;
};

TEST_F(ClusterBootstrapTest, TheFirstNodeFormatsANewDeploymentAndTheOthersFindIt) {
  auto second = topology(2);
  auto drives2 = accesses(second);
  auto early = prepare_cluster(second, drives2, 2);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kServiceUnavailable);
  EXPECT_NE(early.error().text().find("waiting for 127.0.0.1:9101"), std::string::npos)
      << early.error().text();

  auto first = topology(1);
  auto drives1 = accesses(first);
  auto made = prepare_cluster(first, drives1, 2);
  ASSERT_TRUE(made) << made.error().text();
  EXPECT_EQ(made->drives.size(), 4u);
  EXPECT_TRUE(std::filesystem::exists(root_.path() + "/n2d2/.silo/format.json"));

  auto found = prepare_cluster(second, drives2, 2);
  ASSERT_TRUE(found) << found.error().text();
  EXPECT_EQ(found->deployment_id, made->deployment_id);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(found->drives[i].drive_id, made->drives[i].drive_id);
}

TEST_F(ClusterBootstrapTest, ANewDeploymentWaitsForEveryDrive) {
  auto first = topology(1);
  auto drives = accesses(first);
  unreachable(drives[1]);
  auto r = prepare_cluster(first, drives, 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kServiceUnavailable);
  EXPECT_NE(r.error().text().find("connection refused"), std::string::npos) << r.error().text();
  EXPECT_FALSE(std::filesystem::exists(root_.path() + "/n1d1/.silo/format.json"));
}

TEST_F(ClusterBootstrapTest, EachNodeCreatesItsOwnFoldersBeforeTheFirstFormats) {
  auto first = topology(1);
  auto drives = accesses(first);
  for (size_t i = 0; i < drives.size(); ++i) {
    if (!first.drives[i].local) drives[i].create = nullptr;  // another node's folder
  }
  auto r = prepare_cluster(first, drives, 2);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().text().find("create their folders"), std::string::npos)
      << r.error().text();
  EXPECT_TRUE(std::filesystem::is_directory(root_.path() + "/n1d1"));
  EXPECT_FALSE(std::filesystem::exists(root_.path() + "/n2d1"));
  auto second = topology(2);
  auto drives2 = accesses(second);
  ASSERT_FALSE(prepare_cluster(second, drives2, 2));  // creates node 2's, waits for node 1
  auto made = prepare_cluster(first, drives, 2);
  ASSERT_TRUE(made) << made.error().text();
}

TEST_F(ClusterBootstrapTest, ANodeThatIsDownLeavesItsDrivesOfflineAboveReadQuorum) {
  auto first = topology(1);
  auto drives = accesses(first);
  ASSERT_TRUE(prepare_cluster(first, drives, 2));
  // Node 2 (drives 1 and 3 in set order) does not answer: 2 of 4 remain.
  unreachable(drives[1]);
  unreachable(drives[3]);
  auto r = prepare_cluster(first, drives, 2);
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_FALSE(r->drives[1].reachable);
  EXPECT_TRUE(r->drives[0].reachable);
  // Below read quorum it waits, naming what is missing.
  unreachable(drives[0]);
  auto below = prepare_cluster(first, drives, 2);
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code, ErrorCode::kServiceUnavailable);
}

TEST_F(ClusterBootstrapTest, AnEmptyLocalDriveIsAReplacementAndAForeignOneIsRefused) {
  auto first = topology(1);
  auto drives = accesses(first);
  auto made = prepare_cluster(first, drives, 2);
  ASSERT_TRUE(made);
  std::filesystem::remove_all(root_.path() + "/n1d2/.silo");
  auto r = prepare_cluster(first, drives, 2);
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_TRUE(r->drives[2].replaced);
  EXPECT_EQ(r->drives[2].drive_id, made->drives[2].drive_id);

  storage::Format foreign{"another-deployment", "x", {{"x"}}};
  ASSERT_TRUE(storage::write_format(root_.path() + "/n2d1", foreign));
  auto refused = prepare_cluster(first, drives, 2);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().text().find("another deployment"), std::string::npos);
}

}  // namespace
}  // namespace silo::server
