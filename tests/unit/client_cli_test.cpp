// Pure logic of the `silo` client commands: target parsing, alias URLs and
// the config file, ages, globs, part sizes and the retry rules.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "client/alias_config.h"
#include "client/cli_units.h"
#include "client/retry.h"
#include "client/s3_xml.h"
#include "client/session.h"
#include "client/target.h"
#include "client/trust.h"
#include "temp_dir.h"

namespace silo::client {
namespace {

bool is_alias(std::string_view a) { return a == "local" || a == "s3"; }

TEST(Target, FirstComponentThatIsAnAliasMakesItRemote) {
  Target t = parse_target("local/photos/2024/cat.jpg", is_alias);
  EXPECT_TRUE(t.remote);
  EXPECT_EQ(t.alias, "local");
  EXPECT_EQ(t.bucket, "photos");
  EXPECT_EQ(t.key, "2024/cat.jpg");
  EXPECT_EQ(t.display(), "local/photos/2024/cat.jpg");
  EXPECT_EQ(t.basename(), "cat.jpg");
}

TEST(Target, AliasAloneAndBucketWithSlash) {
  Target a = parse_target("s3", is_alias);
  EXPECT_TRUE(a.remote);
  EXPECT_TRUE(a.bucket.empty());
  Target b = parse_target("s3/b/", is_alias);
  EXPECT_EQ(b.bucket, "b");
  EXPECT_EQ(b.key, "");
  EXPECT_TRUE(b.trailing_slash);
}

TEST(Target, DotSlashAndUnknownNamesAreLocal) {
  EXPECT_FALSE(parse_target("./local/x", is_alias).remote);
  EXPECT_FALSE(parse_target("/local/x", is_alias).remote);
  EXPECT_FALSE(parse_target("photos/x", is_alias).remote);
  EXPECT_EQ(parse_target("photos/x", is_alias).path, "photos/x");
}

TEST(Target, KeysKeepSpacesPlusAndUnicode) {
  Target t = parse_target("local/b/a b+c/\xc3\xa9t\xc3\xa9.txt", is_alias);
  EXPECT_EQ(t.key, "a b+c/\xc3\xa9t\xc3\xa9.txt");
}

TEST(Target, ChildJoinsWithOneSlash) {
  EXPECT_EQ(child_target(parse_target("local/b", is_alias), "x/y").display(), "local/b/x/y");
  EXPECT_EQ(child_target(parse_target("local/b/p/", is_alias), "x").display(), "local/b/p/x");
  EXPECT_EQ(child_target(parse_target("local/b/p", is_alias), "x").key, "p/x");
  EXPECT_EQ(child_target(parse_target("local", is_alias), "bk/x").bucket, "bk");
  EXPECT_EQ(child_target(parse_target("dir", is_alias), "f").path, "dir/f");
  EXPECT_EQ(child_target(parse_target("dir/", is_alias), "f").path, "dir/f");
}

TEST(Target, OnlyDotDotComponentsEscapeAFolder) {
  EXPECT_TRUE(escapes_folder(".."));
  EXPECT_TRUE(escapes_folder("../x"));
  EXPECT_TRUE(escapes_folder("a/../../x"));
  EXPECT_TRUE(escapes_folder("a/.."));
  EXPECT_FALSE(escapes_folder("a..b/..c/d.."));
  EXPECT_FALSE(escapes_folder("./a/./b"));
  EXPECT_FALSE(escapes_folder("/abs//x"));
  EXPECT_FALSE(escapes_folder(""));
}

TEST(AliasUrl, ParsesKeysFromTheUserInfo) {
  auto a = parse_alias_url("ci", "https://AK:s%2Fcret@host:9000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->url, "https://host:9000");
  EXPECT_EQ(a->access_key, "AK");
  EXPECT_EQ(a->secret_key, "s/cret");
  EXPECT_TRUE(a->from_env);
}

TEST(AliasUrl, RejectsUrlsWithoutKeysOrWithAPath) {
  EXPECT_FALSE(parse_alias_url("x", "https://host:9000"));
  EXPECT_FALSE(parse_alias_url("x", "https://AK@host"));
  EXPECT_FALSE(parse_alias_url("x", "https://a:b@host/path"));
}

TEST(AliasName, LettersDigitsDashUnderscore) {
  EXPECT_TRUE(valid_alias_name("my-s3_2"));
  EXPECT_FALSE(valid_alias_name("2abc"));
  EXPECT_FALSE(valid_alias_name("a/b"));
  EXPECT_FALSE(valid_alias_name(""));
}

TEST(AliasConfig, SavesPrivatelyAndLoadsBack) {
  silo::test_support::TempDir dir;
  std::string cfg = dir.path() + "/cfg";
  auto c = AliasConfig::load(cfg);
  ASSERT_TRUE(c);
  c->set(Alias{"local", "http://127.0.0.1:9000", "ak", "sk", "eu-west-1", false});
  ASSERT_TRUE(c->save());
  struct stat st {};
  ASSERT_EQ(::stat((cfg + "/config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = AliasConfig::load(cfg);
  ASSERT_TRUE(again);
  auto a = again->find("local");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->secret_key, "sk");
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_TRUE(again->remove("local"));
  EXPECT_FALSE(again->remove("local"));
}

TEST(AliasConfig, CorruptFileIsAnError) {
  silo::test_support::TempDir dir;
  std::ofstream(dir.path() + "/config.json") << "{not json";
  EXPECT_FALSE(AliasConfig::load(dir.path()));
}

TEST(AliasConfig, EnvironmentAliasWinsOverTheFile) {
  silo::test_support::TempDir dir;
  ::setenv("SILO_ALIAS_envtest", "http://E:F@127.0.0.1:1", 1);
  auto c = AliasConfig::load(dir.path());
  ::unsetenv("SILO_ALIAS_envtest");
  ASSERT_TRUE(c);
  auto a = c->find("envtest");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->access_key, "E");
  EXPECT_TRUE(a->from_env);
}

TEST(Age, DaysWeeksAndDurations) {
  EXPECT_EQ(parse_age("7d")->count(), 7 * 86400);
  EXPECT_EQ(parse_age("2w")->count(), 14 * 86400);
  EXPECT_EQ(parse_age("1d12h")->count(), 86400 + 12 * 3600);
  EXPECT_EQ(parse_age("90m")->count(), 90 * 60);
  EXPECT_EQ(parse_age("30")->count(), 30);
  EXPECT_FALSE(parse_age("d"));
  EXPECT_FALSE(parse_age("0d"));
  EXPECT_FALSE(parse_age("7x"));
}

TEST(Time, ParsesS3TimestampsInBothForms) {
  EXPECT_EQ(*parse_iso8601("1970-01-02T00:00:01.500Z"), (86401ll * 1000 + 500) * 1'000'000);
  EXPECT_EQ(*parse_s3_time("Thu, 01 Jan 1970 00:01:00 GMT"), 60ll * 1'000'000'000);
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_EQ(format_time(0), "1970-01-01 00:00:00 UTC");
}

TEST(Glob, MatchesShellPatterns) {
  EXPECT_TRUE(glob_match("*.jpg", "cat.jpg"));
  EXPECT_FALSE(glob_match("*.jpg", "cat.png"));
  EXPECT_TRUE(glob_match("img-??.[jp]*", "img-01.png"));
}

TEST(PartSize, RaisedToFitTenThousandParts) {
  constexpr uint64_t MiB = 1 << 20;
  EXPECT_EQ(choose_part_size(200 * MiB, 16 * MiB), 16 * MiB);
  EXPECT_EQ(choose_part_size(1, 1 * MiB), 5 * MiB);
  uint64_t huge = 1000000 * MiB;  // ~1 TB
  uint64_t p = choose_part_size(huge, 16 * MiB);
  EXPECT_LE((huge + p - 1) / p, 10000u);
  EXPECT_EQ(p % MiB, 0u);
}

TEST(Retry, OnlyServerSideAndNetworkFailuresAreRetried) {
  EXPECT_TRUE(is_retryable(S3Error{0, "network", "reset", {}}));
  EXPECT_TRUE(is_retryable(S3Error{503, "SlowDown", "", {}}));
  EXPECT_TRUE(is_retryable(S3Error{500, "InternalError", "", {}}));
  EXPECT_TRUE(is_retryable(S3Error{429, "TooManyRequests", "", {}}));
  EXPECT_FALSE(is_retryable(S3Error{404, "NoSuchKey", "", {}}));
  EXPECT_FALSE(is_retryable(S3Error{403, "AccessDenied", "", {}}));
  EXPECT_FALSE(is_retryable(S3Error{0, "aborted", "", {}}));
  // A certificate that does not verify fails the same way every time.
  EXPECT_FALSE(is_retryable(S3Error{0, "tls", "certificate not trusted", {}}));
}

TEST(Trust, VerifiesUnlessInsecureAndAddsTheConfigFoldersCAs) {
  test_support::TempDir dir;
  ClientConfig plain;
  ASSERT_TRUE(apply_trust(plain, dir.path(), false));
  EXPECT_TRUE(plain.verify_tls);
  EXPECT_EQ(plain.ca_pem, nullptr);  // no CAs of the user's: libcurl's default bundle
  EXPECT_EQ(plain.ca_dir, dir.path() + "/certs/CAs");

  test_support::TempDir other;
  std::filesystem::create_directories(other.path() + "/certs/CAs");
  std::ofstream(other.path() + "/certs/CAs/mine.pem")
      << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  ClientConfig mine;
  ASSERT_TRUE(apply_trust(mine, other.path(), false));
  ASSERT_NE(mine.ca_pem, nullptr);
  EXPECT_NE(mine.ca_pem->find("MIIB"), std::string::npos);
  ClientConfig insecure;
  ASSERT_TRUE(apply_trust(insecure, other.path(), true));
  EXPECT_FALSE(insecure.verify_tls);
}

TEST(Retry, StopsAtTheFirstPermanentErrorOrAfterMaxAttempts) {
  RetryPolicy p;
  p.max_attempts = 4;
  p.base = std::chrono::milliseconds(1);
  int calls = 0;
  auto flaky = with_retry(p, [&]() -> S3Result<int> {
    ++calls;
    if (calls < 3) return std::unexpected(S3Error{503, "SlowDown", "", {}});
    return 7;
  });
  EXPECT_EQ(*flaky, 7);
  EXPECT_EQ(calls, 3);
  calls = 0;
  auto permanent = with_retry(p, [&]() -> S3Result<int> {
    ++calls;
    return std::unexpected(S3Error{404, "NoSuchKey", "", {}});
  });
  EXPECT_FALSE(permanent);
  EXPECT_EQ(calls, 1);
  calls = 0;
  auto down = with_retry(p, [&]() -> S3Result<int> {
    ++calls;
    return std::unexpected(S3Error{0, "network", "", {}});
  });
  EXPECT_EQ(calls, 4);
}

TEST(Retry, BackoffGrowsAndIsCapped) {
  RetryPolicy p;
  p.base = std::chrono::milliseconds(100);
  p.cap = std::chrono::milliseconds(1000);
  for (int i = 0; i < 50; ++i) {
    EXPECT_LE(backoff_delay(p, 2).count(), 100);
    EXPECT_LE(backoff_delay(p, 10).count(), 1000);
  }
}

TEST(ClientXml, ReadsVersionsAndDeleteMarkersInDocumentOrder) {
  auto page = xml::parse_list_versions(
      "<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>b%20c</NextKeyMarker>"
      "<NextVersionIdMarker>v9</NextVersionIdMarker>"
      "<Version><Key>a%2Bb</Key><VersionId>v2</VersionId><IsLatest>true</IsLatest><Size>3</Size>"
      "<ETag>\"e\"</ETag></Version>"
      "<DeleteMarker><Key>a%2Bb</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest></DeleteMarker>"
      "</ListVersionsResult>",
      true);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->versions.size(), 2u);
  EXPECT_EQ(page->versions[0].key, "a+b");
  EXPECT_EQ(page->versions[0].etag, "e");
  EXPECT_TRUE(page->versions[1].delete_marker);
  EXPECT_FALSE(page->versions[1].is_latest);
  EXPECT_EQ(page->next_key_marker, "b c");
  EXPECT_FALSE(page->unversioned);
}

TEST(ClientXml, PlainListingReadAsUnversioned) {
  auto page = xml::parse_list_versions(
      "<ListBucketResult><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>", false);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->unversioned);
  ASSERT_EQ(page->versions.size(), 1u);
  EXPECT_EQ(page->versions[0].version_id, "null");
}

TEST(ClientXml, ReadsUploadsAndTheNextMarkers) {
  auto page = xml::parse_list_uploads(
      R"(<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <Bucket>b</Bucket><EncodingType>url</EncodingType>
      <NextKeyMarker>dir%2F%C3%BC</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>
      <IsTruncated>true</IsTruncated>
      <Upload><Key>a+b</Key><UploadId>u1</UploadId></Upload>
      <Upload><Key>dir%2F%C3%BC</Key><UploadId>u2</UploadId></Upload>
      </ListMultipartUploadsResult>)",
      true);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->uploads.size(), 2u);
  EXPECT_EQ(page->uploads[0].key, "a b");
  EXPECT_EQ(page->uploads[1].key, "dir/\xC3\xBC");
  EXPECT_EQ(page->uploads[1].upload_id, "u2");
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_key_marker, "dir/\xC3\xBC");
  EXPECT_EQ(page->next_upload_id_marker, "u2");
  EXPECT_FALSE(xml::parse_list_uploads("<ListBucketResult/>", true));
}

TEST(ClientXml, CopyAndCompleteResultsGiveTheEtag) {
  EXPECT_EQ(*xml::parse_copy_etag("<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>"), "x");
  EXPECT_EQ(*xml::parse_copy_etag("<CopyPartResult><ETag>y</ETag></CopyPartResult>"), "y");
  // moto names the root CompleteMultipartUploadResponse.
  EXPECT_EQ(*xml::parse_complete_etag(
                "<CompleteMultipartUploadResponse><ETag>\"z-2\"</ETag></CompleteMultipartUploadResponse>"),
            "z-2");
  auto buckets = xml::parse_list_buckets(
      "<ListAllMyBucketsResult><Buckets><Bucket><Name>b1</Name><CreationDate>2024-01-01T00:00:00.000Z"
      "</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>");
  ASSERT_TRUE(buckets);
  EXPECT_EQ((*buckets)[0].name, "b1");
}

}  // namespace
}  // namespace silo::client
