// SigV2 (src/auth/sigv2*): the examples of AWS's "Signing and Authenticating
// REST Requests" (their credentials, their requests, their signatures), the
// canonical forms, and the error of every check.
#include "auth/sigv2.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/authenticate.h"
#include "auth/dates.h"
#include "aws_example_credentials.h"
#include "common/strings.h"

namespace silo::auth {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using test_support::example_lookup;
using test_support::expect_error;
using test_support::kAccessKey;
using test_support::kSecret;

Clock::time_point at(std::string_view http_date) { return *parse_http_date(http_date); }

Result<AuthResult> verify(const SignedRequest& r, Clock::time_point now) {
  return authenticate(r, example_lookup(), "us-east-1", now);
}

void expect_verified(const Result<AuthResult>& r, bool presigned = false) {
  ASSERT_TRUE(r.has_value()) << r.error().text();
  EXPECT_EQ(r->scheme, Scheme::kSigV2);
  EXPECT_EQ(r->access_key, kAccessKey);
  EXPECT_EQ(r->presigned, presigned);
  EXPECT_TRUE(r->region.empty());
  EXPECT_FALSE(r->chunk_signing.has_value());
}

std::string authorization(std::string_view signature) {
  return "AWS " + std::string(kAccessKey) + ":" + std::string(signature);
}

// ---- AWS's examples ----

constexpr std::string_view kGetDate = "Tue, 27 Mar 2007 19:36:42 +0000";

SignedRequest get_puppy(std::string_view signature) {
  SignedRequest r{"GET",
                  "/photos/puppy.jpg",
                  "",
                  {{"host", "johnsmith.s3.amazonaws.com"},
                   {"date", std::string(kGetDate)},
                   {"authorization", authorization(signature)}}};
  r.virtual_host_bucket = "johnsmith";
  return r;
}

TEST(SigV2Examples, ObjectGetStringToSignAndSignature) {
  auto resource = canonical_resource_v2("/photos/puppy.jpg", "", "johnsmith");
  ASSERT_TRUE(resource);
  EXPECT_EQ(*resource, "/johnsmith/photos/puppy.jpg");
  std::string sts = string_to_sign_v2("GET", "", "", kGetDate, "", *resource);
  EXPECT_EQ(sts, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg");
  EXPECT_EQ(signature_v2(kSecret, sts), "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
}

TEST(SigV2Examples, ServerVerifiesObjectGetInVirtualHostStyle) {
  expect_verified(verify(get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU="), at(kGetDate)));
}

TEST(SigV2Examples, ServerVerifiesObjectPutWithContentType) {
  constexpr std::string_view date = "Tue, 27 Mar 2007 21:15:45 +0000";
  SignedRequest r{"PUT",
                  "/photos/puppy.jpg",
                  "",
                  {{"content-type", "image/jpeg"},
                   {"content-length", "94328"},
                   {"host", "johnsmith.s3.amazonaws.com"},
                   {"date", std::string(date)},
                   {"authorization", authorization("MyyxeRY7whkBe+bq8fHCL/2kKUg=")}}};
  r.virtual_host_bucket = "johnsmith";
  auto result = verify(r, at(date));
  expect_verified(result);
  EXPECT_EQ(result->payload_mode, PayloadMode::kUnsigned);
}

TEST(SigV2Examples, ServerVerifiesListingWhoseParametersAreNotSubresources) {
  constexpr std::string_view date = "Tue, 27 Mar 2007 19:42:41 +0000";
  SignedRequest r{"GET",
                  "/",
                  "prefix=photos&max-keys=50&marker=puppy",
                  {{"user-agent", "Mozilla/5.0"},
                   {"host", "johnsmith.s3.amazonaws.com"},
                   {"date", std::string(date)},
                   {"authorization", authorization("htDYFYduRNen8P9ZfE/s9SuKy0U=")}}};
  r.virtual_host_bucket = "johnsmith";
  expect_verified(verify(r, at(date)));
}

TEST(SigV2Examples, ServerVerifiesAclFetchWithTheSubresource) {
  constexpr std::string_view date = "Tue, 27 Mar 2007 19:44:46 +0000";
  SignedRequest r{"GET",
                  "/",
                  "acl",
                  {{"host", "johnsmith.s3.amazonaws.com"},
                   {"date", std::string(date)},
                   {"authorization", authorization("c2WLPFtWHVgbEmeEG93a4cG37dM=")}}};
  r.virtual_host_bucket = "johnsmith";
  expect_verified(verify(r, at(date)));
}

TEST(SigV2Examples, ServerVerifiesDeleteSignedOnXAmzDateInPathStyle) {
  // AWS's example puts x-amz-date's value on the Date line (and not among the
  // x-amz-* headers) although a Date header is present too.
  SignedRequest r{"DELETE",
                  "/johnsmith/photos/puppy.jpg",
                  "",
                  {{"user-agent", "dotnet"},
                   {"host", "s3.us-west-1.amazonaws.com"},
                   {"date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                   {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"},
                   {"authorization", authorization("lx3byBScXR6KzyMaifNkardMwNk=")}}};
  expect_verified(verify(r, at("Tue, 27 Mar 2007 21:20:26 +0000")));
}

TEST(SigV2Examples, ServerVerifiesUploadWithMd5AndRepeatedMetadataOnACname) {
  constexpr std::string_view date = "Tue, 27 Mar 2007 21:06:08 +0000";
  SignedRequest r{"PUT",
                  "/db-backup.dat.gz",
                  "",
                  {{"user-agent", "curl/7.15.5"},
                   {"host", "static.johnsmith.net:8080"},
                   {"date", std::string(date)},
                   {"x-amz-acl", "public-read"},
                   {"content-type", "application/x-download"},
                   {"content-md5", "4gJE4saaMU4BqNR0kLY+lw=="},
                   {"x-amz-meta-reviewedby", "joe@johnsmith.net"},
                   {"x-amz-meta-reviewedby", "jane@johnsmith.net"},
                   {"x-amz-meta-filechecksum", "0x02661779"},
                   {"x-amz-meta-checksumalgorithm", "crc32"},
                   {"content-disposition", "attachment; filename=database.dat"},
                   {"content-encoding", "gzip"},
                   {"content-length", "5913339"},
                   {"authorization", authorization("ilyl83RwaSoYIEdixDQcA4OnAnc=")}}};
  r.virtual_host_bucket = "static.johnsmith.net";
  expect_verified(verify(r, at(date)));
}

TEST(SigV2Examples, ServerVerifiesListAllMyBuckets) {
  constexpr std::string_view date = "Wed, 28 Mar 2007 01:29:59 +0000";
  SignedRequest r{"GET",
                  "/",
                  "",
                  {{"host", "s3.us-west-1.amazonaws.com"},
                   {"date", std::string(date)},
                   {"authorization", authorization("qGdzdERIC03wnaRNKh6OqZehG9s=")}}};
  expect_verified(verify(r, at(date)));
}

TEST(SigV2Examples, ServerSignsTheUnicodeKeyAsItWasEncodedOnTheWire) {
  constexpr std::string_view date = "Wed, 28 Mar 2007 01:49:49 +0000";
  SignedRequest r{"GET",
                  "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
                  "",
                  {{"host", "s3.us-west-1.amazonaws.com"},
                   {"date", std::string(date)},
                   {"authorization", authorization("DNEZGsoieTZ92F3bUfSPQcbGmlM=")}}};
  expect_verified(verify(r, at(date)));
}

SignedRequest presigned_puppy(std::string_view query) {
  SignedRequest r{"GET", "/photos/puppy.jpg", query, {{"host", "johnsmith.s3.amazonaws.com"}}};
  r.virtual_host_bucket = "johnsmith";
  return r;
}

constexpr std::string_view kPresignedQuery =
    "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"
    "&Expires=1175139620";
const Clock::time_point kBeforeExpiry = Clock::time_point(1175139000s);

TEST(SigV2Examples, ServerVerifiesPresignedGetBeforeExpires) {
  expect_verified(verify(presigned_puppy(kPresignedQuery), kBeforeExpiry), /*presigned=*/true);
  expect_verified(verify(presigned_puppy(kPresignedQuery), Clock::time_point(1175139620s)),
                  /*presigned=*/true);
}

// ---- presigned errors ----

TEST(SigV2Presigned, AfterExpiresIsAccessDenied) {
  expect_error(verify(presigned_puppy(kPresignedQuery), Clock::time_point(1175139621s)),
               ErrorCode::kAccessDenied, "Request has expired");
}

TEST(SigV2Presigned, MissingParameterIsAccessDenied) {
  expect_error(verify(presigned_puppy("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620"),
                      kBeforeExpiry),
               ErrorCode::kAccessDenied, "requires the Signature, Expires and AWSAccessKeyId");
  expect_error(verify(presigned_puppy("Signature=abc&Expires=1175139620"), kBeforeExpiry),
               ErrorCode::kAccessDenied);
  expect_error(
      verify(presigned_puppy("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=abc"), kBeforeExpiry),
      ErrorCode::kAccessDenied);
}

TEST(SigV2Presigned, ExpiresThatIsNotANumberIsAccessDenied) {
  expect_error(verify(presigned_puppy("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=abc&"
                                      "Expires=tomorrow"),
                      kBeforeExpiry),
               ErrorCode::kAccessDenied, "should be seconds since epoch");
}

TEST(SigV2Presigned, UnknownKeyIsInvalidAccessKeyId) {
  expect_error(verify(presigned_puppy("AWSAccessKeyId=AKIDUNKNOWN&Signature=NpgCjnDzrM%2BWFzoENXm"
                                      "pNDUsSn8%3D&Expires=1175139620"),
                      kBeforeExpiry),
               ErrorCode::kInvalidAccessKeyId);
}

TEST(SigV2Presigned, TamperedSignatureExpiresOrPathIsSignatureDoesNotMatch) {
  expect_error(verify(presigned_puppy("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=OpgCjnDzrM%2B"
                                      "WFzoENXmpNDUsSn8%3D&Expires=1175139620"),
                      kBeforeExpiry),
               ErrorCode::kSignatureDoesNotMatch);
  expect_error(verify(presigned_puppy("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2B"
                                      "WFzoENXmpNDUsSn8%3D&Expires=1175139621"),
                      kBeforeExpiry),
               ErrorCode::kSignatureDoesNotMatch);
  SignedRequest other = presigned_puppy(kPresignedQuery);
  other.raw_path = "/photos/kitten.jpg";
  expect_error(verify(other, kBeforeExpiry), ErrorCode::kSignatureDoesNotMatch);
  SignedRequest put = presigned_puppy(kPresignedQuery);
  put.method = "PUT";
  expect_error(verify(put, kBeforeExpiry), ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV2Presigned, AmzParametersInTheQueryAreSignedAsHeaders) {
  // botocore signs x-amz-* headers, then sends them as query parameters.
  std::string sts = string_to_sign_v2("GET", "", "", "1175139620", "x-amz-security-token:tok\n",
                                      "/johnsmith/photos/puppy.jpg");
  std::string query =
      "x-amz-security-token=tok&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires="
      "1175139620&Signature=" +
      uri_encode(signature_v2(kSecret, sts), false);
  expect_verified(verify(presigned_puppy(query), kBeforeExpiry), /*presigned=*/true);
}

// ---- header form errors ----

TEST(SigV2Header, WrongSecretIsSignatureDoesNotMatch) {
  auto lookup = [](std::string_view) -> std::optional<std::string> { return "another secret"; };
  expect_error(authenticate(get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU="), lookup, "", at(kGetDate)),
               ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV2Header, UnknownKeyIsInvalidAccessKeyId) {
  SignedRequest r = get_puppy("x");
  r.headers.back().second = "AWS AKIDUNKNOWN:bWq2s1WEIj+Ydj0vQ697zp+IXMU=";
  expect_error(verify(r, at(kGetDate)), ErrorCode::kInvalidAccessKeyId);
}

TEST(SigV2Header, MalformedHeaderIsInvalidArgument) {
  for (const char* bad : {"AWS AKIAIOSFODNN7EXAMPLE", "AWS :sig", "AWS AKIAIOSFODNN7EXAMPLE:"}) {
    SignedRequest r = get_puppy("x");
    r.headers.back().second = bad;
    expect_error(verify(r, at(kGetDate)), ErrorCode::kInvalidArgument, "AwsAccessKeyId:signature");
  }
  SignedRequest scheme_only = get_puppy("x");
  scheme_only.headers.back().second = "AWS  ";
  expect_error(verify(scheme_only, at(kGetDate)), ErrorCode::kInvalidArgument);
}

TEST(SigV2Header, MoreThanFifteenMinutesOffIsRequestTimeTooSkewed) {
  SignedRequest r = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  expect_verified(verify(r, at(kGetDate) + 15min));
  expect_verified(verify(r, at(kGetDate) - 15min));
  expect_error(verify(r, at(kGetDate) + 16min), ErrorCode::kRequestTimeTooSkewed);
  expect_error(verify(r, at(kGetDate) - 16min), ErrorCode::kRequestTimeTooSkewed);
}

TEST(SigV2Header, NoUsableDateIsAccessDenied) {
  SignedRequest r = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  std::erase_if(r.headers, [](const auto& h) { return h.first == "date"; });
  expect_error(verify(r, at(kGetDate)), ErrorCode::kAccessDenied, "valid Date or x-amz-date");
  r.headers.emplace_back("date", "yesterday");
  expect_error(verify(r, at(kGetDate)), ErrorCode::kAccessDenied);
}

TEST(SigV2Header, TamperedRequestIsSignatureDoesNotMatch) {
  SignedRequest path = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  path.raw_path = "/photos/kitten.jpg";
  expect_error(verify(path, at(kGetDate)), ErrorCode::kSignatureDoesNotMatch);
  SignedRequest bucket = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  bucket.virtual_host_bucket = "janesmith";
  expect_error(verify(bucket, at(kGetDate)), ErrorCode::kSignatureDoesNotMatch);
  SignedRequest subresource = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  subresource.raw_query = "acl";
  expect_error(verify(subresource, at(kGetDate)), ErrorCode::kSignatureDoesNotMatch);
  SignedRequest amz = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  amz.headers.emplace_back("x-amz-meta-added", "after signing");
  expect_error(verify(amz, at(kGetDate)), ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV2Header, HeadersOutsideTheStringToSignMayChange) {
  SignedRequest r = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  r.headers.emplace_back("user-agent", "anything");
  r.headers.emplace_back("range", "bytes=0-9");
  r.raw_query = "prefix=x";
  expect_verified(verify(r, at(kGetDate)));
}

// The three Date lines clients use when x-amz-date is present.
SignedRequest signed_with_amz_date(std::string_view date_line, bool amz_date_in_headers,
                                   bool with_date_header) {
  constexpr std::string_view amz_date = "Tue, 27 Mar 2007 19:36:42 GMT";
  std::string amz = amz_date_in_headers ? "x-amz-date:" + std::string(amz_date) + "\n" : "";
  std::string sts = string_to_sign_v2("GET", "", "", date_line, amz, "/johnsmith/photos/puppy.jpg");
  SignedRequest r = get_puppy(signature_v2(kSecret, sts));
  std::erase_if(r.headers, [](const auto& h) { return h.first == "date"; });
  if (with_date_header) r.headers.emplace_back("date", "Tue, 27 Mar 2007 19:36:40 GMT");
  r.headers.emplace_back("x-amz-date", std::string(amz_date));
  return r;
}

TEST(SigV2Header, XAmzDateSignedAsAHeaderWithTheDateLineAsSent) {
  expect_verified(verify(signed_with_amz_date("", true, false), at(kGetDate)));
  expect_verified(
      verify(signed_with_amz_date("Tue, 27 Mar 2007 19:36:40 GMT", true, true), at(kGetDate)));
}

TEST(SigV2Header, XAmzDateSignedWithAnEmptyDateLineBesideADateHeader) {
  expect_verified(verify(signed_with_amz_date("", true, true), at(kGetDate)));
}

TEST(SigV2Header, XAmzDateOnTheDateLineAsAwsDocumentsIt) {
  expect_verified(
      verify(signed_with_amz_date("Tue, 27 Mar 2007 19:36:42 GMT", false, false), at(kGetDate)));
}

TEST(SigV2Header, XAmzDateOverridesDateForTheClockCheck) {
  SignedRequest r = signed_with_amz_date("", true, true);
  for (auto& [name, value] : r.headers) {
    if (name == "date") value = "Mon, 01 Jan 2001 00:00:00 GMT";
  }
  // The Date header is now far off, but x-amz-date is what counts (and the
  // form with an empty Date line does not sign Date).
  expect_verified(verify(r, at(kGetDate)));
  expect_error(verify(r, at(kGetDate) + 1h), ErrorCode::kRequestTimeTooSkewed);
}

TEST(SigV2Header, BodyHashInXAmzContentSha256IsSignedAndReturned) {
  std::string hash(64, 'a');
  std::string sts =
      string_to_sign_v2("PUT", "", "", kGetDate, "x-amz-content-sha256:" + hash + "\n",
                        "/johnsmith/photos/puppy.jpg");
  SignedRequest r = get_puppy(signature_v2(kSecret, sts));
  r.method = "PUT";
  r.headers.emplace_back("x-amz-content-sha256", hash);
  auto result = verify(r, at(kGetDate));
  expect_verified(result);
  EXPECT_EQ(result->payload_mode, PayloadMode::kSigned);
  EXPECT_EQ(result->payload_sha256_hex, hash);
}

TEST(SigV2Header, SignedStreamingPayloadNeedsSigV4) {
  SignedRequest r = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  r.headers.emplace_back("x-amz-content-sha256", std::string(kStreamingSignedPayload));
  expect_error(verify(r, at(kGetDate)), ErrorCode::kInvalidRequest, "Signature Version 4");
}

TEST(SigV2Header, AuthorizationPlusQueryAuthIsInvalidArgument) {
  SignedRequest r = get_puppy("bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  r.raw_query = kPresignedQuery;
  expect_error(verify(r, at(kGetDate)), ErrorCode::kInvalidArgument, "Only one auth mechanism");
  std::string both_queries = std::string(kPresignedQuery) + "&X-Amz-Algorithm=x";
  SignedRequest both = presigned_puppy(both_queries);
  expect_error(verify(both, kBeforeExpiry), ErrorCode::kInvalidArgument);
}

// A header-signed GET of `raw_path`?`raw_query` whose signature covers `resource`.
SignedRequest signed_on_resource(std::string_view raw_path, std::string_view raw_query,
                                 std::string_view resource) {
  std::string sts = string_to_sign_v2("GET", "", "", kGetDate, "", resource);
  return {"GET",
          raw_path,
          raw_query,
          {{"host", "h"},
           {"date", std::string(kGetDate)},
           {"authorization", authorization(signature_v2(kSecret, sts))}}};
}

TEST(SigV2Resource, ABucketIsSignedWithOrWithoutItsTrailingSlash) {
  expect_verified(verify(signed_on_resource("/b", "", "/b/"), at(kGetDate)));
  expect_verified(verify(signed_on_resource("/b/", "", "/b"), at(kGetDate)));
  expect_verified(verify(signed_on_resource("/b", "location", "/b/?location"), at(kGetDate)));
  expect_error(verify(signed_on_resource("/b/k", "", "/b/k/"), at(kGetDate)),
               ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV2Resource, OldBotocoreSignsItsTemplateQueryBeforeTheSubresources) {
  expect_verified(
      verify(signed_on_resource("/b", "location", "/b?location?location"), at(kGetDate)));
  expect_verified(
      verify(signed_on_resource("/b/k", "uploads", "/b/k?uploads?uploads"), at(kGetDate)));
  expect_verified(
      verify(signed_on_resource("/b", "list-type=2&prefix=p&encoding-type=url", "/b?list-type=2"),
             at(kGetDate)));
  // Only the leading parameter, as sent.
  expect_error(
      verify(signed_on_resource("/b", "prefix=p&list-type=2", "/b?list-type=2"), at(kGetDate)),
      ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV2Resource, ALeadingParameterHoldingAQuestionMarkIsSignedOnlyOneWay) {
  // "/b?a?acl" is what the old botocore form of "a&acl" would be: the query
  // "a?acl" (no sub-resource) must not be taken for it.
  expect_error(verify(signed_on_resource("/b", "a?acl", "/b?a?acl"), at(kGetDate)),
               ErrorCode::kSignatureDoesNotMatch);
  expect_verified(verify(signed_on_resource("/b", "a?acl", "/b"), at(kGetDate)));
}

// ---- canonical forms ----

TEST(SigV2Canonical, ResourceKeepsOnlySubresourcesSortedWithDecodedValues) {
  auto r = canonical_resource_v2(
      "/b/k", "uploadId=a%2Fb&prefix=x&partNumber=2&response-content-type=text%2Fplain&acl", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "/b/k?acl&partNumber=2&response-content-type=text/plain&uploadId=a/b");
}

TEST(SigV2Canonical, ResourceKeepsAnEmptyValueAsSent) {
  EXPECT_EQ(*canonical_resource_v2("/b", "versioning=", ""), "/b?versioning=");
  EXPECT_EQ(*canonical_resource_v2("/b", "versioning", ""), "/b?versioning");
  EXPECT_EQ(*canonical_resource_v2("/b", "delete&list-type=2", ""), "/b?delete");
}

TEST(SigV2Canonical, ResourceOfVirtualHostBucketRootAndServiceRoot) {
  EXPECT_EQ(*canonical_resource_v2("/", "", "photos"), "/photos/");
  EXPECT_EQ(*canonical_resource_v2("/", "", ""), "/");
  EXPECT_EQ(*canonical_resource_v2("", "", ""), "/");
}

TEST(SigV2Canonical, MalformedEscapeInAQueryIsInvalidUri) {
  auto r = canonical_resource_v2("/b", "uploadId=%zz", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidURI);
}

TEST(SigV2Canonical, AmzHeadersSortedJoinedAndTrimmed) {
  Headers h = {{"x-amz-meta-b", " two "}, {"content-type", "x"},  {"x-amz-acl", "private"},
               {"x-amz-meta-b", "three"}, {"x-amzn-trace", "no"}, {"x-amz-meta-a", "one"}};
  EXPECT_EQ(canonical_amz_headers(h),
            "x-amz-acl:private\nx-amz-meta-a:one\nx-amz-meta-b:two,three\n");
  EXPECT_EQ(canonical_amz_headers({}), "");
}

TEST(SigV2Canonical, SubresourceListIncludesWhatSdksSign) {
  for (const char* name : {"acl",
                           "uploads",
                           "uploadId",
                           "partNumber",
                           "versionId",
                           "versioning",
                           "versions",
                           "location",
                           "tagging",
                           "delete",
                           "lifecycle",
                           "policy",
                           "cors",
                           "notification",
                           "logging",
                           "website",
                           "torrent",
                           "restore",
                           "requestPayment",
                           "response-content-type",
                           "response-expires"}) {
    EXPECT_TRUE(is_sigv2_subresource(name)) << name;
  }
  for (const char* name : {"prefix", "marker", "max-keys", "list-type", "Signature", "ACL", ""}) {
    EXPECT_FALSE(is_sigv2_subresource(name)) << name;
  }
}

}  // namespace
}  // namespace silo::auth
