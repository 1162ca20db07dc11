// Fuzzes request authentication (src/auth): authenticate() on a request built
// from the input, which reaches the Authorization header parsers (SigV4 and
// SigV2), the credential scope, SignedHeaders, x-amz-content-sha256, the date
// parsers, the presigned query parameters of both schemes (X-Amz-*;
// AWSAccessKeyId/Expires/Signature), the canonical URI, query, resource and
// x-amz-* headers, and the signature comparison.
//
// Input, as text lines ("\n"; a "\r" before it is kept, as a client may send):
//   [!]METHOD[ BUCKET]  a leading '!' makes the server answer for us-east-1
//                   only (else any region, the default); BUCKET is the bucket
//                   a virtual-host-style Host named (SigV2 signs it)
//   raw path        as on the wire, percent-encoded
//   raw query       without '?'
//   name:value ...  headers (names lower-cased, as the server hands them over)
// Credentials: AWS's documented example, AKIAIOSFODNN7EXAMPLE /
// wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; the clock stands at
// 2013-05-24T00:05:00Z (epoch 1369353900), so seeds signed at
// 20130524T000000Z, or SigV2 seeds dated "Fri, 24 May 2013 00:00:00 GMT" or
// expiring later, verify.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/authenticate.h"
#include "auth/dates.h"
#include "common/strings.h"

namespace {

using namespace silo::auth;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken invariant: %s\n", what);
    std::abort();
  }
}

std::string_view next_line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view method = next_line(in);
  std::string_view region;
  if (method.starts_with('!')) {
    method.remove_prefix(1);
    region = "us-east-1";
  }
  std::string_view bucket;
  if (size_t space = method.find(' '); space != std::string_view::npos) {
    bucket = method.substr(space + 1);
    method = method.substr(0, space);
  }
  SignedRequest request{method, next_line(in), next_line(in), {}};
  request.virtual_host_bucket = bucket;
  while (!in.empty()) {
    std::string_view line = next_line(in);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) colon = line.size();
    std::string_view value = colon < line.size() ? line.substr(colon + 1) : std::string_view{};
    request.headers.emplace_back(silo::to_lower(line.substr(0, colon)), std::string(value));
  }

  static const SecretLookup lookup = [](std::string_view ak) -> std::optional<std::string> {
    if (ak == "AKIAIOSFODNN7EXAMPLE")
      return std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    return std::nullopt;
  };
  static const auto now = *parse_amz_date("20130524T000500Z");

  auto result = authenticate(request, lookup, region, now);
  // SILO_FUZZ_VERBOSE=1 ./sigv4_fuzz FILE... shows what each seed reaches.
  static const bool verbose = std::getenv("SILO_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::string what = !result                            ? std::string(result.error().text())
                       : result->anonymous()              ? std::string("anonymous")
                       : result->scheme == Scheme::kSigV2 ? std::string("verified SigV2")
                                                          : std::string("verified SigV4");
    if (result && result->presigned) what += " (presigned)";
    std::fprintf(stderr, "%s\n", what.c_str());
  }
  if (result && !result->anonymous()) {
    check(result->access_key == "AKIAIOSFODNN7EXAMPLE", "a verified request names its key");
    bool chunked_signed = result->payload_mode == PayloadMode::kStreamingSigned ||
                          result->payload_mode == PayloadMode::kStreamingSignedTrailer;
    check(result->chunk_signing.has_value() == chunked_signed, "chunk signing context");
    if (result->scheme == Scheme::kSigV2) {
      check(result->region.empty(), "SigV2 names no region");
    } else {
      check(result->scheme == Scheme::kSigV4, "a signed request names its scheme");
      check(region.empty() || result->region == region, "the configured region");
    }
  }
  return 0;
}
