// SigV4 (src/auth): AWS's published examples, the client signer against the
// verifier, and the error of every check.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "auth/authenticate.h"
#include "auth/client_sign.h"
#include "auth/dates.h"
#include "aws_example_credentials.h"
#include "common/hash.h"
#include "common/strings.h"
#include "common/time.h"

namespace silo::auth {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using test_support::example_lookup;
using test_support::expect_error;
using test_support::kAccessKey;
using test_support::kSecret;

// The scope and time of AWS's published SigV4 S3 examples.
constexpr std::string_view kScope = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
const Clock::time_point kExampleTime = *parse_amz_date("20130524T000000Z");

std::string auth_header(std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=" + std::string(kScope) +
         ",SignedHeaders=" + std::string(signed_headers) + ",Signature=" + std::string(signature);
}

// ---- AWS "Transferring Payload in a Single Chunk" examples ----

SignedRequest get_object_example() {
  return {"GET",
          "/test.txt",
          "",
          {{"host", "examplebucket.s3.amazonaws.com"},
           {"range", "bytes=0-9"},
           {"x-amz-content-sha256", std::string(kEmptySha256Hex)},
           {"x-amz-date", "20130524T000000Z"}}};
}
constexpr std::string_view kGetObjectSig =
    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

SignedRequest put_object_example() {
  return {"PUT",
          "/test$file.text",
          "",
          {{"host", "examplebucket.s3.amazonaws.com"},
           {"date", "Fri, 24 May 2013 00:00:00 GMT"},
           {"x-amz-date", "20130524T000000Z"},
           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
           {"x-amz-content-sha256",
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}}};
}
constexpr std::string_view kPutObjectSig =
    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";

SignedRequest bucket_get_example(std::string_view query) {
  return {"GET",
          "/",
          query,
          {{"host", "examplebucket.s3.amazonaws.com"},
           {"x-amz-date", "20130524T000000Z"},
           {"x-amz-content-sha256", std::string(kEmptySha256Hex)}}};
}
constexpr std::string_view kLifecycleSig =
    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543";
constexpr std::string_view kListObjectsSig =
    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7";

SignedRequest with_auth(SignedRequest r, std::string_view signed_headers,
                        std::string_view signature) {
  r.headers.emplace_back("authorization", auth_header(signed_headers, signature));
  return r;
}

Result<AuthResult> verify(const SignedRequest& r, Clock::time_point now = kExampleTime,
                          std::string_view region = "us-east-1") {
  return authenticate(r, example_lookup(), region, now);
}

TEST(SigV4Examples, ServerVerifiesGetObjectWithRange) {
  auto r = verify(
      with_auth(get_object_example(), "host;range;x-amz-content-sha256;x-amz-date", kGetObjectSig));
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_FALSE(r->anonymous());
  EXPECT_FALSE(r->presigned);
  EXPECT_EQ(r->access_key, kAccessKey);
  EXPECT_EQ(r->region, "us-east-1");
  EXPECT_EQ(r->payload_mode, PayloadMode::kSigned);
  EXPECT_EQ(r->payload_sha256_hex, kEmptySha256Hex);
  EXPECT_FALSE(r->chunk_signing);
}

TEST(SigV4Examples, ServerVerifiesPutObjectWithDollarInKey) {
  auto r = verify(with_auth(put_object_example(),
                            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                            kPutObjectSig));
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(r->payload_sha256_hex,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(sha256_hex("Welcome to Amazon S3."), r->payload_sha256_hex);
}

TEST(SigV4Examples, ServerVerifiesGetBucketLifecycle) {
  auto r = verify(with_auth(bucket_get_example("lifecycle"), "host;x-amz-content-sha256;x-amz-date",
                            kLifecycleSig));
  ASSERT_TRUE(r) << r.error().text();
}

TEST(SigV4Examples, ServerVerifiesListObjectsWhateverTheQueryOrder) {
  for (auto q : {"max-keys=2&prefix=J", "prefix=J&max-keys=2"}) {
    auto r = verify(
        with_auth(bucket_get_example(q), "host;x-amz-content-sha256;x-amz-date", kListObjectsSig));
    ASSERT_TRUE(r) << q << ": " << r.error().text();
  }
}

TEST(SigV4Examples, ClientSignerReproducesAllHeaderExamples) {
  struct Case {
    SignedRequest request;
    std::string payload_hash;
    std::string signed_headers;
    std::string_view signature;
  };
  std::vector<Case> cases = {
      {{"GET",
        "/test.txt",
        "",
        {{"host", "examplebucket.s3.amazonaws.com"}, {"range", "bytes=0-9"}}},
       std::string(kEmptySha256Hex),
       "host;range;x-amz-content-sha256;x-amz-date",
       kGetObjectSig},
      {{"PUT",
        "/test%24file.text",
        "",
        {{"host", "examplebucket.s3.amazonaws.com"},
         {"date", "Fri, 24 May 2013 00:00:00 GMT"},
         {"x-amz-storage-class", "REDUCED_REDUNDANCY"}}},
       sha256_hex("Welcome to Amazon S3."),
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
       kPutObjectSig},
      {{"GET", "/", "lifecycle", {{"host", "examplebucket.s3.amazonaws.com"}}},
       std::string(kEmptySha256Hex),
       "host;x-amz-content-sha256;x-amz-date",
       kLifecycleSig},
      {{"GET", "/", "max-keys=2&prefix=J", {{"host", "examplebucket.s3.amazonaws.com"}}},
       std::string(kEmptySha256Hex),
       "host;x-amz-content-sha256;x-amz-date",
       kListObjectsSig},
  };
  for (auto& c : cases) {
    auto sig =
        sign_request(c.request, c.payload_hash, {std::string(kAccessKey), std::string(kSecret), ""},
                     "us-east-1", kExampleTime);
    EXPECT_EQ(sig.authorization, auth_header(c.signed_headers, c.signature));
    EXPECT_EQ(sig.chunk_signing.seed_signature, c.signature);
    // And the server accepts what the client produced.
    c.request.headers.emplace_back("authorization", sig.authorization);
    auto r = verify(c.request);
    EXPECT_TRUE(r) << r.error().text();
  }
}

TEST(SigV4Examples, SigningKeyDerivation) {
  // From AWS's general SigV4 "deriving a signing key" example (IAM, 20120215);
  // note its secret has '+' where the S3 examples' has '/'.
  EXPECT_EQ(hex_encode(derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                          "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// ---- presigned URL example ----

constexpr std::string_view kPresignedQuery =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-"
    "1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders="
    "host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

SignedRequest presigned_example(std::string_view query = kPresignedQuery) {
  return {"GET", "/test.txt", query, {{"host", "examplebucket.s3.amazonaws.com"}}};
}

TEST(SigV4Presigned, ClientReproducesAwsExample) {
  EXPECT_EQ(presign_query("GET", "/test.txt", "", "examplebucket.s3.amazonaws.com",
                          {std::string(kAccessKey), std::string(kSecret), ""}, "us-east-1",
                          kExampleTime, 86400s),
            kPresignedQuery);
}

TEST(SigV4Presigned, ServerVerifiesAwsExampleUntilExpiry) {
  for (auto now : {kExampleTime, kExampleTime + 1h, kExampleTime + 86400s}) {
    auto r = verify(presigned_example(), now);
    ASSERT_TRUE(r) << r.error().text();
    EXPECT_TRUE(r->presigned);
    EXPECT_EQ(r->access_key, kAccessKey);
    EXPECT_EQ(r->payload_mode, PayloadMode::kUnsigned);
  }
  expect_error(verify(presigned_example(), kExampleTime + 86401s), ErrorCode::kAccessDenied,
               "Request has expired");
}

TEST(SigV4Presigned, NotYetValidBeyondSkew) {
  EXPECT_TRUE(verify(presigned_example(), kExampleTime - 14min));
  expect_error(verify(presigned_example(), kExampleTime - 16min), ErrorCode::kAccessDenied,
               "not valid yet");
}

TEST(SigV4Presigned, ClientAndServerAgreeWithExtraQueryAndSessionToken) {
  Credentials creds{std::string(kAccessKey), std::string(kSecret), "token/with+chars="};
  std::string q =
      presign_query("PUT", "/bucket/a%20key%2Bplus/%E2%82%AC", "partNumber=3&uploadId=x%2Fy",
                    "127.0.0.1:9000", creds, "us-east-1", kExampleTime, 600s);
  EXPECT_TRUE(q.starts_with("partNumber=3&uploadId=x%2Fy&X-Amz-Algorithm="));
  EXPECT_NE(q.find("X-Amz-Security-Token=token%2Fwith%2Bchars%3D"), std::string::npos);
  SignedRequest r{"PUT", "/bucket/a%20key%2Bplus/%E2%82%AC", q, {{"host", "127.0.0.1:9000"}}};
  auto res = verify(r, kExampleTime + 1s);
  ASSERT_TRUE(res) << res.error().text();
  r.method = "GET";
  expect_error(verify(r, kExampleTime + 1s), ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Presigned, ContentSha256HeaderSelectsSignedPayload) {
  Credentials creds{std::string(kAccessKey), std::string(kSecret), ""};
  std::string q = presign_query("GET", "/test.txt", "", "h", creds, "us-east-1", kExampleTime, 60s);
  // The header is allowed unsigned, but then it also changes the canonical
  // request's payload hash, so the signature (made with UNSIGNED-PAYLOAD) fails.
  SignedRequest r{"GET",
                  "/test.txt",
                  q,
                  {{"host", "h"}, {"x-amz-content-sha256", std::string(kEmptySha256Hex)}}};
  expect_error(verify(r), ErrorCode::kSignatureDoesNotMatch);
  r.headers.back().second = std::string(kUnsignedPayload);
  EXPECT_TRUE(verify(r));
}

TEST(SigV4Presigned, RejectsBadQueryParameters) {
  auto replace = [](std::string_view from, std::string_view to) {
    std::string q(kPresignedQuery);
    q.replace(q.find(from), from.size(), to);
    return q;
  };
  const auto kQ = ErrorCode::kAuthorizationQueryParametersError;
  expect_error(verify(presigned_example(replace("X-Amz-Expires=86400", "X-Amz-Expires=604801"))),
               kQ, "604800");
  expect_error(
      verify(presigned_example(replace("X-Amz-Expires=86400", "X-Amz-Expires=99999999999999"))), kQ,
      "604800");
  expect_error(verify(presigned_example(replace("X-Amz-Expires=86400", "X-Amz-Expires=0"))), kQ);
  expect_error(verify(presigned_example(replace("X-Amz-Expires=86400", "X-Amz-Expires=-5"))), kQ,
               "non-negative");
  expect_error(verify(presigned_example(replace("X-Amz-Expires=86400", "X-Amz-Expires=abc"))), kQ,
               "number");
  expect_error(verify(presigned_example(replace("X-Amz-Expires=86400&", ""))), kQ,
               "requires the X-Amz-Algorithm");
  expect_error(verify(presigned_example(replace("&X-Amz-Signature=", "&X-Amz-Sig="))), kQ);
  expect_error(verify(presigned_example(replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"))), kQ,
               "X-Amz-Algorithm");
  expect_error(verify(presigned_example(replace("us-east-1", "eu-west-1"))), kQ,
               "the region 'eu-west-1' is wrong; expecting 'us-east-1'");
  expect_error(verify(presigned_example(replace("%2Fs3%2F", "%2Fec2%2F"))), kQ, "service");
  expect_error(verify(presigned_example(replace("aws4_request", "aws5_request"))), kQ);
  expect_error(verify(presigned_example(
                   replace("X-Amz-Date=20130524T000000Z", "X-Amz-Date=2013-05-24T00:00:00Z"))),
               kQ, "ISO8601");
  expect_error(verify(presigned_example(replace("AKIAIOSFODNN7EXAMPLE", "AKIDUNKNOWN"))),
               ErrorCode::kInvalidAccessKeyId);
  expect_error(verify(presigned_example(replace("X-Amz-Signature=aee", "X-Amz-Signature=bee"))),
               ErrorCode::kSignatureDoesNotMatch);
  expect_error(
      verify(presigned_example(replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=range"))),
      ErrorCode::kAccessDenied, "not signed");
}

TEST(SigV4Presigned, UnsignedAmzHeaderIsRejected) {
  SignedRequest r = presigned_example();
  r.headers.emplace_back("x-amz-acl", "public-read");
  expect_error(verify(r), ErrorCode::kAccessDenied, "not signed");
}

TEST(SigV4Presigned, BothHeaderAndQueryAuthIsRejected) {
  SignedRequest r = presigned_example();
  r.headers.emplace_back("authorization", auth_header("host", kGetObjectSig));
  expect_error(verify(r), ErrorCode::kInvalidArgument, "Only one auth mechanism");
}

// ---- streaming seed signature ----

SignedRequest streaming_example() {
  return {"PUT",
          "/examplebucket/chunkObject.txt",
          "",
          {{"host", "s3.amazonaws.com"},
           {"x-amz-date", "20130524T000000Z"},
           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
           {"x-amz-content-sha256", std::string(kStreamingSignedPayload)},
           {"content-encoding", "aws-chunked"},
           {"x-amz-decoded-content-length", "66560"},
           {"content-length", "66824"},
           {"authorization",
            auth_header("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                        "x-amz-decoded-content-length;x-amz-storage-class",
                        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")}}};
}

TEST(SigV4Streaming, SeedSignatureOfAwsExampleYieldsChunkContext) {
  auto r = verify(streaming_example());
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(r->payload_mode, PayloadMode::kStreamingSigned);
  ASSERT_TRUE(r->chunk_signing);
  EXPECT_EQ(r->chunk_signing->seed_signature,
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  EXPECT_EQ(r->chunk_signing->amz_date, "20130524T000000Z");
  EXPECT_EQ(r->chunk_signing->scope, "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(r->chunk_signing->signing_key, derive_signing_key(kSecret, "20130524", "us-east-1"));
  // The example's first chunk: 65536 'a'.
  EXPECT_EQ(chunk_signature(*r->chunk_signing, r->chunk_signing->seed_signature,
                            sha256_hex(std::string(65536, 'a'))),
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
}

TEST(SigV4Streaming, PayloadModesFromContentSha256) {
  struct Case {
    std::string value;
    PayloadMode mode;
    bool has_context;
  };
  for (const auto& c : std::vector<Case>{
           {std::string(kUnsignedPayload), PayloadMode::kUnsigned, false},
           {std::string(kStreamingSignedPayload), PayloadMode::kStreamingSigned, true},
           {std::string(kStreamingSignedPayloadTrailer), PayloadMode::kStreamingSignedTrailer,
            true},
           {std::string(kStreamingUnsignedPayloadTrailer), PayloadMode::kStreamingUnsignedTrailer,
            false},
       }) {
    SignedRequest r{"PUT", "/b/k", "", {{"host", "h"}}};
    auto sig = sign_request(r, c.value, {std::string(kAccessKey), std::string(kSecret), ""},
                            "us-east-1", kExampleTime);
    r.headers.emplace_back("authorization", sig.authorization);
    auto res = verify(r);
    ASSERT_TRUE(res) << c.value << ": " << res.error().text();
    EXPECT_EQ(res->payload_mode, c.mode) << c.value;
    EXPECT_EQ(res->chunk_signing.has_value(), c.has_context) << c.value;
    EXPECT_TRUE(is_streaming(c.mode) || c.mode == PayloadMode::kUnsigned);
  }
}

// ---- header-auth rejections ----

SignedRequest signed_get(std::string_view region = "us-east-1") {
  SignedRequest r{"GET", "/test.txt", "", {{"host", "examplebucket.s3.amazonaws.com"}}};
  auto sig = sign_request(r, kEmptySha256Hex, {std::string(kAccessKey), std::string(kSecret), ""},
                          region, kExampleTime);
  r.headers.emplace_back("authorization", sig.authorization);
  return r;
}

void set_header(SignedRequest& r, std::string_view name, std::string value) {
  for (auto& [n, v] : r.headers) {
    if (n == name) v = std::move(value);
  }
}

void remove_header(SignedRequest& r, std::string_view name) {
  std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
}

std::string& authorization(SignedRequest& r) {
  for (auto& [n, v] : r.headers) {
    if (n == "authorization") return v;
  }
  static std::string none;
  return none;
}

TEST(SigV4Header, NoCredentialsIsAnonymous) {
  SignedRequest r{"GET", "/bucket/key", "versionId=3", {{"host", "h"}}};
  auto res = verify(r);
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->anonymous());
}

TEST(SigV4Header, ToleratesSpacesAfterCommas) {
  SignedRequest r = signed_get();
  std::string& a = authorization(r);
  for (size_t pos; (pos = a.find(",S")) != std::string::npos;) a.replace(pos, 1, ", ");
  EXPECT_NE(a.find(", SignedHeaders="), std::string::npos);
  EXPECT_TRUE(verify(r));
}

TEST(SigV4Header, MalformedAuthorizationHeader) {
  const auto kM = ErrorCode::kAuthorizationHeaderMalformed;
  auto with = [](std::string value) {
    SignedRequest r = signed_get();
    authorization(r) = std::move(value);
    return r;
  };
  SignedRequest base = signed_get();
  const std::string good = authorization(base);
  auto sub = [&](std::string_view from, std::string_view to) {
    std::string v = good;
    v.replace(v.find(from), from.size(), to);
    return with(v);
  };
  expect_error(verify(sub(",Signature=", ",Sig=")), kM);
  expect_error(verify(sub(",SignedHeaders=", ",")), kM);
  expect_error(verify(with("AWS4-HMAC-SHA256 Credential=" + std::string(kScope))), kM,
               "three components");
  expect_error(verify(sub("/aws4_request", "/aws4_reques")), kM, "aws4_request");
  expect_error(verify(sub("/s3/", "/ec2/")), kM, "incorrect service");
  expect_error(verify(sub("/20130524/", "/2013052/")), kM, "Credential is mal-formed");
  expect_error(verify(sub("AKIAIOSFODNN7EXAMPLE/", "")), kM);
  expect_error(verify(sub("SignedHeaders=host;", "SignedHeaders=;host;")), kM);
}

TEST(SigV4Header, WrongRegionNamesBothRegions) {
  auto r = verify(signed_get("eu-west-1"));
  expect_error(r, ErrorCode::kAuthorizationHeaderMalformed,
               "the region 'eu-west-1' is wrong; expecting 'us-east-1'");
}

TEST(SigV4Header, EmptyServerRegionAcceptsAnyRegion) {
  auto r = verify(signed_get("eu-west-1"), kExampleTime, "");
  ASSERT_TRUE(r) << r.error().text();
  EXPECT_EQ(r->region, "eu-west-1");
}

TEST(SigV4Header, ScopeDateMustMatchRequestDate) {
  SignedRequest r = signed_get();
  set_header(r, "x-amz-date", "20130525T000000Z");
  expect_error(verify(r, kExampleTime + 24h), ErrorCode::kAuthorizationHeaderMalformed,
               "Invalid credential date");
}

TEST(SigV4Header, UnsupportedSchemes) {
  SignedRequest r = signed_get();
  authorization(r) = "Bearer abc";
  expect_error(verify(r), ErrorCode::kInvalidArgument, "Unsupported Authorization Type");
  authorization(r) = "AWS4-HMAC-SHA256Credential=x";
  expect_error(verify(r), ErrorCode::kInvalidArgument);
}

TEST(SigV4Header, UnknownAccessKey) {
  auto lookup = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto r = authenticate(signed_get(), lookup, "us-east-1", kExampleTime);
  expect_error(r, ErrorCode::kInvalidAccessKeyId);
}

TEST(SigV4Header, WrongSecretOrTamperedRequestFailsSignature) {
  auto wrong = [](std::string_view) -> std::optional<std::string> { return "not-the-secret"; };
  expect_error(authenticate(signed_get(), wrong, "us-east-1", kExampleTime),
               ErrorCode::kSignatureDoesNotMatch);
  SignedRequest r = signed_get();
  r.raw_path = "/test.txu";
  expect_error(verify(r), ErrorCode::kSignatureDoesNotMatch);
  r = signed_get();
  r.raw_query = "acl";
  expect_error(verify(r), ErrorCode::kSignatureDoesNotMatch);
  r = signed_get();
  set_header(r, "host", "other");
  expect_error(verify(r), ErrorCode::kSignatureDoesNotMatch);
  r = signed_get();
  std::string& a = authorization(r);
  a.back() = a.back() == '0' ? '1' : '0';
  expect_error(verify(r), ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4Header, MissingDate) {
  SignedRequest r = signed_get();
  remove_header(r, "x-amz-date");
  expect_error(verify(r), ErrorCode::kAccessDenied,
               "AWS authentication requires a valid Date or x-amz-date header");
  r = signed_get();
  set_header(r, "x-amz-date", "yesterday");
  expect_error(verify(r), ErrorCode::kAccessDenied, "valid Date");
}

TEST(SigV4Header, DateHeaderIsUsedWithoutXAmzDate) {
  SignedRequest r{"GET", "/k", "", {{"host", "h"}, {"date", "Fri, 24 May 2013 00:00:00 GMT"}}};
  r.headers.emplace_back("x-amz-content-sha256", std::string(kEmptySha256Hex));
  // Signed by hand: sign_request always adds x-amz-date.
  std::vector<std::string> sh = {"date", "host", "x-amz-content-sha256"};
  std::string creq = canonical_request("GET", "/k", "", r.headers, sh, kEmptySha256Hex);
  std::string sts = string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", creq);
  std::string s =
      hex_encode(hmac_sha256_raw(derive_signing_key(kSecret, "20130524", "us-east-1"), sts));
  r.headers.emplace_back("authorization", auth_header("date;host;x-amz-content-sha256", s));
  auto res = verify(r);
  ASSERT_TRUE(res) << res.error().text();
}

TEST(SigV4Header, ClockSkewBeyondFifteenMinutes) {
  EXPECT_TRUE(verify(signed_get(), kExampleTime + 15min));
  EXPECT_TRUE(verify(signed_get(), kExampleTime - 15min));
  expect_error(verify(signed_get(), kExampleTime + 15min + 1s), ErrorCode::kRequestTimeTooSkewed);
  expect_error(verify(signed_get(), kExampleTime - 15min - 1s), ErrorCode::kRequestTimeTooSkewed);
}

TEST(SigV4Header, ContentSha256IsRequiredAndValidated) {
  SignedRequest r = signed_get();
  remove_header(r, "x-amz-content-sha256");
  expect_error(verify(r), ErrorCode::kInvalidRequest,
               "Missing required header for this request: x-amz-content-sha256");
  r = signed_get();
  set_header(r, "x-amz-content-sha256", "not-a-hash");
  expect_error(verify(r), ErrorCode::kInvalidArgument, "x-amz-content-sha256 must be");
  set_header(r, "x-amz-content-sha256", std::string(63, 'a'));
  expect_error(verify(r), ErrorCode::kInvalidArgument);
  set_header(r, "x-amz-content-sha256", std::string(63, 'a') + "g");
  expect_error(verify(r), ErrorCode::kInvalidArgument);
  set_header(r, "x-amz-content-sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD");
  expect_error(verify(r), ErrorCode::kNotImplemented);
}

TEST(SigV4Header, HostAndAmzHeadersMustBeSigned) {
  SignedRequest r{"GET", "/k", "", {{"host", "h"}}};
  auto sig = sign_request(r, kEmptySha256Hex, {std::string(kAccessKey), std::string(kSecret), ""},
                          "us-east-1", kExampleTime);
  SignedRequest extra = r;
  extra.headers.emplace_back("authorization", sig.authorization);
  extra.headers.emplace_back("x-amz-meta-color", "blue");
  expect_error(verify(extra), ErrorCode::kAccessDenied, "not signed");
  // Non-amz headers may be unsigned.
  SignedRequest ua = r;
  ua.headers.emplace_back("authorization", sig.authorization);
  ua.headers.emplace_back("user-agent", "test");
  EXPECT_TRUE(verify(ua));

  // A signature that does not cover host is refused even if it is valid.
  SignedRequest nohost{"GET",
                       "/k",
                       "",
                       {{"host", "h"},
                        {"x-amz-content-sha256", std::string(kEmptySha256Hex)},
                        {"x-amz-date", "20130524T000000Z"}}};
  std::vector<std::string> sh = {"x-amz-content-sha256", "x-amz-date"};
  std::string creq = canonical_request("GET", "/k", "", nohost.headers, sh, kEmptySha256Hex);
  std::string sts = string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", creq);
  std::string s =
      hex_encode(hmac_sha256_raw(derive_signing_key(kSecret, "20130524", "us-east-1"), sts));
  nohost.headers.emplace_back("authorization", auth_header("x-amz-content-sha256;x-amz-date", s));
  expect_error(verify(nohost), ErrorCode::kAccessDenied, "not signed");
}

// ---- canonicalization ----

TEST(SigV4Canonical, UriIsEncodedOnceKeepingSlashes) {
  EXPECT_EQ(*canonical_uri("/test$file.text"), "/test%24file.text");
  EXPECT_EQ(*canonical_uri("/test%24file.text"), "/test%24file.text");
  EXPECT_EQ(*canonical_uri("/a%20b/c+d"), "/a%20b/c%2Bd");
  EXPECT_EQ(*canonical_uri("/%7Euser/x%2fy"), "/~user/x/y");
  EXPECT_EQ(*canonical_uri("/b/%E2%82%AC"), "/b/%E2%82%AC");
  EXPECT_EQ(*canonical_uri("/b/%e2%82%ac"), "/b/%E2%82%AC");
  EXPECT_EQ(*canonical_uri("/b//k/../x"), "/b//k/../x");  // S3 does not normalize paths
  EXPECT_EQ(*canonical_uri(""), "/");
  EXPECT_FALSE(canonical_uri("/bad%zz"));
  EXPECT_FALSE(canonical_uri("/bad%2"));
}

TEST(SigV4Canonical, QueryIsSortedAndReencoded) {
  EXPECT_EQ(*canonical_query("prefix=J&max-keys=2", false), "max-keys=2&prefix=J");
  EXPECT_EQ(*canonical_query("lifecycle", false), "lifecycle=");
  EXPECT_EQ(*canonical_query("acl=", false), "acl=");
  EXPECT_EQ(*canonical_query("a=b+c&d=e%20f", false), "a=b%2Bc&d=e%20f");
  EXPECT_EQ(*canonical_query("p=a/b&q=%2f&r=~", false), "p=a%2Fb&q=%2F&r=~");
  EXPECT_EQ(*canonical_query("k=2&k=1&j", false), "j=&k=1&k=2");
  EXPECT_EQ(*canonical_query("&&x=1&", false), "x=1");
  EXPECT_EQ(*canonical_query("", false), "");
  EXPECT_EQ(*canonical_query("X-Amz-Signature=abc&b=1", true), "b=1");
  EXPECT_EQ(*canonical_query("X-Amz-Signature=abc&b=1", false), "X-Amz-Signature=abc&b=1");
  EXPECT_FALSE(canonical_query("a=%G0", false));
}

TEST(SigV4Canonical, HeaderValuesAreTrimmedCollapsedAndJoined) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"x-amz-meta-a", "  one   two  "}, {"x-amz-meta-b", "x"}, {"x-amz-meta-b", " y "}};
  std::string creq = canonical_request("GET", "/", "", headers, {"x-amz-meta-a", "x-amz-meta-b"},
                                       "UNSIGNED-PAYLOAD");
  EXPECT_EQ(creq,
            "GET\n/\n\nx-amz-meta-a:one two\nx-amz-meta-b:x,y\n\nx-amz-meta-a;x-amz-meta-b\n"
            "UNSIGNED-PAYLOAD");
}

TEST(SigV4Canonical, UriEncodeUsesUppercaseHexAndUnreservedSet) {
  EXPECT_EQ(silo::uri_encode("a b+c/d~e_f.g-h*", false), "a%20b%2Bc%2Fd~e_f.g-h%2A");
  EXPECT_EQ(silo::uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(silo::uri_encode("\xC3\xA9", false), "%C3%A9");
  EXPECT_EQ(*silo::uri_decode("a%20b+c"), "a b+c");
}

TEST(SigV4Dates, FormatAndParse) {
  EXPECT_EQ(format_amz_date(kExampleTime), "20130524T000000Z");
  EXPECT_EQ(parse_http_date("Fri, 24 May 2013 00:00:00 GMT"), kExampleTime);
  auto t = parse_amz_date("20240229T235959Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_amz_date(*t), "20240229T235959Z");
  EXPECT_FALSE(parse_amz_date("20230229T000000Z"));  // not a leap year
  EXPECT_FALSE(parse_amz_date("20130524T000000"));
  EXPECT_FALSE(parse_amz_date("2013052aT000000Z"));
  EXPECT_FALSE(parse_amz_date("20130524T250000Z"));
  EXPECT_FALSE(parse_http_date("Fri, 24 Foo 2013 00:00:00 GMT"));
  EXPECT_FALSE(parse_http_date("Fri, 24 May 2013 00:00:00 UTC"));
}

// Found by tests/fuzz/sigv4_fuzz (corpus/sigv4/regress_date_overflow): a
// date after 2262 overflowed system_clock's 64-bit nanoseconds (UBSan:
// signed integer overflow). Dates the clock cannot hold are malformed.
TEST(SigV4Dates, DatesTheClockCannotHoldAreMalformed) {
  EXPECT_FALSE(parse_amz_date("29130524T000000Z"));
  EXPECT_FALSE(parse_amz_date("99991231T235959Z"));
  EXPECT_FALSE(parse_amz_date("16000101T000000Z"));
  EXPECT_TRUE(parse_amz_date("22620101T000000Z"));
  EXPECT_TRUE(parse_amz_date("17000101T000000Z"));
  EXPECT_FALSE(parse_http_date("Fri, 24 May 2913 00:00:00 GMT"));
  EXPECT_FALSE(silo::parse_http_date("Fri, 24 May 99999 00:00:00 GMT"));
  EXPECT_FALSE(silo::parse_http_date("Fri, 24 May 1500 00:00:00 GMT"));
  EXPECT_TRUE(silo::parse_http_date("Fri, 24 May 2200 00:00:00 GMT"));
}

TEST(SigV4Dates, FarFutureDatesAreRejectedNotWrapped) {
  // Presigned: the fuzzer's input, reduced.
  std::string q(kPresignedQuery);
  for (size_t at; (at = q.find("20130524")) != std::string::npos;) q.replace(at, 8, "29130524");
  expect_error(verify(presigned_example(q)), ErrorCode::kAuthorizationQueryParametersError,
               "X-Amz-Date");
  // Header auth, x-amz-date and Date.
  SignedRequest r =
      with_auth(get_object_example(), "host;range;x-amz-content-sha256;x-amz-date", kGetObjectSig);
  for (auto& [name, value] : r.headers) {
    if (name == "x-amz-date") value = "29130524T000000Z";
    if (name == "authorization") {
      value.replace(value.find("20130524"), 8, "29130524");
    }
  }
  expect_error(verify(r), ErrorCode::kAccessDenied, "valid Date");
  std::erase_if(r.headers, [](const auto& h) { return h.first == "x-amz-date"; });
  r.headers.emplace_back("date", "Fri, 24 May 2913 00:00:00 GMT");
  expect_error(verify(r), ErrorCode::kAccessDenied, "valid Date");
}

TEST(SigV4Canonical, AcceptsClientsThatKeepEncodedSlashesInKeys) {
  // Go's EscapedPath signs "/b/a%2Fb" as is; the S3 rule (decode, re-encode)
  // gives "/b/a/b". Both name the same key, so both signatures are accepted.
  SignedRequest r{"GET",
                  "/b/a%2Fb%20c",
                  "",
                  {{"host", "h"},
                   {"x-amz-content-sha256", std::string(kEmptySha256Hex)},
                   {"x-amz-date", "20130524T000000Z"}}};
  std::vector<std::string> sh = {"host", "x-amz-content-sha256", "x-amz-date"};
  auto key = derive_signing_key(kSecret, "20130524", "us-east-1");
  for (std::string_view uri : {"/b/a%2Fb%20c", "/b/a/b%20c"}) {
    std::string creq = canonical_request("GET", uri, "", r.headers, sh, kEmptySha256Hex);
    std::string sts =
        string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", creq);
    SignedRequest signed_r = r;
    signed_r.headers.emplace_back(
        "authorization",
        auth_header("host;x-amz-content-sha256;x-amz-date", hex_encode(hmac_sha256_raw(key, sts))));
    auto res = verify(signed_r);
    EXPECT_TRUE(res) << uri << ": " << res.error().text();
  }
}

// ---- client/server agreement over awkward inputs ----

TEST(SigV4RoundTrip, ClientAndServerAgreeOnAwkwardKeysAndQueries) {
  const std::vector<std::string> keys = {
      "plain",  "with space",  "plus+sign",     "percent%sign",     "unicode-\xE2\x82\xAC",
      "a/b//c", "~tilde*star", "q?uestion&amp", "equals=semi;colon"};
  const std::vector<std::string> queries = {"", "uploads", "list-type=2&prefix=a%20b&delimiter=%2F",
                                            "versionId=abc%2B%3D", "tagging&x=1"};
  Credentials creds{std::string(kAccessKey), std::string(kSecret), "session"};
  for (const auto& key : keys) {
    for (const auto& q : queries) {
      std::string path = "/bucket/" + silo::uri_encode(key, true);
      SignedRequest r{"PUT",
                      path,
                      q,
                      {{"host", "localhost:9000"},
                       {"content-type", "text/plain"},
                       {"x-amz-meta-note", "  spaced   value "}}};
      auto sig = sign_request(r, kUnsignedPayload, creds, "us-east-1", kExampleTime);
      r.headers.emplace_back("authorization", sig.authorization);
      auto res = verify(r, kExampleTime + 10s);
      ASSERT_TRUE(res) << key << " ? " << q << ": " << res.error().text();
      EXPECT_EQ(res->payload_mode, PayloadMode::kUnsigned);
    }
  }
}

}  // namespace
}  // namespace silo::auth
