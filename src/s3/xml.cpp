#include "s3/xml.h"

#include <cctype>
#include <sstream>

#include "common/strings.h"

namespace silo::s3 {

namespace {

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

}  // namespace

Result<pugi::xml_document> parse_xml(std::string_view body) {
  pugi::xml_document doc;
  // pugixml silently drops text outside the root element: refuse it here.
  std::string_view content = body;
  while (!content.empty() && std::isspace(static_cast<unsigned char>(content.front()))) content.remove_prefix(1);
  while (!content.empty() && std::isspace(static_cast<unsigned char>(content.back()))) content.remove_suffix(1);
  if (content.empty() || content.front() != '<' || content.back() != '>') {
    return fail(ErrorCode::kMalformedXML);
  }
  // parse_ws_pcdata_single keeps a whitespace-only element value (a key " ").
  auto r = doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                           pugi::encoding_utf8);
  if (!r) return fail(ErrorCode::kMalformedXML);
  // pugixml accepts several top-level elements; a well-formed document has one.
  size_t roots = 0;
  for (auto n : doc.children()) {
    if (n.type() == pugi::node_element) ++roots;
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) return fail(ErrorCode::kMalformedXML);
  }
  if (roots != 1) return fail(ErrorCode::kMalformedXML);
  return doc;
}

// Element name without any namespace prefix.
std::string_view local_name(const pugi::xml_node& n) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node xml_child(const pugi::xml_node& parent, std::string_view name) {
  for (auto c : parent.children()) {
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  }
  return {};
}

XmlDoc::XmlDoc(const char* root, bool with_namespace) {
  auto decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  root_ = doc_.append_child(root);
  if (with_namespace) root_.append_attribute("xmlns") = kS3Namespace;
}

std::string XmlDoc::str() const { return xml_string(doc_); }

std::string xml_string(const pugi::xml_document& doc) {
  StringWriter w;
  doc.save(w, "", pugi::format_raw, pugi::encoding_utf8);
  return std::move(w.out);
}

pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view text) {
  auto n = parent.append_child(name);
  n.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
  return n;
}

Result<std::vector<object::CompletePart>> parse_complete_multipart(std::string_view body) {
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != "CompleteMultipartUpload") return fail(ErrorCode::kMalformedXML);
  std::vector<object::CompletePart> parts;
  for (auto p : root.children()) {
    if (p.type() != pugi::node_element) continue;
    if (local_name(p) != "Part") return fail(ErrorCode::kMalformedXML);
    auto num = xml_child(p, "PartNumber");
    auto etag = xml_child(p, "ETag");
    if (!num || !etag) return fail(ErrorCode::kMalformedXML);
    auto n = parse_u64(trim(num.child_value()));
    if (!n || *n < 1 || *n > 10000) return fail(ErrorCode::kInvalidPart);
    std::string tag(trim(etag.child_value()));
    // Clients send the ETag quoted, sometimes XML-escaped quotes.
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
    object::CompletePart part{static_cast<uint32_t>(*n), tag, {}};
    for (const char* algo : {"ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME",
                             "ChecksumSHA1", "ChecksumSHA256"}) {
      if (auto c = xml_child(p, algo)) {
        part.checksums.emplace_back(std::string(algo + 8), std::string(trim(c.child_value())));
      }
    }
    parts.push_back(std::move(part));
    if (parts.size() > 10000) return fail(ErrorCode::kMalformedXML);
  }
  if (parts.empty()) return fail(ErrorCode::kMalformedXML);
  return parts;
}

Result<DeleteRequest> parse_delete(std::string_view body) {
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != "Delete") return fail(ErrorCode::kMalformedXML);
  DeleteRequest req;
  for (auto n : root.children()) {
    if (n.type() != pugi::node_element) continue;
    auto name = local_name(n);
    if (name == "Quiet") {
      std::string v = to_lower(trim(n.child_value()));
      if (v != "true" && v != "false") return fail(ErrorCode::kMalformedXML);
      req.quiet = v == "true";
    } else if (name == "Object") {
      auto key = xml_child(n, "Key");
      if (!key) return fail(ErrorCode::kMalformedXML);
      auto version = xml_child(n, "VersionId");
      req.objects.emplace_back(key.child_value(), version ? version.child_value() : "");
      if (req.objects.size() > 1000) return fail(ErrorCode::kMalformedXML);
    } else {
      return fail(ErrorCode::kMalformedXML);
    }
  }
  if (req.objects.empty()) return fail(ErrorCode::kMalformedXML);
  return req;
}

Result<std::string> parse_create_bucket(std::string_view body) {
  if (trim(body).empty()) return std::string();
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != "CreateBucketConfiguration") return fail(ErrorCode::kMalformedXML);
  auto loc = xml_child(root, "LocationConstraint");
  return std::string(loc ? trim(loc.child_value()) : std::string_view());
}

}  // namespace silo::s3
