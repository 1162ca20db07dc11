// Object -> object copies (see transfer.h): by the server when both sides
// are one endpoint, else streamed through bounded part buffers.
#include "client/multipart.h"
#include "client/transfer.h"
#include "common/hash.h"

namespace silo::client {
namespace {

// The headers that recreate the source's metadata on a new upload.
HeaderList metadata_headers(const ObjectInfo& info) {
  HeaderList h = info.metadata;
  if (!info.content_type.empty()) h.emplace_back("content-type", info.content_type);
  if (!info.storage_class.empty()) h.emplace_back("x-amz-storage-class", info.storage_class);
  return h;
}

S3Result<std::string> relay_part(Session& s, const ObjectRef& src, S3Client& dst_client,
                                 const MultipartPart& p) {
  auto src_client = s.client(src.alias);
  if (!src_client) return std::unexpected(src_client.error());
  std::string buf;
  buf.reserve(p.length);
  GetOptions range{std::pair{p.offset, p.offset + p.length - 1}};
  auto got = (*src_client)->get_object(src.bucket, src.key, [&](std::string_view piece) {
    buf.append(piece);
    return true;
  }, range);
  if (!got) return std::unexpected(got.error());
  if (buf.size() != p.length) return std::unexpected(S3Error{0, "IncompleteBody", "short read of the source", {}});
  return upload_part_checked(dst_client, p, buf);
}

S3Result<TransferResult> relay_small(Session& s, const ObjectRef& src, const ObjectRef& dst,
                                     const HeaderList& headers) {
  std::string buf;
  auto got = read_object(s, src, [&](std::string_view piece) {
    buf.append(piece);
    return true;
  });
  if (!got) return std::unexpected(got.error());
  auto client = s.client(dst.alias);
  if (!client) return std::unexpected(client.error());
  Session::Slot slot(s);
  auto put = with_retry(s.retry(), [&] { return (*client)->put_object(dst.bucket, dst.key, buf, {headers}); });
  if (!put) return std::unexpected(put.error());
  return TransferResult{buf.size(), put->etag, false, false};
}

}  // namespace

S3Result<TransferResult> copy_object(Session& s, const ObjectRef& src, const ObjectRef& dst,
                                     HeaderList headers) {
  auto src_client = s.client(src.alias);
  if (!src_client) return std::unexpected(src_client.error());
  auto info = with_retry(s.retry(), [&] { return (*src_client)->head_object(src.bucket, src.key); });
  if (!info && info.error().code == "NotFound") {  // HEAD has no body to name the error
    return std::unexpected(S3Error{404, "NoSuchKey", "The specified key does not exist.", info.error().request_id});
  }
  if (!info) return std::unexpected(info.error());
  bool replace = !headers.empty();
  HeaderList meta = replace ? headers : metadata_headers(*info);
  uint64_t size = info->size;
  s.out().add_total(size);
  bool server_side = s.same_endpoint(src.alias, dst.alias);
  if (server_side && size <= s.part_size()) {
    auto dst_client = s.client(dst.alias);
    if (!dst_client) return std::unexpected(dst_client.error());
    if (replace) headers.emplace_back("x-amz-metadata-directive", "REPLACE");
    Session::Slot slot(s);
    auto r = with_retry(s.retry(), [&] {
      return (*dst_client)->copy_object(src.bucket, src.key, dst.bucket, dst.key, {headers});
    });
    if (!r) return std::unexpected(r.error());
    s.out().add_done(size);
    return TransferResult{size, r->etag, false, true};
  }
  if (!server_side && size <= s.part_size()) return relay_small(s, src, dst, meta);
  auto r = run_multipart(s, dst, size, meta, [&](S3Client& c, const MultipartPart& p) -> S3Result<std::string> {
    if (!server_side) return relay_part(s, src, c, p);
    auto etag = c.upload_part_copy(p.bucket, p.key, p.upload_id, p.number, src.bucket, src.key,
                                   p.offset, p.offset + p.length - 1);
    if (etag) s.out().add_done(p.length);
    return etag;
  });
  if (r) r->server_side = server_side;
  return r;
}

}  // namespace silo::client
