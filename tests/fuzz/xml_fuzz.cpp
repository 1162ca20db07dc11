// Fuzzes every request body Silo parses as XML (s3/xml.*, s3/tags.*): each
// input goes through parse_complete_multipart (CompleteMultipartUpload),
// parse_delete (DeleteObjects' Delete), parse_create_bucket
// (CreateBucketConfiguration), parse_tagging_xml (Put*Tagging),
// parse_cors_xml (PutBucketCors) and parse_lifecycle_xml
// (PutBucketLifecycleConfiguration), and what
// they accept must respect the limits they promise.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "s3/cors.h"
#include "s3/lifecycle.h"
#include "s3/tags.h"
#include "s3/xml.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken invariant: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace silo::s3;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto parts = parse_complete_multipart(body)) {
    check(!parts->empty() && parts->size() <= 10000, "1..10000 parts");
    for (const auto& p : *parts) check(p.number >= 1 && p.number <= 10000, "part number range");
  }
  if (auto del = parse_delete(body)) {
    check(!del->objects.empty() && del->objects.size() <= 1000, "1..1000 keys");
  }
  (void)parse_create_bucket(body);
  if (auto tags = parse_tagging_xml(body, TagOwner::kObject)) {
    check(tags->size() <= 10, "at most 10 object tags");
    check(decode_tags(encode_tags(*tags)) == *tags, "tags round-trip their stored form");
  }
  if (auto tags = parse_tagging_xml(body, TagOwner::kBucket)) {
    check(tags->size() <= 50, "at most 50 bucket tags");
  }
  if (auto rules = parse_cors_xml(body)) {
    check(!rules->empty() && rules->size() <= 100, "1..100 CORS rules");
    auto again = parse_cors_xml(cors_xml(*rules));
    check(again && again->size() == rules->size(), "CORS rules round-trip their stored form");
    (void)match_cors(*rules, "https://a.example", "GET", {"content-type"});
  }
  if (auto rules = parse_lifecycle_xml(body)) {
    check(!rules->empty() && rules->size() <= 1000, "1..1000 lifecycle rules");
    for (const auto& r : *rules) {
      check(!r.expiration_days || *r.expiration_days > 0, "positive expiration days");
      (void)lifecycle_selects(r, "tmp/a", 10, {{"k", "v"}});
    }
  }
  return 0;
}
