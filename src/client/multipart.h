// The parallel multipart engine behind large uploads and copies: create the
// upload, send parts on up to --parallel threads (each part retried on its
// own, each holding a connection slot while it runs), complete with the part
// ETags in order, or abort the upload when any part fails for good.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

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

// Uploads an object of `size` bytes as parts of choose_part_size(size, --part-size).
S3Result<TransferResult> run_multipart(Session& s, const ObjectRef& dst, uint64_t size,
                                       const HeaderList& headers, const PartSender& send);

}  // namespace silo::client
