// Tag sets of objects and buckets: parsed from a Tagging XML body or the
// x-amz-tagging header, checked against S3's limits, and kept in one
// canonical text (URL-encoded key=value pairs joined by '&', the header's
// own form) in the object's metadata or the bucket's configuration.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silo::s3 {

using TagSet = std::vector<std::pair<std::string, std::string>>;

enum class TagOwner { kObject, kBucket };

// S3's rules: at most 10 tags on an object and 50 on a bucket, keys of 1 to
// 128 characters and values of at most 256, unique keys, no "aws:" prefix,
// and only letters, digits, spaces and + - = . _ : / @. InvalidTag with
// the rule that failed.
Status validate_tags(const TagSet& tags, TagOwner owner);

// <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>, validated.
Result<TagSet> parse_tagging_xml(std::string_view body, TagOwner owner);
// The x-amz-tagging header ("k1=v1&k2=v2", URL-encoded), validated.
Result<TagSet> parse_tagging_header(std::string_view header);

// The canonical text of `tags` ("" for none), and back.
std::string encode_tags(const TagSet& tags);
TagSet decode_tags(std::string_view text);

// The Tagging document GetObjectTagging and GetBucketTagging answer with.
std::string tagging_xml(const TagSet& tags);

}  // namespace silo::s3
