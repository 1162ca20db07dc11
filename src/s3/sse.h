// Server-side encryption as S3 requests ask for it (SSE-S3 and SSE-C):
// the request headers turned into what a write or read needs, the object
// keys sealed into and opened from an object's metadata, and the view of
// an encrypted object clients get (plaintext size and parts, the
// x-amz-server-side-encryption* headers).
//
// What an encrypted object keeps in its metadata, under internal names
// (object/object_meta.h: never shown to clients, never settable by them):
//   x-silo-sse          "S3" or "C"
//   x-silo-sse-key      base64 of the object key sealed (crypto/key_seal.h)
//                       under the KMS master key (S3) or the customer key (C),
//                       for "bucket/key"
//   x-silo-sse-kms-key  the name of the KMS key that sealed it (S3)
//   x-silo-sse-parts    a multipart object's streams (part number and
//                       plaintext size, run-length coded), since moving it
//                       between pools keeps its bytes but not its parts
// The customer's key is never stored, nor any plain hash of it: opening the
// sealed object key is what proves a key right.
//
// The data format is crypto/package_cipher.h; the streaming wrappers are
// s3/sse_stream.h.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/kms.h"
#include "crypto/package_cipher.h"
#include "object/object_layer.h"
#include "s3/context.h"

namespace silo::s3::sse {

enum class Mode { kNone, kS3, kCustomer };

inline constexpr std::string_view kModeMeta = "x-silo-sse";
inline constexpr std::string_view kSealedKeyMeta = "x-silo-sse-key";
inline constexpr std::string_view kKmsKeyMeta = "x-silo-sse-kms-key";
inline constexpr std::string_view kPartsMeta = "x-silo-sse-parts";

// A customer key as a request gives it (already checked against its MD5).
struct CustomerKey {
  crypto::Key key;
  std::string md5;  // base64, as the request sent it (responses echo it)
};

// Where a request's customer key headers start: the object's own, or its
// copy source's.
enum class KeyHeaders { kObject, kCopySource };

// The customer key of the request (nullopt when it sends none), validated
// as AWS does: algorithm AES256, key and key-MD5 present, the key 32 bytes
// of base64 whose MD5 is the key-MD5 (400 InvalidArgument otherwise), and
// the connection secure (400 InvalidRequest; see secure_or_loopback).
Result<std::optional<CustomerKey>> customer_key(const Context& ctx, KeyHeaders which);

// Whether customer keys may travel on this request's connection: AWS takes
// them over HTTPS only. Loopback is allowed (the key never leaves the
// machine).
bool secure_or_loopback(const Context& ctx);

// What a write asks for: SSE-C when it sends a customer key, SSE-S3 when
// x-amz-server-side-encryption says AES256 (or aws:kms, served by the
// built-in KMS too), else the bucket's default (resolve_default).
struct WriteRequest {
  Mode mode = Mode::kNone;
  std::optional<CustomerKey> customer;
  bool explicit_mode = false;  // the request chose; the bucket default does not apply
};
Result<WriteRequest> write_request(const Context& ctx);
// The same from named fields (a POST form's): the value of a field, or
// nullopt when absent.
using FieldLookup = std::function<std::optional<std::string_view>(std::string_view)>;
Result<WriteRequest> write_request(const Context& ctx, const FieldLookup& get);
// A value of x-amz-server-side-encryption (a header, or a POST form
// field): the mode it asks for, or 400 InvalidArgument.
Result<Mode> mode_from_value(std::string_view value);
// Applies the bucket's default encryption (its "encryption" configuration,
// read here: call on the blocking pool) when the request did not choose.
Status resolve_default(const Context& ctx, WriteRequest& request);

// The key a new object (or multipart upload) is encrypted with: a fresh
// random key, sealed into `meta` (any encryption entries `meta` had, e.g.
// a copy source's, replaced). nullopt for a plaintext write, whose `meta`
// loses any encryption entries. NotImplemented when SSE-S3 is asked for
// and no KMS is configured.
struct Sealing {
  Mode mode = Mode::kNone;
  crypto::Key key{};
};
Result<std::optional<Sealing>> seal_new_key(const Context& ctx, const WriteRequest& request,
                                            std::string_view bucket, std::string_view key,
                                            storage::KeyValues& meta);

// The encryption of a stored object (or upload) from its metadata.
Mode mode_of(const storage::KeyValues& meta);
// Opens the key of an encrypted object for reading, given the request's
// customer key: 400 InvalidRequest when an SSE-C object is read without
// one, or a customer key is given for an object that is not SSE-C; 403
// AccessDenied when it is the wrong key. nullopt for a plaintext object.
Result<std::optional<Sealing>> open_key(const Context& ctx, const storage::KeyValues& meta,
                                        std::string_view bucket, std::string_view key,
                                        const std::optional<CustomerKey>& given);

// One stream of an encrypted object: a whole object written at once is
// one stream (part 1); a multipart one has one per part.
struct Stream {
  uint32_t part_number = 1;
  uint64_t plain = 0;        // plaintext bytes
  uint64_t sealed_start = 0; // where its stored bytes start in the object
};
// The streams of a stored encrypted object; InternalError when its record
// does not describe a consistent layout.
Result<std::vector<Stream>> streams_of(const object::ObjectInfo& stored);
// The metadata of a completed multipart object records its streams
// (CompleteOptions::meta_edit); does nothing for a plaintext one.
Status record_streams(object::ObjectInfo& completed);

// What clients see of a stored object: the plaintext size, and the
// plaintext sizes of its parts. Does nothing for a plaintext object.
Status client_view(object::ObjectInfo& info);
// The plaintext size of a stored part of an encrypted upload.
int64_t part_plain_size(int64_t stored);

// x-amz-server-side-encryption (SSE-S3) or the customer algorithm and
// key-MD5 (SSE-C, echoing `given`) for an object of `mode`.
template <typename Header>
void add_headers(Header& h, Mode mode, const std::optional<CustomerKey>& given) {
  if (mode == Mode::kS3) {
    h.set("x-amz-server-side-encryption", "AES256");
  } else if (mode == Mode::kCustomer) {
    h.set("x-amz-server-side-encryption-customer-algorithm", "AES256");
    if (given) h.set("x-amz-server-side-encryption-customer-key-md5", given->md5);
  }
}
// The same, for headers kept in a list (Context::response_headers).
void add_headers(std::vector<std::pair<std::string, std::string>>& h, Mode mode,
                 const std::optional<CustomerKey>& given);

}  // namespace silo::s3::sse
