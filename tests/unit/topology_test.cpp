#include "cluster/topology.h"

#include <gtest/gtest.h>

namespace silo::cluster {
namespace {

std::vector<std::string> nodes_of(const Topology& t) {
  std::vector<std::string> out;
  for (const auto& d : t.drives) out.push_back(d.node);
  return out;
}

TEST(TopologyTest, PlainFoldersAreOneLocalNode) {
  auto t = parse_topology({"/srv/d{1...4}"}, "", 9000);
  ASSERT_TRUE(t) << t.error().text();
  EXPECT_FALSE(t->distributed());
  EXPECT_EQ(t->drives.size(), 4u);
  EXPECT_EQ(t->set_size, 4u);
  EXPECT_EQ(t->local_count(), 4u);
  EXPECT_EQ(t->drives[2].display(), "/srv/d3");
}

TEST(TopologyTest, FourNodesOfTwoDrivesAreOneSetSpreadOverTheNodes) {
  auto t = parse_topology({"http://10.0.0.{1...4}:9000/srv/disk{1...2}"}, "10.0.0.2", 9000);
  ASSERT_TRUE(t) << t.error().text();
  ASSERT_TRUE(t->distributed());
  EXPECT_EQ(t->nodes, (std::vector<std::string>{"10.0.0.1:9000", "10.0.0.2:9000",
                                                "10.0.0.3:9000", "10.0.0.4:9000"}));
  EXPECT_EQ(t->self, "10.0.0.2:9000");
  EXPECT_EQ(t->first_node(), "10.0.0.1:9000");
  EXPECT_EQ(t->set_size, 8u);
  EXPECT_EQ(t->max_per_node, 2u);
  // Interleaved: disk1 of every node, then disk2 of every node.
  EXPECT_EQ(t->drives[0].display(), "http://10.0.0.1:9000/srv/disk1");
  EXPECT_EQ(t->drives[1].display(), "http://10.0.0.2:9000/srv/disk1");
  EXPECT_EQ(t->drives[4].display(), "http://10.0.0.1:9000/srv/disk2");
  EXPECT_EQ(t->local_count(), 2u);
  EXPECT_TRUE(t->drives[1].local && t->drives[5].local && !t->drives[0].local);
}

TEST(TopologyTest, SeveralNodesOnOneMachineAreACommaSeparatedList) {
  auto t = parse_topology({"http://127.0.0.1:9101/srv/n1/d{1...2},http://127.0.0.1:9102/srv/n2/"
                           "d{1...2},http://127.0.0.1:9103/srv/n3/d{1...2},"
                           "http://127.0.0.1:9104/srv/n4/d{1...2}"},
                          "127.0.0.1", 9103);
  ASSERT_TRUE(t) << t.error().text();
  EXPECT_EQ(t->nodes.size(), 4u);
  EXPECT_EQ(t->self, "127.0.0.1:9103");
  EXPECT_EQ(nodes_of(*t)[2], "127.0.0.1:9103");
  EXPECT_EQ(t->drives[2].path, "/srv/n3/d1");
  EXPECT_TRUE(t->drives[2].local);
  EXPECT_EQ(t->local_count(), 2u);
}

TEST(TopologyTest, AnAddressWithoutHostRecognizesLoopbackNames) {
  auto t = parse_topology({"http://localhost:{9001...9002}/d{1...2}"}, "", 9002);
  ASSERT_TRUE(t) << t.error().text();
  EXPECT_EQ(t->self, "localhost:9002");
}

TEST(TopologyTest, HttpsEndpointsNameNodesByTheirScheme) {
  auto t = parse_topology({"https://10.0.0.{1...2}:9000/srv/d{1...2}"}, "10.0.0.2", 9000);
  ASSERT_TRUE(t) << t.error().text();
  EXPECT_EQ(t->scheme, "https");
  EXPECT_EQ(t->url("10.0.0.1:9000"), "https://10.0.0.1:9000");
  EXPECT_EQ(t->drives[0].display(), "https://10.0.0.1:9000/srv/d1");
  EXPECT_EQ(t->drives[0].node_url(), "https://10.0.0.1:9000");
  auto d = parse_deployment({"https://10.0.0.{1...2}:9000/a{1...2}",
                             "http://10.0.0.{1...2}:9000/b{1...2}"},
                            "10.0.0.2", 9000);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().text().find("mix http:// and https://"), std::string::npos);
}

TEST(TopologyTest, MistakesAreRefusedWithWhatToChange) {
  struct Case {
    std::vector<std::string> args;
    uint16_t port;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
           {{"http://10.0.0.1/srv/d1"}, 9000, "no port"},
           {{"https://10.0.0.1:9000/d1,http://10.0.0.2:9000/d1"}, 9000, "mix http:// and https://"},
           {{"ftp://10.0.0.1:9000/d1"}, 9000, "http:// or https://"},
           {{"http://10.0.0.1:9000"}, 9000, "no drive folder"},
           {{"/srv/d1", "http://10.0.0.1:9000/d2"}, 9000, "mix"},
           {{"http://10.0.0.{1...2}:9000/d1"}, 9100, "none of the endpoints"},
           {{"http://10.0.0.1:9000/d{1...2},http://10.0.0.2:9000/d1"}, 9000, "same number"},
           {{"http://10.0.0.1:9000/d1,http://10.0.0.1:9000/d1"}, 9000, "twice"},
       }) {
    auto t = parse_topology(c.args, "10.0.0.1", c.port);
    ASSERT_FALSE(t) << c.args[0];
    EXPECT_NE(t.error().text().find(c.says), std::string::npos) << t.error().text();
  }
}

TEST(DeploymentTest, EachArgumentWithRangesIsAPool) {
  auto d = parse_deployment({"/srv/a/d{1...4}", "/srv/b/d{1...8}"}, "", 9000);
  ASSERT_TRUE(d) << d.error().text();
  ASSERT_EQ(d->pools.size(), 2u);
  EXPECT_EQ(d->pools[0].spec, "/srv/a/d{1...4}");
  EXPECT_EQ(d->pools[0].set_size, 4u);
  EXPECT_EQ(d->pools[1].drives.size(), 8u);
  EXPECT_EQ(d->pools[1].drives[0].path, "/srv/b/d1");
  EXPECT_EQ(d->all_drives().drives.size(), 12u);
}

TEST(DeploymentTest, ArgumentsWithoutRangesAreOnePool) {
  auto d = parse_deployment({"/srv/d1", "/srv/d2", "/srv/d3", "/srv/d4"}, "", 9000);
  ASSERT_TRUE(d) << d.error().text();
  ASSERT_EQ(d->pools.size(), 1u);
  EXPECT_EQ(d->pools[0].drives.size(), 4u);
  EXPECT_EQ(d->pools[0].spec, "/srv/d1 /srv/d2 /srv/d3 /srv/d4");
  auto mixed = parse_deployment({"/srv/a/d{1...4}", "/srv/d5"}, "", 9000);
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().text().find("one argument with ranges"), std::string::npos);
}

TEST(DeploymentTest, ANodeMayOwnDrivesInOnlySomePools) {
  // Expansion by new nodes: 9101-9102 hold pool 1, 9103-9104 pool 2.
  std::vector<std::string> args{"http://127.0.0.1:{9101...9102}/p1/d{1...2}",
                                "http://127.0.0.1:{9103...9104}/p2/d{1...2}"};
  auto d = parse_deployment(args, "127.0.0.1", 9103);
  ASSERT_TRUE(d) << d.error().text();
  EXPECT_EQ(d->nodes.size(), 4u);
  EXPECT_EQ(d->self, "127.0.0.1:9103");
  EXPECT_EQ(d->pools[0].local_count(), 0u);
  EXPECT_TRUE(d->pools[0].self.empty());
  EXPECT_EQ(d->pools[1].local_count(), 2u);
  auto stranger = parse_deployment(args, "127.0.0.1", 9999);
  ASSERT_FALSE(stranger);
  EXPECT_NE(stranger.error().text().find("none of the endpoints is this node"), std::string::npos);
}

TEST(DeploymentTest, ADriveInTwoPoolsIsRefused) {
  auto d = parse_deployment({"/srv/d{1...4}", "/srv/d{3...6}"}, "", 9000);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().text().find("more than one pool"), std::string::npos);
}

}  // namespace
}  // namespace silo::cluster
