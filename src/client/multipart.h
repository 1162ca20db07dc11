// The parallel multipart engine behind large uploads and copies: create the
// upload, send parts on up to --parallel threads (each part retried on its
// own, each holding a connection slot while it runs), complete with the part
// ETags in order, or abort the upload when any part fails for good.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "client/transfer.h"

namespace silo::client {

struct MultipartPart {
  const std::string& bucket;
  const std::string& key;
  const std::string& upload_id;
  int number = 0;       // 1-based
  uint64_t offset = 0;  // first byte of the part in the object
  uint64_t length = 0;
};

// Sends one part; returns its ETag. Called concurrently from several threads,
// each with its own client.
using PartSender = std::function<S3Result<std::string>(S3Client& c, const MultipartPart& part)>;

// A plain MD5 ETag (not multipart "...-N", not an SSE-C/KMS digest we cannot know).
bool is_md5_etag(std::string_view etag);
// The error for data whose MD5 is not the ETag the server returned; its
// http_status 0 makes it retried like a network error.
S3Error digest_mismatch(std::string_view what);

// upload_part of a part held in memory, checked like file parts: the part's
// MD5 must be the ETag the server returns (when that is an MD5).
S3Result<std::string> upload_part_checked(S3Client& c, const MultipartPart& part,
                                          std::span<const char> body);

// Uploads an object of `size` bytes as parts of choose_part_size(size, --part-size).
S3Result<TransferResult> run_multipart(Session& s, const ObjectRef& dst, uint64_t size,
                                       const HeaderList& headers, const PartSender& send);

}  // namespace silo::client
