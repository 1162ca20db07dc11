// The XML documents the S3 client reads and writes: error bodies, list pages,
// multipart initiate/complete results, DeleteObjects requests and results.
// Pure functions over strings (pugixml), so they are testable without a
// server. Parsers are lenient about elements they do not know and about the
// S3 namespace being present or not; they fail only when the document is not
// XML or lacks its root element.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/s3_client.h"

namespace silo::client::xml {

// <Error><Code/><Message/><RequestId/></Error>; nullopt when `body` is not an
// S3 error document (empty, HTML from a proxy, ...).
struct ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};
std::optional<ErrorBody> parse_error(std::string_view body);

// ListBucketResult of ListObjectsV2. With `url_encoded`, keys and prefixes
// are decoded as encoding-type=url requires ('+' is a space).
std::optional<ListPage> parse_list_v2(std::string_view body, bool url_encoded);

// ListAllMyBucketsResult -> buckets.
std::optional<std::vector<BucketEntry>> parse_list_buckets(std::string_view body);

// ListVersionsResult (or, from a server without versioning, ListBucketResult
// read as "null" versions that are all latest).
std::optional<VersionPage> parse_list_versions(std::string_view body, bool url_encoded);

// ListMultipartUploadsResult -> the uploads and the markers of the next page.
std::optional<UploadPage> parse_list_uploads(std::string_view body, bool url_encoded);

// CopyObjectResult / CopyPartResult -> ETag (quotes stripped).
std::optional<std::string> parse_copy_etag(std::string_view body);

// InitiateMultipartUploadResult -> UploadId.
std::optional<std::string> parse_upload_id(std::string_view body);

// CompleteMultipartUploadResult -> ETag (quotes stripped). S3 may answer 200
// with an <Error> document here; callers check parse_error first.
std::optional<std::string> parse_complete_etag(std::string_view body);

std::string complete_multipart_body(std::span<const CompletedPart> parts);

// <Delete><Quiet>true</Quiet><Object><Key>..</Key></Object>...</Delete>
std::string delete_objects_body(std::span<const std::string> keys);
// CreateBucketConfiguration naming `location`.
std::string create_bucket_body(std::string_view location);
// DeleteResult -> the <Error> entries.
std::optional<std::vector<DeleteFailure>> parse_delete_result(std::string_view body);

using Tags = std::vector<std::pair<std::string, std::string>>;
// <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>
std::string tagging_body(const Tags& tags);
// Tagging -> its tags, in document order.
std::optional<Tags> parse_tagging(std::string_view body);

// "\"abc\"" -> "abc"; anything else unchanged.
std::string strip_quotes(std::string_view etag);

}  // namespace silo::client::xml
