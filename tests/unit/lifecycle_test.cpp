#include "s3/lifecycle.h"

#include <gtest/gtest.h>

namespace silo::s3 {
namespace {

TEST(Lifecycle, FiltersSelectByPrefixTagsAndSize) {
  auto rules = parse_lifecycle_xml(
      "<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status>"
      "<Filter><And><Prefix>tmp/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>"
      "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter>"
      "<Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>");
  ASSERT_TRUE(rules) << rules.error().text();
  const auto& r = rules->front();
  EXPECT_EQ(r.expiration_days, 3);
  std::vector<std::pair<std::string, std::string>> tagged{{"k", "v"}, {"other", "x"}};
  EXPECT_TRUE(lifecycle_selects(r, "tmp/a", 11, tagged));
  EXPECT_FALSE(lifecycle_selects(r, "tmp/a", 10, tagged));
  EXPECT_FALSE(lifecycle_selects(r, "var/a", 11, tagged));
  EXPECT_FALSE(lifecycle_selects(r, "tmp/a", 11, {{"k", "w"}}));
}

TEST(Lifecycle, InvalidConfigurationsAreRefused) {
  auto code = [](std::string rules) {
    auto r = parse_lifecycle_xml("<LifecycleConfiguration>" + rules + "</LifecycleConfiguration>");
    return r ? ErrorCode::kInternalError : r.error().code;
  };
  std::string expire = "<Expiration><Days>1</Days></Expiration>";
  EXPECT_EQ(code(""), ErrorCode::kMalformedXML);
  EXPECT_EQ(code("<Rule><Filter/>" + expire + "</Rule>"), ErrorCode::kMalformedXML);  // no Status
  EXPECT_EQ(code("<Rule><Status>Enabled</Status><Filter/></Rule>"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code("<Rule><Status>Enabled</Status><Filter/><Expiration><Days>0</Days></Expiration></Rule>"),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code("<Rule><Status>Enabled</Status><Prefix/><Filter/>" + expire + "</Rule>"),
            ErrorCode::kMalformedXML);
  EXPECT_EQ(code("<Rule><Status>Enabled</Status><Filter/><Expiration><Date>2030-01-01T10:00:00Z"
                 "</Date></Expiration></Rule>"),
            ErrorCode::kInvalidArgument);  // not midnight
  EXPECT_EQ(code("<Rule><Status>Enabled</Status><Filter/><Transition><Days>1</Days>"
                 "<StorageClass>GLACIER</StorageClass></Transition></Rule>"),
            ErrorCode::kNotImplemented);
  EXPECT_EQ(code("<Rule><ID>a</ID><Status>Enabled</Status><Filter/>" + expire +
                 "</Rule><Rule><ID>a</ID><Status>Enabled</Status><Filter/>" + expire + "</Rule>"),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace silo::s3
