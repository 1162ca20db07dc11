// `silo bench`: parsing of mixes; latency percentiles;
// payload verification; the JSON report round trip. Also the S3 client's XML
// parsing, which the bench relies on for listings and multipart.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/histogram.h"
#include "bench/mixed.h"
#include "bench/payload.h"
#include "bench/report.h"
#include "client/s3_xml.h"

namespace silo::bench {
namespace {

// ---- mixed shares

TEST(ParseMixed, FourSharesInGetStatPutDeleteOrder) {
  auto m = parse_mixed("45:30:15:10");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, (MixedShares{45, 30, 15, 10}));
  EXPECT_EQ(parse_mixed("0:0:1:0"), (MixedShares{0, 0, 1, 0}));
}

TEST(ParseMixed, RejectsWrongCountsAndAllZero) {
  for (const char* bad : {"", "45:30:15", "1:2:3:4:5", "0:0:0:0", "a:b:c:d", "1::2:3"}) {
    EXPECT_FALSE(parse_mixed(bad).has_value()) << bad;
  }
}

// ---- histogram and percentiles

TEST(LatencyHistogram, BucketsCoverEveryValueWithoutGaps) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 129ull, 255ull, 256ull, 1000ull, 123456789ull,
                     (1ull << 40) + 12345}) {
    size_t b = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::bucket_lower(b), v) << v;
    EXPECT_LT(v, LatencyHistogram::bucket_lower(b) + LatencyHistogram::bucket_width(b)) << v;
  }
  for (size_t b = 0; b + 1 < 2000; ++b) {
    EXPECT_EQ(LatencyHistogram::bucket_lower(b) + LatencyHistogram::bucket_width(b),
              LatencyHistogram::bucket_lower(b + 1));
  }
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(90), 90u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
}

TEST(LatencyHistogram, PercentilesUseNearestRank) {
  LatencyHistogram h;
  for (uint64_t v : {10, 20, 30, 40}) h.record(v);
  EXPECT_EQ(h.percentile(25), 10u);  // rank 1
  EXPECT_EQ(h.percentile(26), 20u);  // rank ceil(1.04) = 2
  EXPECT_EQ(h.percentile(50), 20u);
  EXPECT_EQ(h.percentile(75), 30u);
  EXPECT_EQ(h.percentile(99), 40u);
}

TEST(LatencyHistogram, LargeValuesAreWithinOnePercentOfTheExactPercentile) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(15.0, 1.0);  // around 3 ms, long tail
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    auto rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
    double exact = static_cast<double>(values[rank - 1]);
    EXPECT_NEAR(static_cast<double>(h.percentile(p)), exact, exact * 0.01) << p;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.percentile(100), values.back());
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1000; v < 200000; v += 997) {
    (v % 3 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double p : {1.0, 50.0, 90.0, 99.0}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(LatencyHistogram, HugeValuesAreCappedButMaxStaysExact) {
  LatencyHistogram h;
  h.record(1ull << 60);
  EXPECT_EQ(h.max(), 1ull << 60);
  EXPECT_EQ(h.percentile(50), 1ull << 60);  // clamped to [min, max]
}

// ---- payload

TEST(Payload, ObjectsHaveTheSizeAndDifferFromTheirNeighbours) {
  Payload p(4096);
  auto a = p.object(1), b = p.object(2);
  ASSERT_EQ(a.size(), 4096u);
  ASSERT_EQ(b.size(), 4096u);
  EXPECT_FALSE(std::equal(a.begin(), a.end(), b.begin()));
  auto again = p.object(1);
  EXPECT_EQ(a.data(), again.data());
}

TEST(BodyVerifier, AcceptsTheExactBodyInAnyPieces) {
  Payload p(10000);
  auto body = p.object(5);
  BodyVerifier v;
  v.reset(body);
  v.feed({body.data(), 1});
  v.feed({body.data() + 1, 4999});
  v.feed({body.data() + 5000, 5000});
  EXPECT_TRUE(v.ok());
}

TEST(BodyVerifier, RejectsAFlippedByteAShortBodyAndALongOne) {
  Payload p(100);
  auto body = p.object(0);
  std::string copy(body.data(), body.size());
  BodyVerifier v;
  copy[50] ^= 1;
  v.reset(body);
  v.feed(copy);
  EXPECT_FALSE(v.ok());
  v.reset(body);
  v.feed({body.data(), 99});
  EXPECT_FALSE(v.ok());
  v.reset(body);
  v.feed({body.data(), 100});
  v.feed("x");
  EXPECT_FALSE(v.ok());
}

// ---- report

TEST(Report, JsonRoundTripKeepsTheFigures) {
  OpStats put;
  for (uint64_t ms = 1; ms <= 100; ++ms) put.latency.record(ms * 1000000);
  put.ops = 100;
  put.bytes = 100 * 4096;
  put.errors["SlowDown"] = 2;
  Report r;
  r.op = "mixed";
  r.size = 4096;
  r.concurrency = 8;
  r.duration_s = 2.0;
  r.total = summarize(Op::kPut, put, 2.0);
  r.total.op = "mixed";
  r.breakdown.push_back(summarize(Op::kPut, put, 2.0));
  auto back = from_json(to_json(r));
  ASSERT_TRUE(back) << back.error().text();
  EXPECT_EQ(back->op, "mixed");
  EXPECT_EQ(back->total.ops, 100u);
  EXPECT_DOUBLE_EQ(back->total.ops_per_s, 50.0);
  EXPECT_NEAR(back->total.p50_ms, 50.0, 0.5);
  EXPECT_NEAR(back->total.p99_ms, 99.0, 1.0);
  EXPECT_DOUBLE_EQ(back->total.max_ms, 100.0);
  EXPECT_EQ(back->total.errors.at("SlowDown"), 2u);
  ASSERT_EQ(back->breakdown.size(), 1u);
  EXPECT_EQ(back->breakdown[0].op, "put");
}

TEST(Report, FromJsonRejectsOtherDocumentsWithoutThrowing) {
  EXPECT_FALSE(from_json("not json"));
  EXPECT_FALSE(from_json("[1,2]"));
  EXPECT_FALSE(from_json(R"({"size": 1})"));
  EXPECT_FALSE(from_json(R"({"op": "put", "ops": "many"})"));
}

TEST(Report, CompareShowsRatiosOfBOverA) {
  Report a, b;
  a.op = b.op = "get";
  a.total.ops_per_s = 100;
  b.total.ops_per_s = 250;
  std::string text = format_compare(a, b, "a.json", "b.json");
  EXPECT_NE(text.find("2.50x"), std::string::npos) << text;
}

}  // namespace
}  // namespace silo::bench

namespace silo::client::xml {
namespace {

TEST(ClientXml, ParsesAnErrorDocument) {
  auto e = parse_error(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>gone</Message>"
      "<RequestId>r1</RequestId></Error>");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "NoSuchKey");
  EXPECT_EQ(e->message, "gone");
  EXPECT_EQ(e->request_id, "r1");
  EXPECT_FALSE(parse_error(""));
  EXPECT_FALSE(parse_error("<html>502</html>"));
}

TEST(ClientXml, ListPageDecodesUrlEncodedKeys) {
  auto page = parse_list_v2(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>"
      "<Contents><Key>a%20b+c%2Bd</Key><Size>12</Size><ETag>\"e1\"</ETag></Contents>"
      "<CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes></ListBucketResult>",
      true);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "tok");
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "a b c+d");
  EXPECT_EQ(page->objects[0].size, 12u);
  EXPECT_EQ(page->objects[0].etag, "e1");
  ASSERT_EQ(page->common_prefixes.size(), 1u);
  EXPECT_EQ(page->common_prefixes[0], "dir/");
}

TEST(ClientXml, DeleteBodyEscapesKeys) {
  std::vector<std::string> keys{"a&b", "<c>"};
  EXPECT_EQ(delete_objects_body(keys),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
            "<Object><Key>&lt;c&gt;</Key></Object></Delete>");
}

TEST(ClientXml, CompleteBodyQuotesEtags) {
  std::vector<CompletedPart> parts{{1, "abc"}, {2, "def"}};
  EXPECT_EQ(
      complete_multipart_body(parts),
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"abc\"</ETag></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>\"def\"</ETag></Part></CompleteMultipartUpload>");
}

}  // namespace
}  // namespace silo::client::xml
