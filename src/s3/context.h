// The state of one S3 request as it moves through routing, authentication
// and the operation that serves it.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/auth_result.h"
#include "http/exchange.h"
#include "http/server.h"
#include "crypto/kms.h"
#include "iam/iam_store.h"
#include "iam/identity.h"
#include "iam/policy.h"
#include "object/object_layer.h"
#include "s3/admin.h"

namespace silo::s3 {

struct S3Config {
  // The only region requests may be signed for; empty accepts any region.
  // Also the location of buckets created without a LocationConstraint.
  std::string region;
  std::vector<std::string> domains;  // for virtual-host-style requests
  int64_t max_object_size = 5LL << 40;
  size_t max_xml_body = 2 << 20;
  // Multipart uploads older than this are aborted by the cleaner.
  int64_t stale_upload_age_ns = 24LL * 3600 * 1'000'000'000;
  // How clients reach the server ("https" with --certs-dir): the scheme of
  // the object URLs answers name (Location).
  std::string scheme = "http";
};

// Everything an operation needs beyond the request itself.
struct Services {
  object::ObjectLayer& objects;
  iam::IamStore& iam;
  boost::asio::thread_pool& blocking;
  S3Config config;
  AdminApi* admin = nullptr;
  // Answers `/silo/internode/...` (node-to-node calls, authenticated by the
  // internode token, not SigV4): cluster::InternodeRouter in a cluster; null on
  // a single node, where those paths are ordinary (refused) S3 requests.
  http::RequestHandler* internode = nullptr;
  // The built-in KMS (SILO_KMS_SECRET_KEY) that seals SSE-S3 object keys;
  // null when none is configured, and SSE-S3 is then refused (s3/sse.h).
  const crypto::Kms* kms = nullptr;
};

// Decoded query parameters in wire order.
class QueryParams {
 public:
  QueryParams() = default;
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> params)
      : params_(std::move(params)) {}
  bool has(std::string_view name) const;
  // The value of `name`, or nullopt when absent.
  std::optional<std::string_view> get(std::string_view name) const;
  std::string_view value(std::string_view name) const { return get(name).value_or(""); }
  const auto& all() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

struct Context {
  http::Exchange& exchange;
  Services& services;
  std::string request_id;
  std::string bucket;  // empty for service-level requests
  std::string key;     // empty for bucket-level requests
  QueryParams query;
  auth::AuthResult auth;
  // Who signed the request (null for an anonymous one).
  std::shared_ptr<const iam::Identity> identity;
  bool key_in_path = false;  // a '/' followed the bucket name
  bool sts = false;          // an STS call: errors are STS documents
  // The bucket configuration a configuration route acts on ("tagging", ...).
  std::string_view subresource;
  // For a caller whose permissions are evaluated (anonymous, or not the
  // root user): the bucket policy met while authorizing the request (null:
  // none) and the request's condition keys (s3/access.h).
  std::shared_ptr<const iam::Policy> policy;
  iam::ConditionValues conditions;
  // For an anonymous caller: the permissions (s3/acl.h AclPermission bits)
  // the bucket's ACL grants it, for the operations that check key by key.
  uint8_t bucket_acl_grants = 0;
  // Headers every response to this request carries (the CORS headers a
  // browser's request earns, s3/cors.h).
  std::vector<std::pair<std::string, std::string>> response_headers;

  const http::RequestHeader& request() const { return exchange.request(); }
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // Whether the request came over TLS (every connection does when the
  // server has --certs-dir).
  bool secure() const { return services.config.scheme == "https"; }
  // Whether the caller may do anything without evaluation (the root user).
  bool unlimited() const { return identity && identity->unlimited(); }
};

}  // namespace silo::s3
