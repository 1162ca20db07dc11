// S3Client: a small blocking S3 client over one libcurl easy handle, for the
// `silo` client commands and `silo bench`. It speaks to any S3 endpoint with
// path-style URLs (http(s)://host[:port]/bucket/key) and signs every request
// with Silo's own SigV4 signer (auth/client_sign.h), so client and server share one
// implementation of the signature.
//
// Contract:
// - Thread-safety: none. One S3Client per thread. Different clients may run
//   concurrently on different threads.
// - Connections: the easy handle keeps its connection alive across calls, so a
//   sequence of requests costs one TCP handshake. TCP_NODELAY is on. A failed
//   transfer drops the connection; the next call opens a new one.
// - Bodies are never buffered by the client: put_object/upload_part read the
//   caller's memory in place (libcurl's read callback), the *_from variants
//   read a file range with pread as libcurl asks for bytes, get_object hands
//   each received piece to a callback. REQUIRES: a body span (or file range)
//   stays valid and unchanged until the call returns.
// - Payload signing: request bodies are sent as UNSIGNED-PAYLOAD (hashing
//   every byte would cost more than the transfer on loopback); requests
//   without a body sign the SHA-256 of the empty string.
// - Errors are values: every call returns S3Result<T>. A non-2xx response
//   becomes an S3Error with its HTTP status and the <Code>/<Message> of the S3
//   error document; a response without a body (HEAD) gets a code derived from
//   the status (NotFound, Forbidden, ...). No response at all (refused,
//   reset, timeout) is http_status 0 with code "network"; a certificate that
//   does not verify, or a server that does not speak TLS, is code "tls" with
//   a message saying what to do. Nothing throws.
// - No retries: callers decide (bench must see every failure).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/client_sign.h"
#include "common/error.h"

namespace silo::client {

namespace detail {
struct Request;
struct Response;
struct Transfer;
}  // namespace detail

// Code of an S3Error when no HTTP response was received.
inline constexpr std::string_view kNetworkErrorCode = "network";
// Code of an S3Error when TLS failed in a way that will not change by
// itself (a certificate not trusted, a server that does not speak TLS):
// the message says what to do; not retried.
inline constexpr std::string_view kTlsErrorCode = "tls";

struct S3Error {
  int http_status = 0;     // 0: no HTTP response
  std::string code;        // S3 <Code>, a status-derived code, or "network"
  std::string message;     // <Message>, or curl's description of a network error
  std::string request_id;  // x-amz-request-id, when the server sent one

  // "NoSuchKey (404): The specified key does not exist." for people.
  std::string describe() const;
};

template <typename T>
using S3Result = std::expected<T, S3Error>;
using S3Status = std::expected<void, S3Error>;

// An endpoint URL split into what requests need. Accepts http:// and https://
// with an optional port and an optional trailing '/'; no path, query or
// user info.
struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string authority;  // host[:port] exactly as given; also the signed Host header
  std::string base_url;   // scheme://authority

  static Result<Endpoint> parse(std::string_view url);
};

struct ClientConfig {
  std::string endpoint;  // http(s)://host[:port]
  auth::Credentials credentials;
  std::string region = "us-east-1";
  std::chrono::seconds connect_timeout{10};
  // A transfer that moves no byte for this long fails as a network error.
  std::chrono::seconds stall_timeout{60};
  // Verify the server's certificate (chain and host name).
  bool verify_tls = true;
  // The CAs to verify it with, PEM (client/trust.h: the system's and the
  // user's own); null: libcurl's default bundle.
  std::shared_ptr<const std::string> ca_pem;
  // Where the user can add a CA to trust; named in verification errors.
  std::string ca_dir;
  // Called from libcurl's callbacks with the number of request body bytes
  // sent and 2xx response body bytes received (progress bars). Must be
  // cheap and thread-safe; bytes re-sent after a rewind are counted again.
  std::function<void(uint64_t bytes)> on_bytes;
  // When set and non-zero, a request in flight stops at its next libcurl
  // callback (at least once a second) and fails with code "aborted"; new
  // requests fail at once. Requests that clean up (AbortMultipartUpload)
  // still run.
  const std::atomic<int>* cancel = nullptr;
};

// Extra request headers (lower-case names), e.g. content-type, x-amz-meta-*.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct PutOptions {
  HeaderList headers;
};

struct PutResult {
  int http_status = 0;
  std::string etag;  // as sent, with quotes stripped
  // The *_from uploads: hex MD5 of the bytes sent, so the caller can check it
  // against an ETag that is a plain MD5 (a part checksum without a second read).
  std::string sent_md5;
  std::string version_id;  // x-amz-version-id, when the bucket is versioned
};

// A body read from an open file: `size` bytes from `offset`. The file is read
// with pread, so several transfers may share one descriptor.
struct FileRange {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct ObjectInfo {
  int http_status = 0;
  uint64_t size = 0;  // Content-Length of the object (HEAD) or of the response (GET)
  std::string etag;   // quotes stripped
  std::string content_type;
  std::string last_modified;  // HTTP date as sent
  std::string storage_class;  // x-amz-storage-class; empty means STANDARD
  std::string version_id;     // x-amz-version-id
  // Total object size from Content-Range (ranged GET); otherwise == size on HEAD.
  std::optional<uint64_t> total_size;
  // User metadata (x-amz-meta-*, names lower-case) and the content headers
  // (cache-control, content-disposition, content-encoding, content-language, expires).
  HeaderList metadata;
};

// Receives the response body of a successful GET piece by piece, in order.
// Return false to abort the transfer (the call then fails with code
// "aborted" and the connection is dropped).
using BodySink = std::function<bool(std::string_view piece)>;

struct GetOptions {
  // Inclusive byte range; nullopt reads the whole object.
  std::optional<std::pair<uint64_t, uint64_t>> range;
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string continuation_token;
  std::string start_after;
  int max_keys = 1000;
};

struct ListEntry {
  std::string key;
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO 8601 as sent
};

struct BucketEntry {
  std::string name;
  std::string creation_date;  // ISO 8601 as sent
};

struct VersionListOptions {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 1000;
};

struct VersionEntry {
  std::string key;
  std::string version_id;
  bool is_latest = false;
  bool delete_marker = false;
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;
};

// One page of ListObjectVersions. A server without versioning may answer with
// a plain ListBucketResult; it is read as every key having the "null" version.
struct VersionPage {
  std::vector<VersionEntry> versions;  // versions and delete markers, in key order
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
  // The server answered with a plain object listing (no versioning support):
  // every key is its own "null" version and key-marker paging will not work.
  bool unversioned = false;
};

// One page of ListMultipartUploads (keys decoded).
struct UploadEntry {
  std::string key;
  std::string upload_id;
};
struct UploadPage {
  std::vector<UploadEntry> uploads;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// One page of ListObjectsV2. Keys and prefixes are decoded (the client asks
// for encoding-type=url so any key survives the XML).
struct ListPage {
  int http_status = 0;
  std::vector<ListEntry> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
};

// A DELETE of one object or version.
struct DeleteOptions {
  std::string version_id;          // empty: the current version (or a new delete marker)
  bool bypass_governance = false;  // x-amz-bypass-governance-retention: true
};
struct DeleteResult {
  std::string version_id;      // x-amz-version-id: the marker made, or the version removed
  bool delete_marker = false;  // x-amz-delete-marker: a marker was made or removed
};

// A subresource request (?tagging, ?retention, ...) on a version or with
// extra headers.
struct SubresourceOptions {
  std::string version_id;  // ?versionId=: that version of the object, not the current one
  HeaderList headers;      // e.g. x-amz-bypass-governance-retention
};
struct SubresourceResult {
  std::string body;
  std::string version_id;  // x-amz-version-id of the answer, when the server sent one
};

// The per-key outcome of a DeleteObjects request that failed for that key.
struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};

class S3Client {
 public:
  // Fails with InvalidArgument on a malformed endpoint, InternalError when
  // libcurl cannot make a handle.
  static Result<std::unique_ptr<S3Client>> create(ClientConfig config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }

  // Buckets. create_bucket sends no location body (the server's region).
  // A call to Silo's admin API: `path` below /silo/admin/v3/ (e.g. "heal"),
  // `query` already encoded, `body` sent with PUT and POST. Returns the JSON body.
  S3Result<std::string> admin(std::string_view method, std::string_view path,
                              std::string query = {}, std::string_view body = {});

  S3Result<std::vector<BucketEntry>> list_buckets();
  // `location` is the LocationConstraint to send (none for "" and us-east-1,
  // as AWS wants); `object_lock` sends x-amz-bucket-object-lock-enabled: true.
  S3Status create_bucket(std::string_view bucket, std::string_view location = {},
                         bool object_lock = false);
  S3Status delete_bucket(std::string_view bucket);
  S3Status head_bucket(std::string_view bucket);
  // GET, PUT or DELETE of subresource `name` (tagging, policy, ...) of the
  // bucket, or of the object when `key` is not empty; PUT sends `body`.
  // Returns the response body.
  S3Result<std::string> subresource(std::string_view method, std::string_view bucket,
                                    std::string_view key, std::string_view name,
                                    std::string_view body = {});
  // The same on one version and with extra headers; the answer's version id
  // too. A PUT with a body sends its Content-MD5, which S3 requires of the
  // lock, lifecycle and CORS configurations.
  S3Result<SubresourceResult> subresource(std::string_view method, std::string_view bucket,
                                          std::string_view key, std::string_view name,
                                          std::string_view body, const SubresourceOptions& options);

  // Objects.
  S3Result<PutResult> put_object(std::string_view bucket, std::string_view key,
                                 std::span<const char> body, const PutOptions& options = {});
  // On success the whole body has been given to `sink`; the result's size is
  // the number of body bytes received.
  S3Result<ObjectInfo> get_object(std::string_view bucket, std::string_view key,
                                  const BodySink& sink, const GetOptions& options = {});
  // Streams `file` as the body (see FileRange); fills PutResult::sent_md5.
  S3Result<PutResult> put_object_from(std::string_view bucket, std::string_view key,
                                      FileRange file, const PutOptions& options = {});
  // An empty version_id reads the current version.
  S3Result<ObjectInfo> head_object(std::string_view bucket, std::string_view key,
                                   std::string_view version_id = {});
  // An empty version_id deletes the current version (or adds a delete marker).
  S3Status delete_object(std::string_view bucket, std::string_view key,
                         std::string_view version_id = {});
  // delete_object with the options, saying what the server did.
  S3Result<DeleteResult> delete_object(std::string_view bucket, std::string_view key,
                                       const DeleteOptions& options);
  // Server-side copy within one endpoint. Without an x-amz-metadata-directive
  // header in `options`, the copy keeps the source's metadata.
  S3Result<PutResult> copy_object(std::string_view src_bucket, std::string_view src_key,
                                  std::string_view bucket, std::string_view key,
                                  const PutOptions& options = {});
  // Deletes up to 1000 keys in one request (quiet mode). Returns the keys the
  // server could not delete; a failure of the request itself is the error.
  // With `bypass_governance`, versions under GOVERNANCE retention go too.
  S3Result<std::vector<DeleteFailure>> delete_objects(std::string_view bucket,
                                                      std::span<const std::string> keys,
                                                      bool bypass_governance = false);

  // One page of ListObjectsV2; pass next_continuation_token back for the next.
  S3Result<ListPage> list_objects_v2(std::string_view bucket, const ListOptions& options);
  // One page of ListObjectVersions; pass next_*_marker back for the next.
  S3Result<VersionPage> list_object_versions(std::string_view bucket,
                                             const VersionListOptions& options);

  // Multipart upload. upload_part returns the part's ETag (quotes stripped).
  S3Result<std::string> create_multipart_upload(std::string_view bucket, std::string_view key,
                                                const PutOptions& options = {});
  S3Result<std::string> upload_part(std::string_view bucket, std::string_view key,
                                    std::string_view upload_id, int part_number,
                                    std::span<const char> body);
  // upload_part streaming a file range; fills PutResult::sent_md5.
  S3Result<PutResult> upload_part_from(std::string_view bucket, std::string_view key,
                                       std::string_view upload_id, int part_number,
                                       FileRange file);
  // UploadPartCopy of the inclusive byte range [first, last] of the source.
  S3Result<std::string> upload_part_copy(std::string_view bucket, std::string_view key,
                                         std::string_view upload_id, int part_number,
                                         std::string_view src_bucket, std::string_view src_key,
                                         uint64_t first, uint64_t last);
  S3Result<PutResult> complete_multipart_upload(std::string_view bucket, std::string_view key,
                                                std::string_view upload_id,
                                                std::span<const CompletedPart> parts);
  // One page of the bucket's unfinished multipart uploads, after the markers.
  S3Result<UploadPage> list_multipart_uploads(std::string_view bucket, std::string_view key_marker,
                                              std::string_view upload_id_marker);
  S3Status abort_multipart_upload(std::string_view bucket, std::string_view key,
                                  std::string_view upload_id);

  // A presigned URL for `method` (GET, PUT, ...) on the object, valid for
  // `expires` (1 s .. 7 days, clamped). Pure computation, no request.
  std::string presign_url(std::string_view method, std::string_view bucket, std::string_view key,
                          std::chrono::seconds expires) const;

 private:
  using Request = detail::Request;
  using Response = detail::Response;
  using Transfer = detail::Transfer;

  S3Client(ClientConfig config, Endpoint endpoint, void* curl);
  // Sends one signed request; a non-2xx status becomes the error.
  S3Result<Response> execute(const Request& request);
  void configure_method(const Request& request, Transfer& transfer);
  S3Error transfer_error(const Transfer& transfer, int curl_code) const;
  void tls_advice(S3Error& e, int curl_code) const;
  // A header of the last response ("" when absent).
  std::string response_header(std::string_view name) const;
  // The object headers of the last response that describe the object.
  ObjectInfo object_info(int status, uint64_t body_size) const;
  S3Result<PutResult> put_request(Request& request, FileRange file);

  ClientConfig config_;
  Endpoint endpoint_;
  void* curl_;  // CURL*; void so the header does not pull in curl.h
  std::string curl_error_;
};

// The path of an object or bucket as sent: "/bucket" or "/bucket/<encoded key>".
std::string object_path(std::string_view bucket, std::string_view key);

}  // namespace silo::client
