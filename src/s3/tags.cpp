#include "s3/tags.h"

#include <set>

#include "common/strings.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

Error invalid_tag(std::string why) { return Error(ErrorCode::kInvalidTag, std::move(why)); }

// Characters of a UTF-8 string (code points), for the length limits.
size_t characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Letters and digits in any language, spaces, and + - = . _ : / @.
bool allowed_text(std::string_view s) {
  if (!valid_utf8(s)) return false;
  for (unsigned char c : s) {
    if (c >= 0x80) continue;  // a letter of another script
    if (std::isalnum(c) || c == ' ' || c == '+' || c == '-' || c == '=' || c == '.' ||
        c == '_' || c == ':' || c == '/' || c == '@') {
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

Status validate_tags(const TagSet& tags, TagOwner owner) {
  size_t limit = owner == TagOwner::kObject ? 10 : 50;
  if (tags.size() > limit) {
    return fail(invalid_tag(owner == TagOwner::kObject
                                ? "Object tags cannot be greater than 10"
                                : "Bucket tag count cannot be greater than 50"));
  }
  std::set<std::string_view> keys;
  for (const auto& [k, v] : tags) {
    if (k.empty() || characters(k) > 128) {
      return fail(invalid_tag("The TagKey you have provided is too long, max 128"));
    }
    if (characters(v) > 256) {
      return fail(invalid_tag("The TagValue you have provided is too long, max 256"));
    }
    if (!allowed_text(k) || !allowed_text(v)) {
      return fail(invalid_tag("The TagKey or TagValue you have provided is invalid"));
    }
    if (starts_with_icase(k, "aws:")) {
      return fail(invalid_tag("System tags cannot be added/updated by requester"));
    }
    if (!keys.insert(k).second) {
      return fail(invalid_tag("Cannot provide multiple Tags with the same key"));
    }
  }
  return {};
}

Result<TagSet> parse_tagging_xml(std::string_view body, TagOwner owner) {
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(doc.error());
  auto root = doc->document_element();
  if (local_name(root) != "Tagging") return fail(ErrorCode::kMalformedXML);
  auto set = xml_child(root, "TagSet");
  if (!set) return fail(ErrorCode::kMalformedXML);
  TagSet tags;
  for (auto tag : set.children()) {
    if (tag.type() != pugi::node_element) continue;
    if (local_name(tag) != "Tag") return fail(ErrorCode::kMalformedXML);
    auto key = xml_child(tag, "Key");
    auto value = xml_child(tag, "Value");
    if (!key) return fail(ErrorCode::kMalformedXML);
    tags.emplace_back(key.child_value(), value ? value.child_value() : "");
    // Stops a hostile body of a million tags early.
    if (tags.size() > 1000) break;
  }
  if (auto s = validate_tags(tags, owner); !s) return std::unexpected(s.error());
  return tags;
}

Result<TagSet> parse_tagging_header(std::string_view header) {
  auto pairs = parse_query(header, /*plus_as_space=*/true);
  if (!pairs) {
    return fail(ErrorCode::kInvalidArgument,
                "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
                "parameters without tag name duplicates.");
  }
  TagSet tags;
  for (auto& [k, v] : *pairs) tags.emplace_back(std::move(k), std::move(v));
  if (auto s = validate_tags(tags, TagOwner::kObject); !s) return std::unexpected(s.error());
  return tags;
}

std::string encode_tags(const TagSet& tags) {
  std::string out;
  for (const auto& [k, v] : tags) {
    if (!out.empty()) out += '&';
    out += uri_encode(k, false);
    out += '=';
    out += uri_encode(v, false);
  }
  return out;
}

TagSet decode_tags(std::string_view text) {
  TagSet tags;
  if (text.empty()) return tags;
  // Written by encode_tags: every escape is well formed.
  if (auto pairs = parse_query(text, /*plus_as_space=*/false)) {
    for (auto& [k, v] : *pairs) tags.emplace_back(std::move(k), std::move(v));
  }
  return tags;
}

std::string tagging_xml(const TagSet& tags) {
  XmlDoc doc("Tagging");
  auto set = doc.root().append_child("TagSet");
  for (const auto& [k, v] : tags) {
    auto tag = set.append_child("Tag");
    add_text(tag, "Key", k);
    add_text(tag, "Value", v);
  }
  return doc.str();
}

}  // namespace silo::s3
