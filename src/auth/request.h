// A request as the signature code sees it, independent of any HTTP library,
// and the lookups every signing scheme makes in it. Shared by verification
// (server) and signing (client). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silo::auth {

using Headers = std::vector<std::pair<std::string, std::string>>;

// REQUIRES: raw_path and raw_query are the request-target exactly as received
// (still percent-encoded; raw_query without the '?'); header names are
// lower-case, values as received (repeated headers appear as repeated entries,
// in order).
struct SignedRequest {
  std::string_view method;
  std::string_view raw_path;
  std::string_view raw_query;
  Headers headers;
  // The bucket the Host header names in virtual-host style (empty in path
  // style). SigV2 signs the resource as /bucket/key whichever style was used.
  std::string_view virtual_host_bucket = {};
  // The service a SigV4 credential scope must name: "s3", or "sts" for the
  // STS endpoint.
  std::string_view service = "s3";
  // For a request whose body was read before verification (STS): its
  // SHA-256 in hex, which stands for a missing x-amz-content-sha256 header
  // (services other than S3 sign the body's hash without sending it).
  std::string_view body_sha256 = {};
};

// All values of header `name` joined by ',', as received; nullopt when absent.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits and percent-decodes a raw query string, in wire order. '+' stays a
// literal plus: the client signed the bytes it sent. InvalidURI when a
// percent escape is malformed.
Result<QueryParams> parse_signed_query(std::string_view raw);

// The first value of parameter `name`, nullptr when absent.
const std::string* find_param(const QueryParams& params, std::string_view name);

}  // namespace silo::auth
