// The canonical forms of AWS Signature Version 2 for S3 ("Signing and
// Authenticating REST Requests"), the legacy scheme old clients and backup
// tools still use (s3cmd --signature-v2, boto3 signature_version='s3'):
//
//   StringToSign = method "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//                  CanonicalizedAmzHeaders CanonicalizedResource
//   Signature    = base64(HMAC-SHA1(secret, StringToSign))
//
// In the presigned form Expires (epoch seconds) stands where Date is. The
// server's checks are in sigv2_verify.h; Silo's own client signs with SigV4
// only. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/request.h"
#include "common/error.h"

namespace silo::auth {

// Whether query parameter `name` is one of the sub-resources that
// CanonicalizedResource keeps: the ones AWS documents (acl, uploads, uploadId,
// partNumber, versionId, versioning, versions, location, tagging, delete,
// lifecycle, policy, cors, notification, logging, website, torrent, restore,
// requestPayment, the response-* overrides) and the later ones AWS's own
// SDKs sign too (accelerate, analytics, inventory, metrics, replication,
// object-lock, select, select-type, ...). A parameter a client signs that
// this list lacks, or the reverse, fails as SignatureDoesNotMatch.
bool is_sigv2_subresource(std::string_view name);

// CanonicalizedResource = resource_path_v2 + canonical_subresources.
Result<std::string> canonical_resource_v2(std::string_view raw_path, std::string_view raw_query,
                                          std::string_view virtual_host_bucket);
// "/" + virtual_host_bucket when that is set, then the path exactly as
// received (still percent-encoded; "/" when empty).
std::string resource_path_v2(std::string_view raw_path, std::string_view virtual_host_bucket);
// "?" and the sub-resources of `raw_query` sorted by name, joined by '&', each
// "name" or "name=value" as it was sent, with the value percent-decoded; empty
// when there are none. InvalidURI when a percent escape is malformed.
Result<std::string> canonical_subresources(std::string_view raw_query);

// CanonicalizedAmzHeaders: each x-amz-* header once, sorted by (lower-case)
// name, as "name:value\n", the values of a repeated header joined by ',',
// each value trimmed. REQUIRES: header names are lower-case.
std::string canonical_amz_headers(const Headers& headers);

std::string string_to_sign_v2(std::string_view method, std::string_view content_md5,
                              std::string_view content_type, std::string_view date,
                              std::string_view canonical_amz_headers,
                              std::string_view canonical_resource);

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string signature_v2(std::string_view secret, std::string_view string_to_sign);

}  // namespace silo::auth
