// XML in and out of the S3 API: building response documents and parsing
// the few request bodies S3 defines, with strict validation (MalformedXML on
// anything that does not follow the schema).
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "object/object_layer.h"

namespace silo::s3 {

inline constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// A response document with its root element in the S3 namespace.
class XmlDoc {
 public:
  explicit XmlDoc(const char* root, bool with_namespace = true);
  pugi::xml_node root() { return root_; }
  std::string str() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

// A whole document as compact UTF-8 text (with its declaration).
std::string xml_string(const pugi::xml_document& doc);

// Appends <name>text</name> to `parent`.
pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view text);

// A request body parsed strictly: one root element, nothing outside it;
// MalformedXML otherwise.
Result<pugi::xml_document> parse_xml(std::string_view body);
// An element's name without its namespace prefix.
std::string_view local_name(const pugi::xml_node& n);
// The first child element of `parent` named `name` (any prefix); empty when none.
pugi::xml_node xml_child(const pugi::xml_node& parent, std::string_view name);

struct DeleteRequest {
  bool quiet = false;
  std::vector<std::pair<std::string, std::string>> objects;  // key, version id
};

Result<std::vector<object::CompletePart>> parse_complete_multipart(std::string_view body);
Result<DeleteRequest> parse_delete(std::string_view body);
// The LocationConstraint of a CreateBucketConfiguration ("" when none).
Result<std::string> parse_create_bucket(std::string_view body);

}  // namespace silo::s3
