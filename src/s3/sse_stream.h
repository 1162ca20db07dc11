// The streaming half of server-side encryption: an ObjectWriter that
// encrypts what is written to it package by package (crypto/package_cipher.h)
// before it reaches the object layer, and an ObjectReader that decrypts what
// the object layer reads, only the packages a range touches. The object
// layer, erasure coding, healing and pool moves see ordinary bytes.
//
// Neither buffers more than a few packages; both are used like the
// object layer's own, on the blocking pool.
#pragma once

#include <memory>

#include "s3/object_common.h"
#include "s3/sse.h"

namespace silo::s3::sse {

// Encrypts stream `part_number` (1 for an object written in one piece)
// with `sealing`'s key into `inner`. bytes_written() and md5_hex() are of
// the plaintext; an SSE-S3 object's ETag is the plaintext's MD5, as in S3
// (an SSE-C one keeps the MD5 of the stored bytes, which says nothing
// about the plaintext). expect() announces the stored size.
Result<std::unique_ptr<object::ObjectWriter>> encrypting_writer(
    std::unique_ptr<object::ObjectWriter> inner, const Sealing& sealing, uint32_t part_number);

// Decrypts the stored object `inner` reads. Its info() is what clients see
// (client_view); ranges are of the plaintext. A package that fails its
// authentication fails the read (InternalError), never yielding its bytes.
Result<std::unique_ptr<object::ObjectReader>> decrypting_reader(
    std::unique_ptr<object::ObjectReader> inner, const Sealing& sealing);

// The object layer's calls with the request's encryption applied; like
// them, call on the blocking pool.
//
// begin_put: the bucket default resolved into `request`, a new key sealed
// into the object's metadata, the writer encrypting (options.size, the
// plaintext size, becomes the stored size).
Result<std::unique_ptr<object::ObjectWriter>> begin_put(const Context& ctx,
                                                        WriteRequest& request,
                                                        std::string_view bucket,
                                                        std::string_view key,
                                                        object::PutOptions options);
// create_upload: the upload's key sealed into its metadata; its parts are
// encrypted with it (begin_part).
Result<object::UploadInfo> create_upload(const Context& ctx, WriteRequest& request,
                                         object::PutOptions options, std::string algorithm,
                                         std::string type);
// begin_part of `upload` (already read): encrypting with the upload's key,
// which an SSE-C upload's part opens with the request's customer key.
Result<std::unique_ptr<object::ObjectWriter>> begin_part(const Context& ctx,
                                                         const object::UploadInfo& upload,
                                                         const std::optional<CustomerKey>& given,
                                                         uint32_t part_number);
// The reader of bucket/key decrypting when the object is encrypted
// (`given`: the request's customer key for it); a plaintext object's
// reader is returned as it is.
Result<std::unique_ptr<object::ObjectReader>> reader_for(
    const Context& ctx, Result<std::unique_ptr<object::ObjectReader>> opened,
    std::string_view bucket, std::string_view key, const std::optional<CustomerKey>& given);
// The decrypting reader of a copy's source (its version when it names one).
// Blocks: call on a blocking thread.
Result<std::unique_ptr<object::ObjectReader>> open_copy_source(
    const Context& ctx, const CopySource& source, const std::optional<CustomerKey>& given);

}  // namespace silo::s3::sse
