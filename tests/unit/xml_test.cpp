#include "s3/xml.h"

#include <gtest/gtest.h>

#include <string>

namespace silo::s3 {
namespace {

constexpr const char* kXmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

std::string complete_doc(const std::string& parts, bool with_ns = true) {
  std::string root = with_ns ? "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
                               "2006-03-01/\">"
                             : "<CompleteMultipartUpload>";
  return std::string(kXmlDecl) + root + parts + "</CompleteMultipartUpload>";
}

std::string part_xml(int number, const std::string& etag) {
  return "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + etag +
         "</ETag></Part>";
}

std::string delete_doc(const std::string& body, bool with_ns = true) {
  std::string root =
      with_ns ? "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" : "<Delete>";
  return std::string(kXmlDecl) + root + body + "</Delete>";
}

std::string object_xml(const std::string& key) { return "<Object><Key>" + key + "</Key></Object>"; }

void expect_error(const Result<std::vector<object::CompletePart>>& r, ErrorCode code) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code) << error_code_name(r.error().code);
}
void expect_error(const Result<DeleteRequest>& r, ErrorCode code) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code) << error_code_name(r.error().code);
}
void expect_error(const Result<std::string>& r, ErrorCode code) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code) << error_code_name(r.error().code);
}

// ---- CompleteMultipartUpload

TEST(CompleteMultipartXml, ParsesPartsInDocumentOrder) {
  auto r = parse_complete_multipart(
      complete_doc(part_xml(1, "\"aaa\"") + part_xml(2, "\"bbb\"") + part_xml(10, "\"ccc\"")));
  ASSERT_TRUE(r) << r.error().text();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].number, 1u);
  EXPECT_EQ((*r)[0].etag, "aaa");
  EXPECT_EQ((*r)[1].number, 2u);
  EXPECT_EQ((*r)[1].etag, "bbb");
  EXPECT_EQ((*r)[2].number, 10u);
  EXPECT_EQ((*r)[2].etag, "ccc");
}

TEST(CompleteMultipartXml, AcceptsDocumentWithoutNamespace) {
  auto r = parse_complete_multipart(complete_doc(part_xml(1, "\"abc\""), false));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].etag, "abc");
}

TEST(CompleteMultipartXml, AcceptsPrefixedNamespaceAndNoDeclaration) {
  auto r = parse_complete_multipart(
      "<s3:CompleteMultipartUpload xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<s3:Part><s3:PartNumber>3</s3:PartNumber><s3:ETag>\"e3\"</s3:ETag></s3:Part>"
      "</s3:CompleteMultipartUpload>");
  ASSERT_TRUE(r) << r.error().text();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].number, 3u);
  EXPECT_EQ((*r)[0].etag, "e3");
}

TEST(CompleteMultipartXml, StripsQuotedAndEntityEscapedQuotesFromEtag) {
  auto r = parse_complete_multipart(
      complete_doc(part_xml(1, "\"q1\"") + part_xml(2, "&quot;q2&quot;") + part_xml(3, "q3") +
                   part_xml(4, "&#34;q4&#34;") + part_xml(5, "  \"q5\"  ")));
  ASSERT_TRUE(r) << r.error().text();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].etag, "q1");
  EXPECT_EQ((*r)[1].etag, "q2");
  EXPECT_EQ((*r)[2].etag, "q3");
  EXPECT_EQ((*r)[3].etag, "q4");
  EXPECT_EQ((*r)[4].etag, "q5");
}

TEST(CompleteMultipartXml, KeepsMultipartStyleEtagAndLoneQuote) {
  auto r = parse_complete_multipart(
      complete_doc(part_xml(1, "\"abc-2\"") + part_xml(2, "\"") + part_xml(3, "\"x")));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].etag, "abc-2");
  EXPECT_EQ((*r)[1].etag, "\"");
  EXPECT_EQ((*r)[2].etag, "\"x");
}

TEST(CompleteMultipartXml, ElementOrderInsidePartDoesNotMatter) {
  auto r = parse_complete_multipart(
      complete_doc("<Part><ETag>\"z\"</ETag><PartNumber> 7 </PartNumber></Part>"));
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ((*r)[0].number, 7u);
  EXPECT_EQ((*r)[0].etag, "z");
}

TEST(CompleteMultipartXml, CollectsPartChecksumsByAlgorithmName) {
  auto r = parse_complete_multipart(complete_doc(
      "<Part><PartNumber>1</PartNumber><ETag>\"e\"</ETag>"
      "<ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumSHA256> c2hh </ChecksumSHA256></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>\"f\"</ETag><ChecksumCRC64NVME>x</ChecksumCRC64NVME>"
      "<ChecksumCRC32C>y</ChecksumCRC32C><ChecksumSHA1>z</ChecksumSHA1></Part>"));
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ((*r)[0].checksums, (storage::KeyValues{{"CRC32", "AAAAAA=="}, {"SHA256", "c2hh"}}));
  EXPECT_EQ((*r)[1].checksums,
            (storage::KeyValues{{"CRC32C", "y"}, {"CRC64NVME", "x"}, {"SHA1", "z"}}));
}

TEST(CompleteMultipartXml, IgnoresCommentsAndWhitespaceBetweenParts) {
  auto r = parse_complete_multipart(complete_doc("\n  <!-- first -->\n  " + part_xml(1, "\"a\"") +
                                                 "\n\t" + part_xml(2, "\"b\"") + "\n"));
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(r->size(), 2u);
}

TEST(CompleteMultipartXml, MissingPartNumberOrEtagIsMalformed) {
  expect_error(parse_complete_multipart(complete_doc("<Part><ETag>\"a\"</ETag></Part>")),
               ErrorCode::kMalformedXML);
  expect_error(parse_complete_multipart(complete_doc("<Part><PartNumber>1</PartNumber></Part>")),
               ErrorCode::kMalformedXML);
  expect_error(parse_complete_multipart(complete_doc("<Part></Part>")), ErrorCode::kMalformedXML);
}

TEST(CompleteMultipartXml, NoPartsIsMalformed) {
  expect_error(parse_complete_multipart(complete_doc("")), ErrorCode::kMalformedXML);
  expect_error(parse_complete_multipart("<CompleteMultipartUpload/>"), ErrorCode::kMalformedXML);
}

TEST(CompleteMultipartXml, UnknownChildElementIsMalformed) {
  expect_error(parse_complete_multipart(complete_doc(part_xml(1, "a") + "<Foo/>")),
               ErrorCode::kMalformedXML);
}

TEST(CompleteMultipartXml, WrongRootIsMalformed) {
  expect_error(parse_complete_multipart("<Delete>" + part_xml(1, "a") + "</Delete>"),
               ErrorCode::kMalformedXML);
  expect_error(parse_complete_multipart("<CompleteMultipartUploadX>" + part_xml(1, "a") +
                                        "</CompleteMultipartUploadX>"),
               ErrorCode::kMalformedXML);
}

TEST(CompleteMultipartXml, PartNumberOutsideOneTo10000IsInvalidPart) {
  for (const char* n : {"0", "10001", "-1", "abc", "", "1.5", "99999999999999999999999"}) {
    auto r = parse_complete_multipart(
        complete_doc(std::string("<Part><PartNumber>") + n + "</PartNumber><ETag>a</ETag></Part>"));
    expect_error(r, ErrorCode::kInvalidPart);
  }
  EXPECT_TRUE(parse_complete_multipart(complete_doc(part_xml(10000, "a"))));
}

TEST(CompleteMultipartXml, AcceptsTenThousandPartsButNotMore) {
  std::string parts;
  for (int i = 1; i <= 10000; ++i) parts += part_xml(i, "e");
  auto r = parse_complete_multipart(complete_doc(parts));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 10000u);
  parts += part_xml(10000, "e");
  expect_error(parse_complete_multipart(complete_doc(parts)), ErrorCode::kMalformedXML);
}

TEST(CompleteMultipartXml, GarbageAndEmptyBodiesAreMalformed) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("   "), std::string_view("not xml at all"),
        std::string_view("<CompleteMultipartUpload>"),
        std::string_view("<CompleteMultipartUpload><Part></CompleteMultipartUpload>"),
        std::string_view("\xFF\xFE<\0a\0", 6), std::string_view("{\"Parts\": []}")}) {
    expect_error(parse_complete_multipart(bad), ErrorCode::kMalformedXML);
  }
}

// ---- Delete (DeleteObjects)

TEST(DeleteXml, ParsesKeysAndVersionIds) {
  auto r = parse_delete(
      delete_doc(object_xml("a") + "<Object><Key>b/c</Key><VersionId>v1</VersionId></Object>"));
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_FALSE(r->quiet);
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0], std::make_pair(std::string("a"), std::string()));
  EXPECT_EQ(r->objects[1], std::make_pair(std::string("b/c"), std::string("v1")));
}

TEST(DeleteXml, AcceptsDocumentWithoutNamespace) {
  auto r = parse_delete(delete_doc(object_xml("k"), false));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->objects.size(), 1u);
}

TEST(DeleteXml, QuietIsCaseInsensitiveBoolean) {
  for (const char* t : {"true", "TRUE", "True", " true "}) {
    auto r = parse_delete(delete_doc(std::string("<Quiet>") + t + "</Quiet>" + object_xml("k")));
    ASSERT_TRUE(r) << t;
    EXPECT_TRUE(r->quiet) << t;
  }
  auto r = parse_delete(delete_doc("<Quiet>false</Quiet>" + object_xml("k")));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->quiet);
}

TEST(DeleteXml, QuietOtherThanTrueOrFalseIsMalformed) {
  for (const char* t : {"yes", "1", "", "truee"}) {
    expect_error(
        parse_delete(delete_doc(std::string("<Quiet>") + t + "</Quiet>" + object_xml("k"))),
        ErrorCode::kMalformedXML);
  }
}

TEST(DeleteXml, KeysKeepSurroundingSpacesAndDecodeEntities) {
  auto r = parse_delete(delete_doc(object_xml("  padded  ") + object_xml("a&amp;b&lt;c&gt;") +
                                   object_xml("&#x65E5;&#26412;") + object_xml("<![CDATA[x<y]]>")));
  ASSERT_TRUE(r) << r.error().text();
  ASSERT_EQ(r->objects.size(), 4u);
  EXPECT_EQ(r->objects[0].first, "  padded  ");
  EXPECT_EQ(r->objects[1].first, "a&b<c>");
  EXPECT_EQ(r->objects[2].first, "\xE6\x97\xA5\xE6\x9C\xAC");
  EXPECT_EQ(r->objects[3].first, "x<y");
}

TEST(DeleteXml, WhitespaceOnlyKeyIsKept) {
  auto r = parse_delete(delete_doc(object_xml(" ") + object_xml("\t")));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0].first, " ");
  EXPECT_EQ(r->objects[1].first, "\t");
}

TEST(DeleteXml, MissingKeyIsMalformed) {
  expect_error(parse_delete(delete_doc("<Object><VersionId>v</VersionId></Object>")),
               ErrorCode::kMalformedXML);
  expect_error(parse_delete(delete_doc("<Object/>")), ErrorCode::kMalformedXML);
}

TEST(DeleteXml, NoObjectsIsMalformed) {
  expect_error(parse_delete(delete_doc("")), ErrorCode::kMalformedXML);
  expect_error(parse_delete(delete_doc("<Quiet>true</Quiet>")), ErrorCode::kMalformedXML);
}

TEST(DeleteXml, UnknownElementIsMalformed) {
  expect_error(parse_delete(delete_doc(object_xml("k") + "<Bogus/>")), ErrorCode::kMalformedXML);
}

TEST(DeleteXml, WrongRootIsMalformed) {
  expect_error(parse_delete("<Remove>" + object_xml("k") + "</Remove>"), ErrorCode::kMalformedXML);
  expect_error(parse_delete(complete_doc(part_xml(1, "a"))), ErrorCode::kMalformedXML);
}

TEST(DeleteXml, AcceptsThousandKeysButNotMore) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += object_xml("key-" + std::to_string(i));
  auto r = parse_delete(delete_doc(body));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->objects.size(), 1000u);
  EXPECT_EQ(r->objects[999].first, "key-999");
  expect_error(parse_delete(delete_doc(body + object_xml("one-too-many"))),
               ErrorCode::kMalformedXML);
  std::string many;
  for (int i = 0; i < 5000; ++i) many += object_xml("k");
  expect_error(parse_delete(delete_doc(many)), ErrorCode::kMalformedXML);
}

TEST(DeleteXml, GarbageAndEmptyBodiesAreMalformed) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("garbage"), std::string_view("<Delete>"),
        std::string_view("<Delete><Object><Key>k</Key></Delete>"),
        std::string_view("\0\0\0\0", 4)}) {
    expect_error(parse_delete(bad), ErrorCode::kMalformedXML);
  }
}

TEST(DeleteXml, SecondTopLevelElementIsMalformed) {
  expect_error(parse_delete("<Delete><Object><Key>k</Key></Object></Delete><Extra/>"),
               ErrorCode::kMalformedXML);
  expect_error(parse_delete("<Delete><Object><Key>k</Key></Object></Delete><![CDATA[x]]>"),
               ErrorCode::kMalformedXML);
  expect_error(parse_complete_multipart(complete_doc(part_xml(1, "a")) + "<Part/>"),
               ErrorCode::kMalformedXML);
}

TEST(DeleteXml, TextOutsideRootElementIsMalformed) {
  expect_error(parse_delete("<Delete><Object><Key>k</Key></Object></Delete>trailing"),
               ErrorCode::kMalformedXML);
  expect_error(parse_delete("junk<Delete><Object><Key>k</Key></Object></Delete>"),
               ErrorCode::kMalformedXML);
  expect_error(parse_complete_multipart(complete_doc(part_xml(1, "a")) + "x"),
               ErrorCode::kMalformedXML);
}

// ---- CreateBucketConfiguration

TEST(CreateBucketXml, EmptyBodyMeansNoLocation) {
  auto r = parse_create_bucket("");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
  r = parse_create_bucket("  \t ");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
}

TEST(CreateBucketXml, ReadsLocationConstraintWithOrWithoutNamespace) {
  auto r = parse_create_bucket(
      "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "eu-west-1");
  r = parse_create_bucket(std::string(kXmlDecl) +
                          "<CreateBucketConfiguration><LocationConstraint> us-west-2 "
                          "</LocationConstraint></CreateBucketConfiguration>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "us-west-2");
}

TEST(CreateBucketXml, MissingLocationConstraintIsEmpty) {
  auto r = parse_create_bucket("<CreateBucketConfiguration/>");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
}

TEST(CreateBucketXml, WrongRootOrGarbageIsMalformed) {
  expect_error(parse_create_bucket("<Config><LocationConstraint>x</LocationConstraint></Config>"),
               ErrorCode::kMalformedXML);
  expect_error(parse_create_bucket("eu-west-1"), ErrorCode::kMalformedXML);
  expect_error(parse_create_bucket("<CreateBucketConfiguration>"), ErrorCode::kMalformedXML);
}

// ---- XmlDoc

TEST(XmlDoc, WritesDeclarationRootNamespaceAndEscapedText) {
  XmlDoc doc("ListBucketResult");
  add_text(doc.root(), "Name", "bkt");
  add_text(doc.root(), "Key", "a<b>&\"c\"");
  std::string s = doc.str();
  EXPECT_TRUE(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")) << s;
  EXPECT_NE(s.find("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("<Name>bkt</Name>"), std::string::npos) << s;
  EXPECT_NE(s.find("<Key>a&lt;b&gt;&amp;"), std::string::npos) << s;
  EXPECT_EQ(s.find('\n'), std::string::npos) << "raw output has no line breaks";
}

TEST(XmlDoc, RootWithoutNamespace) {
  XmlDoc doc("Error", false);
  add_text(doc.root(), "Code", "NoSuchKey");
  std::string s = doc.str();
  EXPECT_NE(s.find("<Error><Code>NoSuchKey</Code></Error>"), std::string::npos) << s;
}

TEST(XmlDoc, OutputParsesBackThroughDeleteParser) {
  XmlDoc doc("Delete");
  auto obj = doc.root().append_child("Object");
  add_text(obj, "Key", "weird & <key> \xC3\xA9");
  auto r = parse_delete(doc.str());
  ASSERT_TRUE(r) << doc.str();
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].first, "weird & <key> \xC3\xA9");
}

}  // namespace
}  // namespace silo::s3
