#include "auth/sigv2.h"

#include <algorithm>
#include <map>
#include <vector>

#include "common/hash.h"
#include "common/strings.h"

namespace silo::auth {

bool is_sigv2_subresource(std::string_view name) {
  // Sorted, for binary search.
  static constexpr std::string_view kSubresources[] = {
      "accelerate",
      "acl",
      "analytics",
      "cors",
      "defaultObjectAcl",
      "delete",
      "inventory",
      "lifecycle",
      "location",
      "logging",
      "metrics",
      "notification",
      "object-lock",
      "partNumber",
      "policy",
      "replication",
      "requestPayment",
      "response-cache-control",
      "response-content-disposition",
      "response-content-encoding",
      "response-content-language",
      "response-content-type",
      "response-expires",
      "restore",
      "select",
      "select-type",
      "storageClass",
      "tagging",
      "torrent",
      "uploadId",
      "uploads",
      "versionId",
      "versioning",
      "versions",
      "website",
  };
  static_assert(std::is_sorted(std::begin(kSubresources), std::end(kSubresources)));
  return std::binary_search(std::begin(kSubresources), std::end(kSubresources), name);
}

std::string resource_path_v2(std::string_view raw_path, std::string_view virtual_host_bucket) {
  std::string out;
  if (!virtual_host_bucket.empty()) {
    out.push_back('/');
    out.append(virtual_host_bucket);
  }
  out.append(raw_path.empty() ? std::string_view("/") : raw_path);
  return out;
}

Result<std::string> canonical_subresources(std::string_view raw_query) {
  // Each kept parameter as it goes in the resource, keyed by name for the sort.
  std::vector<std::pair<std::string, std::string>> kept;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view piece = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    size_t eq = piece.find('=');
    auto name = silo::uri_decode(piece.substr(0, eq));
    if (!name) return fail(ErrorCode::kInvalidURI, "Couldn't parse the specified URI.");
    if (!is_sigv2_subresource(*name)) continue;
    std::string entry = *name;
    if (eq != std::string_view::npos) {
      auto value = silo::uri_decode(piece.substr(eq + 1));
      if (!value) return fail(ErrorCode::kInvalidURI, "Couldn't parse the specified URI.");
      entry.push_back('=');
      entry += *value;
    }
    kept.emplace_back(std::move(*name), std::move(entry));
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < kept.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out += kept[i].second;
  }
  return out;
}

Result<std::string> canonical_resource_v2(std::string_view raw_path, std::string_view raw_query,
                                          std::string_view virtual_host_bucket) {
  auto subresources = canonical_subresources(raw_query);
  if (!subresources) return std::unexpected(subresources.error());
  return resource_path_v2(raw_path, virtual_host_bucket) + *subresources;
}

std::string canonical_amz_headers(const Headers& headers) {
  std::map<std::string_view, std::string> amz;
  for (const auto& [name, value] : headers) {
    if (!name.starts_with("x-amz-")) continue;
    auto [it, added] = amz.try_emplace(name);
    if (!added) it->second.push_back(',');
    it->second.append(trim(value));
  }
  std::string out;
  for (const auto& [name, value] : amz) {
    out.append(name).push_back(':');
    out.append(value).push_back('\n');
  }
  return out;
}

std::string string_to_sign_v2(std::string_view method, std::string_view content_md5,
                              std::string_view content_type, std::string_view date,
                              std::string_view canonical_amz_headers,
                              std::string_view canonical_resource) {
  std::string out;
  out.reserve(method.size() + content_md5.size() + content_type.size() + date.size() +
              canonical_amz_headers.size() + canonical_resource.size() + 4);
  out.append(method).push_back('\n');
  out.append(content_md5).push_back('\n');
  out.append(content_type).push_back('\n');
  out.append(date).push_back('\n');
  out.append(canonical_amz_headers);
  out.append(canonical_resource);
  return out;
}

std::string signature_v2(std::string_view secret, std::string_view string_to_sign) {
  return base64_encode(hmac_sha1_raw(secret, string_to_sign));
}

}  // namespace silo::auth
