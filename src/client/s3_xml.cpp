#include "client/s3_xml.h"

#include <pugixml.hpp>

#include "common/strings.h"

namespace silo::client::xml {
namespace {

bool load(pugi::xml_document& doc, std::string_view body) {
  if (body.empty()) return false;
  return static_cast<bool>(
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8));
}

std::string text(pugi::xml_node node, const char* name) {
  return node.child(name).text().as_string();
}

std::string decoded(std::string value, bool url_encoded) {
  if (!url_encoded) return value;
  auto d = uri_decode(value, /*plus_as_space=*/true);
  return d ? std::move(*d) : std::move(value);
}

// Escapes the five XML special characters; keys may contain any of them.
void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
}

}  // namespace

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::optional<ErrorBody> parse_error(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("Error");
  if (!root) return std::nullopt;
  ErrorBody e{text(root, "Code"), text(root, "Message"), text(root, "RequestId")};
  if (e.code.empty()) return std::nullopt;
  return e;
}

std::optional<ListPage> parse_list_v2(std::string_view body, bool url_encoded) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("ListBucketResult");
  if (!root) return std::nullopt;
  ListPage page;
  page.is_truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
  page.next_continuation_token = text(root, "NextContinuationToken");
  for (auto c : root.children("Contents")) {
    ListEntry e;
    e.key = decoded(text(c, "Key"), url_encoded);
    e.size = c.child("Size").text().as_ullong();
    e.etag = strip_quotes(text(c, "ETag"));
    e.last_modified = text(c, "LastModified");
    page.objects.push_back(std::move(e));
  }
  for (auto p : root.children("CommonPrefixes")) {
    page.common_prefixes.push_back(decoded(text(p, "Prefix"), url_encoded));
  }
  return page;
}

std::optional<std::vector<BucketEntry>> parse_list_buckets(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("ListAllMyBucketsResult");
  if (!root) return std::nullopt;
  std::vector<BucketEntry> out;
  for (auto b : root.child("Buckets").children("Bucket")) {
    out.push_back({text(b, "Name"), text(b, "CreationDate")});
  }
  return out;
}

namespace {

VersionEntry version_entry(pugi::xml_node node, bool url_encoded, bool marker) {
  VersionEntry e;
  e.key = decoded(text(node, "Key"), url_encoded);
  e.version_id = text(node, "VersionId");
  if (e.version_id.empty()) e.version_id = "null";
  e.is_latest = !node.child("IsLatest") || std::string_view(text(node, "IsLatest")) == "true";
  e.delete_marker = marker;
  e.size = node.child("Size").text().as_ullong();
  e.etag = strip_quotes(text(node, "ETag"));
  e.last_modified = text(node, "LastModified");
  return e;
}

}  // namespace

std::optional<VersionPage> parse_list_versions(std::string_view body, bool url_encoded) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  VersionPage page;
  auto root = doc.child("ListVersionsResult");
  if (!root) {
    auto plain = parse_list_v2(body, url_encoded);
    if (!plain) return std::nullopt;
    for (auto& o : plain->objects) {
      page.versions.push_back({o.key, "null", true, false, o.size, o.etag, o.last_modified});
    }
    page.common_prefixes = std::move(plain->common_prefixes);
    page.is_truncated = plain->is_truncated;
    page.unversioned = true;
    return page;
  }
  page.is_truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
  page.next_key_marker = decoded(text(root, "NextKeyMarker"), url_encoded);
  page.next_version_id_marker = text(root, "NextVersionIdMarker");
  // Versions and delete markers interleave in key order; keep document order.
  for (auto c : root.children()) {
    std::string_view name = c.name();
    if (name == "Version" || name == "DeleteMarker") {
      page.versions.push_back(version_entry(c, url_encoded, name == "DeleteMarker"));
    } else if (name == "CommonPrefixes") {
      page.common_prefixes.push_back(decoded(text(c, "Prefix"), url_encoded));
    }
  }
  return page;
}

std::optional<UploadPage> parse_list_uploads(std::string_view body, bool url_encoded) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("ListMultipartUploadsResult");
  if (!root) return std::nullopt;
  UploadPage page;
  page.is_truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
  page.next_key_marker = decoded(text(root, "NextKeyMarker"), url_encoded);
  page.next_upload_id_marker = text(root, "NextUploadIdMarker");
  for (auto u : root.children("Upload")) {
    page.uploads.push_back({decoded(text(u, "Key"), url_encoded), text(u, "UploadId")});
  }
  return page;
}

std::optional<std::string> parse_copy_etag(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("CopyObjectResult");
  if (!root) root = doc.child("CopyPartResult");
  if (!root) return std::nullopt;
  return strip_quotes(text(root, "ETag"));
}

std::optional<std::string> parse_upload_id(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  std::string id = text(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return std::nullopt;
  return id;
}

std::optional<std::string> parse_complete_etag(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("CompleteMultipartUploadResult");
  // moto names the root ...Response; accept it rather than fail a finished upload.
  if (!root) root = doc.child("CompleteMultipartUploadResponse");
  if (!root) return std::nullopt;
  return strip_quotes(text(root, "ETag"));
}

std::string complete_multipart_body(std::span<const CompletedPart> parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const auto& p : parts) {
    out += "<Part><PartNumber>";
    out += std::to_string(p.part_number);
    out += "</PartNumber><ETag>\"";
    append_escaped(out, p.etag);
    out += "\"</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string tagging_body(const Tags& tags) {
  std::string out = "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>";
  for (const auto& [k, v] : tags) {
    out += "<Tag><Key>";
    append_escaped(out, k);
    out += "</Key><Value>";
    append_escaped(out, v);
    out += "</Value></Tag>";
  }
  out += "</TagSet></Tagging>";
  return out;
}

std::optional<Tags> parse_tagging(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("Tagging");
  if (!root) return std::nullopt;
  Tags tags;
  for (auto tag : root.child("TagSet").children("Tag")) {
    tags.emplace_back(text(tag, "Key"), text(tag, "Value"));
  }
  return tags;
}

std::string create_bucket_body(std::string_view location) {
  std::string out =
      "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<LocationConstraint>";
  append_escaped(out, location);
  out += "</LocationConstraint></CreateBucketConfiguration>";
  return out;
}

std::string delete_objects_body(std::span<const std::string> keys) {
  std::string out = "<Delete><Quiet>true</Quiet>";
  for (const auto& k : keys) {
    out += "<Object><Key>";
    append_escaped(out, k);
    out += "</Key></Object>";
  }
  out += "</Delete>";
  return out;
}

std::optional<std::vector<DeleteFailure>> parse_delete_result(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  auto root = doc.child("DeleteResult");
  if (!root) return std::nullopt;
  std::vector<DeleteFailure> out;
  for (auto e : root.children("Error")) {
    out.push_back({text(e, "Key"), text(e, "Code"), text(e, "Message")});
  }
  return out;
}

}  // namespace silo::client::xml
