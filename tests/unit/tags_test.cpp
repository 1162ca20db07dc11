#include "s3/tags.h"

#include <gtest/gtest.h>

namespace silo::s3 {
namespace {

std::string tagging(const std::string& tags) {
  return "<Tagging><TagSet>" + tags + "</TagSet></Tagging>";
}
std::string tag(const std::string& k, const std::string& v) {
  return "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>";
}

TEST(Tags, XmlRoundTripsThroughTheStoredForm) {
  auto tags = parse_tagging_xml(tagging(tag("project", "blue sky") + tag("üñí", "a+b=c/@:")),
                                TagOwner::kObject);
  ASSERT_TRUE(tags);
  ASSERT_EQ(tags->size(), 2u);
  auto stored = encode_tags(*tags);
  EXPECT_EQ(decode_tags(stored), *tags);
  EXPECT_NE(tagging_xml(*tags).find("<Key>project</Key><Value>blue sky</Value>"),
            std::string::npos);
}

TEST(Tags, LimitsAreS3s) {
  std::string ten, eleven;
  for (int i = 0; i < 11; ++i) {
    std::string key = "k";
    key += std::to_string(i);
    (i < 10 ? ten : eleven) += tag(key, "v");
  }
  EXPECT_TRUE(parse_tagging_xml(tagging(ten), TagOwner::kObject));
  auto too_many = parse_tagging_xml(tagging(ten + eleven), TagOwner::kObject);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, ErrorCode::kInvalidTag);
  EXPECT_TRUE(parse_tagging_xml(tagging(ten + eleven), TagOwner::kBucket));

  auto invalid = [](const std::string& body) {
    auto t = parse_tagging_xml(body, TagOwner::kObject);
    return !t && t.error().code == ErrorCode::kInvalidTag;
  };
  EXPECT_TRUE(invalid(tagging(tag(std::string(129, 'k'), "v"))));
  EXPECT_TRUE(invalid(tagging(tag("k", std::string(257, 'v')))));
  EXPECT_TRUE(invalid(tagging(tag("k", "v") + tag("k", "w"))));
  EXPECT_TRUE(invalid(tagging(tag("aws:owner", "v"))));
  EXPECT_TRUE(invalid(tagging(tag("a&amp;b", "v"))));
  EXPECT_TRUE(invalid(tagging(tag("", "v"))));
  EXPECT_TRUE(parse_tagging_xml(tagging(tag(std::string(128, 'k'), std::string(256, 'v'))),
                                TagOwner::kObject));
}

TEST(Tags, MalformedBodiesAreMalformedXml) {
  for (std::string body : {"<Tagging/>", "<Tagging><TagSet><Nope/></TagSet></Tagging>",
                           "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
                           "not xml"}) {
    auto t = parse_tagging_xml(body, TagOwner::kObject);
    ASSERT_FALSE(t) << body;
    EXPECT_EQ(t.error().code, ErrorCode::kMalformedXML) << body;
  }
}

TEST(Tags, HeaderFormIsUrlEncoded) {
  auto tags = parse_tagging_header("a=1&b%20c=d%2Fe&empty=");
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags, (TagSet{{"a", "1"}, {"b c", "d/e"}, {"empty", ""}}));
  auto dup = parse_tagging_header("a=1&a=2");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kInvalidTag);
  EXPECT_FALSE(parse_tagging_header("a=%zz"));
}

}  // namespace
}  // namespace silo::s3
