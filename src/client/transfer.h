// Moving bytes: file -> object, object -> file, object -> object, stream ->
// object, object -> sink. Every request goes through with_retry and holds a
// connection slot while it runs, so at most --parallel transfers are in
// flight whatever mix of files and parts is going on.
//
// - Uploads stream from the file with pread (no whole-file buffering).
//   Files larger than the part size go as multipart uploads whose parts run in
//   parallel; each part's MD5 is computed as it is sent and checked against
//   the part's ETag (S3 and Silo return the MD5 there), a mismatch is retried.
//   A failed multipart upload is aborted.
// - Downloads write to "<file>.silo-partial" in the destination folder, check
//   the MD5 when the ETag is one, set the file's mtime to the object's
//   Last-Modified, then rename: an interrupted download never looks complete.
// - Copies within one endpoint are done by the server (CopyObject, or
//   UploadPartCopy parts in parallel above the part size). Across endpoints
//   they stream through bounded buffers of at most one part per slot.
#pragma once

#include <cstdint>
#include <string>

#include "client/session.h"

namespace silo::client {

struct ObjectRef {
  std::string alias;
  std::string bucket;
  std::string key;

  static ObjectRef of(const Target& t) { return {t.alias, t.bucket, t.key}; }
  std::string display() const { return alias + "/" + bucket + "/" + key; }
};

struct TransferResult {
  uint64_t size = 0;
  std::string etag;
  bool multipart = false;
  bool server_side = false;  // copies done by the server
};

// Headers given to new objects: content-type, x-amz-meta-*, x-amz-storage-class, ...
// A content-type for `name` is guessed from its extension when none is set.
S3Result<TransferResult> upload_file(Session& s, const std::string& path, const ObjectRef& dst,
                                     HeaderList headers);
S3Result<TransferResult> download_file(Session& s, const ObjectRef& src, const std::string& path);
// Non-empty `headers` replace the source's metadata; empty keeps it.
S3Result<TransferResult> copy_object(Session& s, const ObjectRef& src, const ObjectRef& dst,
                                     HeaderList headers);
// Reads `fd` to its end (stdin): one PUT when it fits in one part, else a
// multipart upload with at most --parallel part buffers in memory.
S3Result<TransferResult> upload_stream(Session& s, int fd, const ObjectRef& dst,
                                       HeaderList headers);
// Streams the object to `sink` (stop early by returning false: not an error).
// A retry after a broken connection skips the bytes already delivered.
S3Result<ObjectInfo> read_object(Session& s, const ObjectRef& src, const BodySink& sink);

// "text/plain" for "a.txt", ...; "application/octet-stream" when unknown.
std::string guess_content_type(const std::string& name);

}  // namespace silo::client
