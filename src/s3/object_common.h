// Request pieces shared by the object operations: metadata headers,
// preconditions, ranges, copy sources, and streaming bodies into writers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <pugixml.hpp>
#include <optional>
#include <string>

#include "object/object_layer.h"
#include "s3/body.h"
#include "s3/context.h"

namespace silo::s3 {

// Content headers and x-amz-meta-* of the request, lower-case names, and
// its x-amz-tagging tag set (object/object_meta.h).
// Fails with MetadataTooLarge past 2 KiB of user metadata.
Result<storage::KeyValues> metadata_from_headers(const Context& ctx);
// The x-amz-storage-class header, validated ("" when absent).
Result<std::string> storage_class_from_headers(const Context& ctx);
// If-Match / If-None-Match on a write.
Result<object::WritePreconditions> write_preconditions(const Context& ctx);

// Evaluates GET-style preconditions (If-Match, If-None-Match,
// If-Modified-Since, If-Unmodified-Since) with the given header prefix
// ("" or "x-amz-copy-source-"). Fails with PreconditionFailed, or NotModified
// when `not_modified_allowed`.
Status check_read_preconditions(const Context& ctx, const object::ObjectInfo& info,
                                std::string_view prefix, bool not_modified_allowed);

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};
// Parses a single "bytes=a-b" / "bytes=a-" / "bytes=-n" range against `size`.
// nullopt: no usable range (serve the whole object). InvalidRange when unsatisfiable.
Result<std::optional<ByteRange>> parse_range(std::string_view header, uint64_t size);

struct CopySource {
  std::string bucket;
  std::string key;
  // ?versionId= of the source: the version to copy ("" : the null one).
  std::optional<std::string> version_id;
};
Result<CopySource> parse_copy_source(const Context& ctx);
// parse_copy_source, with a valid key that the caller may read (an
// anonymous copy reads its source under the same bucket policy).
Result<CopySource> readable_copy_source(const Context& ctx);

using WriterFactory = std::function<Result<std::unique_ptr<object::ObjectWriter>>()>;
// Stores the request body through a writer from `open` and commits it:
// small bodies are read whole first, then written and committed in one trip
// to the blocking pool; larger ones are streamed. Checks Content-MD5 and
// records the body's checksums.
boost::asio::awaitable<Result<object::ObjectInfo>> write_body(Context& ctx, BodyReader& body,
                                                              const WriterFactory& open);

// Streams the request body into `writer`, overlapping network reads with disk writes.
boost::asio::awaitable<Status> stream_body(Context& ctx, BodyReader& body,
                                           object::ObjectWriter& writer);
// Copies the range of `reader` into `writer` on the blocking pool, feeding
// `checksum` (when given) with every byte.
boost::asio::awaitable<Status> stream_copy(Context& ctx, object::ObjectReader& reader,
                                           object::ObjectWriter& writer,
                                           Checksummer* checksum = nullptr);

// Adds <ChecksumCRC32>...</...> elements (and <ChecksumType>) to `node`.
void add_checksum_elements(pugi::xml_node node, const storage::KeyValues& checksums);

// Adds x-amz-checksum-<algo> headers for stored full-object checksums.
void add_checksum_headers(http::ResponseHeader& h, const storage::KeyValues& checksums);

// Adds the request's x-amz-object-lock-* headers (mode and retain-until
// date together, legal hold) to `meta`, validated as AWS does.
Status lock_headers_into(const Context& ctx, storage::KeyValues& meta);
// x-amz-bypass-governance-retention: true.
bool bypass_governance(const Context& ctx);
// The request's ?versionId as a record's version id ("null" -> ""),
// nullopt when absent; InvalidArgument when empty or malformed.
Result<std::optional<std::string>> version_param(const Context& ctx);

// The version the request names (?versionId), or the current one.
boost::asio::awaitable<Result<object::ObjectInfo>> named_version(Context& ctx);
// Applies `edit` to the named version's metadata in place, under the key's
// lock, and answers `status` with the version's id.
boost::asio::awaitable<Status> edit_version_meta(Context& ctx, const object::MetaEdit& edit,
                                                 int status = 200);

// The tag set of the request's x-amz-tagging header, in its stored form
// (s3/tags.h); "" when the header is absent or empty.
Result<std::string> tagging_from_header(const Context& ctx);

}  // namespace silo::s3
