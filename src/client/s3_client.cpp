#include "client/s3_client.h"

#include <curl/curl.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "client/s3_client_internal.h"
#include "client/s3_xml.h"
#include "common/strings.h"

namespace silo::client {
namespace {

// Non-2xx bodies and XML results are collected; anything bigger than this is
// not an S3 document and is cut off rather than held in memory.
constexpr size_t kMaxCollectedBody = 16u << 20;
// libcurl's receive buffer: large reads mean fewer callbacks on big GETs.
constexpr long kReceiveBuffer = 512 * 1024;
// Upload buffer for big bodies (libcurl allocates it per transfer, so small
// bodies keep the default to stay cheap).
constexpr long kLargeUploadBuffer = 1024 * 1024;
constexpr long kSmallUploadBuffer = 64 * 1024;

CURL* handle(void* p) { return static_cast<CURL*>(p); }

// curl_global_init is not thread-safe; clients are made from many threads.
void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool append_header(Slist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (!next) return false;
  (void)list.release();
  list.reset(next);
  return true;
}

// The code a body-less error response (HEAD, or a proxy's HTML) is known by;
// matches what the AWS SDKs report for HEAD.
std::string code_from_status(int status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 304:
      return "NotModified";
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 416:
      return "InvalidRange";
    case 500:
      return "InternalError";
    case 501:
      return "NotImplemented";
    case 503:
      return "ServiceUnavailable";
    default:
      return "HTTP" + std::to_string(status);
  }
}

}  // namespace

std::string S3Error::describe() const {
  std::string out = code;
  if (http_status) out += " (" + std::to_string(http_status) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

std::string object_path(std::string_view bucket, std::string_view key) {
  std::string path = "/";
  path += bucket;
  if (!key.empty()) {
    path.push_back('/');
    path += uri_encode(key, /*keep_slash=*/true);
  }
  return path;
}

Result<Endpoint> Endpoint::parse(std::string_view url) {
  Endpoint e;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "endpoint must start with http:// or https://");
  }
  e.scheme = to_lower(url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https") {
    return fail(ErrorCode::kInvalidArgument, "endpoint scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "endpoint must be scheme://host[:port] with no path, query or user info");
  }
  e.authority = std::string(rest);
  e.base_url = e.scheme + "://" + e.authority;
  return e;
}

namespace {

using detail::Transfer;

// Feeds the bytes at [pos, pos + n) to the request's MD5 once: after a rewind
// only the part past what was already hashed counts.
void hash_sent(Transfer& t, const char* data, uint64_t pos, size_t n) {
  if (!t.request->sent_md5 || pos > t.hashed_upto || pos + n <= t.hashed_upto) return;
  size_t skip = static_cast<size_t>(t.hashed_upto - pos);
  t.request->sent_md5->update(std::string_view(data + skip, n - skip));
  t.hashed_upto = pos + n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const auto& r = *t->request;
  size_t n = static_cast<size_t>(std::min<uint64_t>(size * count, r.body_size() - t->read_pos));
  if (r.file) {
    ssize_t got = n ? ::pread(r.file->fd, buffer, n, static_cast<off_t>(r.file->offset + t->read_pos)) : 0;
    if (got < 0 || (n && got == 0)) {
      t->read_failed = true;  // an error or a file that shrank under us
      return CURL_READFUNC_ABORT;
    }
    n = static_cast<size_t>(got);
  } else {
    std::memcpy(buffer, r.body.data() + t->read_pos, n);
  }
  hash_sent(*t, buffer, t->read_pos, n);
  t->read_pos += n;
  if (t->on_bytes && *t->on_bytes) (*t->on_bytes)(n);
  return n;
}

// libcurl rewinds the body when it retries a request on a fresh connection
// (the server closed the kept-alive one while we were idle).
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > t->request->body_size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->read_pos = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->status < 0) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
  bool success = t->status >= 200 && t->status < 300;
  if (success && t->request->sink) {
    t->received += n;
    if (t->on_bytes && *t->on_bytes) (*t->on_bytes)(n);
    if (!(*t->request->sink)(std::string_view(data, n))) {
      t->sink_aborted = true;
      return 0;
    }
    return n;
  }
  if (t->body.size() + n > kMaxCollectedBody) {
    t->body_too_large = true;
    return 0;
  }
  t->body.append(data, n);
  t->received += n;
  return n;
}

// libcurl's progress callback: the only place an idle or busy transfer can be
// stopped from outside.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->load(std::memory_order_relaxed) != 0) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<S3Client>> S3Client::create(ClientConfig config) {
  auto endpoint = Endpoint::parse(config.endpoint);
  if (!endpoint) return std::unexpected(endpoint.error());
  global_init_once();
  CURL* curl = curl_easy_init();
  if (!curl) return fail(ErrorCode::kInternalError, "curl_easy_init failed");
  return std::unique_ptr<S3Client>(new S3Client(std::move(config), std::move(*endpoint), curl));
}

S3Client::S3Client(ClientConfig config, Endpoint endpoint, void* curl)
    : config_(std::move(config)), endpoint_(std::move(endpoint)), curl_(curl) {
  curl_error_.resize(CURL_ERROR_SIZE);
  CURL* c = handle(curl_);
  // Options that never change between requests; per-request ones are set in execute().
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  // Keys may contain "." and ".." segments ("a/../b" is a key, not a path):
  // without this libcurl squashes them, and the request (signed for the
  // key as given) goes to another object.
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error_.data());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &on_read);
  curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, &on_seek);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_write);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, config_.cancel ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.stall_timeout.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, config_.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, config_.verify_tls ? 2L : 0L);
  if (config_.verify_tls && config_.ca_pem && !config_.ca_pem->empty()) {
    // Not copied: config_ holds the text as long as the handle lives.
    curl_blob blob{const_cast<char*>(config_.ca_pem->data()), config_.ca_pem->size(),
                   CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, "silo/0.1.0");
}

S3Client::~S3Client() { curl_easy_cleanup(handle(curl_)); }

// Sets every option that depends on the method, so nothing leaks from the
// previous request on this handle (HTTPGET clears UPLOAD and NOBODY).
void S3Client::configure_method(const Request& request, Transfer& transfer) {
  CURL* c = handle(curl_);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.has_body) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size()));
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE,
                     request.body_size() >= uint64_t(kLargeUploadBuffer) ? kLargeUploadBuffer
                                                                         : kSmallUploadBuffer);
    curl_easy_setopt(c, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &transfer);
    if (request.method != "PUT") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, std::string(request.method).c_str());
    }
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, std::string(request.method).c_str());
  }
}

S3Error S3Client::transfer_error(const Transfer& transfer, int curl_code) const {
  S3Error e;
  if (transfer.cancelled) {
    e.code = "aborted";
    e.message = "interrupted";
    return e;
  }
  if (transfer.sink_aborted) {
    e.code = "aborted";
    e.message = "the response body was refused by the caller";
    return e;
  }
  e.code = std::string(kNetworkErrorCode);
  e.message = curl_error_.c_str();
  if (e.message.empty()) e.message = curl_easy_strerror(static_cast<CURLcode>(curl_code));
  tls_advice(e, curl_code);
  if (transfer.body_too_large) e.message = "response body too large";
  if (transfer.read_failed) {
    e.code = "aborted";
    e.message = "could not read the file being uploaded (did it change?)";
  }
  return e;
}

// A TLS failure that will happen again gets code "tls" and what to do.
void S3Client::tls_advice(S3Error& e, int curl_code) const {
  std::string where = config_.ca_dir.empty() ? "the client's certs/CAs folder" : config_.ca_dir;
  if (curl_code == CURLE_PEER_FAILED_VERIFICATION) {
    e.code = std::string(kTlsErrorCode);
    if (e.message.find("subject name") != std::string::npos ||
        e.message.find("host name") != std::string::npos) {
      e.message += ": the server's certificate is not for " + endpoint_.authority +
                   "; use a host name the certificate lists, or --insecure to skip verification";
    } else {
      e.message += ": the server's certificate is not signed by a CA this client trusts; add "
                   "that CA (a PEM .crt or .pem file) to " + where +
                   ", or use --insecure to skip verification";
    }
  } else if (curl_code == CURLE_SSL_CACERT_BADFILE) {
    e.code = std::string(kTlsErrorCode);
    e.message += ": check the CA files in " + where;
  } else if (curl_code == CURLE_SSL_CONNECT_ERROR &&
             e.message.find("wrong version number") != std::string::npos) {
    e.code = std::string(kTlsErrorCode);
    e.message += ": the server does not speak TLS on this port; use an http:// URL";
  }
}

std::string S3Client::response_header(std::string_view name) const {
  curl_header* h = nullptr;
  std::string n(name);
  if (curl_easy_header(handle(curl_), n.c_str(), 0, CURLH_HEADER, -1, &h) != CURLHE_OK) return {};
  return h->value;
}

ObjectInfo S3Client::object_info(int status, uint64_t body_size) const {
  ObjectInfo info;
  info.http_status = status;
  info.size = body_size;
  info.etag = xml::strip_quotes(response_header("etag"));
  info.content_type = response_header("content-type");
  info.last_modified = response_header("last-modified");
  info.storage_class = response_header("x-amz-storage-class");
  info.version_id = response_header("x-amz-version-id");
  // "bytes 0-99/1234" -> 1234
  std::string range = response_header("content-range");
  if (auto slash = range.rfind('/'); slash != std::string::npos) {
    info.total_size = parse_u64(std::string_view(range).substr(slash + 1));
  }
  static constexpr std::string_view kContentHeaders[] = {
      "cache-control", "content-disposition", "content-encoding", "content-language", "expires"};
  curl_header* prev = nullptr;
  while (curl_header* h = curl_easy_nextheader(handle(curl_), CURLH_HEADER, -1, prev)) {
    prev = h;
    std::string name = to_lower(h->name);
    bool content = std::find(std::begin(kContentHeaders), std::end(kContentHeaders), name) !=
                   std::end(kContentHeaders);
    if (content || name.starts_with("x-amz-meta-")) info.metadata.emplace_back(name, h->value);
  }
  return info;
}

S3Result<S3Client::Response> S3Client::execute(const Request& request) {
  const std::atomic<int>* cancel = request.cancellable ? config_.cancel : nullptr;
  if (cancel && cancel->load(std::memory_order_relaxed) != 0) {
    return std::unexpected(S3Error{0, "aborted", "interrupted", {}});
  }
  auth::SignedRequest signed_request{request.method, request.path, request.query, {}};
  signed_request.headers.reserve(request.headers.size() + 4);
  signed_request.headers.emplace_back("host", endpoint_.authority);
  signed_request.headers.insert(signed_request.headers.end(), request.headers.begin(),
                                request.headers.end());
  std::string_view payload_hash =
      request.has_body && request.body_size() > 0 ? auth::kUnsignedPayload : auth::kEmptySha256Hex;
  auto signature = auth::sign_request(signed_request, payload_hash, config_.credentials,
                                    config_.region, std::chrono::system_clock::now());
  Slist headers;
  bool ok = true;
  for (const auto& [name, value] : signed_request.headers) {
    ok = ok && append_header(headers, name + ": " + value);
  }
  ok = ok && append_header(headers, "authorization: " + signature.authorization);
  // No "Expect: 100-continue": it costs a round trip per upload.
  ok = ok && append_header(headers, "Expect:");
  if (!ok) return std::unexpected(S3Error{0, "aborted", "out of memory building headers", {}});

  std::string url = endpoint_.base_url + request.path;
  if (!request.query.empty()) url += "?" + request.query;
  Transfer transfer;
  transfer.request = &request;
  transfer.curl = handle(curl_);
  transfer.on_bytes = &config_.on_bytes;
  transfer.cancel = cancel;
  CURL* c = handle(curl_);
  curl_error_[0] = '\0';
  configure_method(request, transfer);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return std::unexpected(transfer_error(transfer, rc));

  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    S3Error e;
    e.http_status = static_cast<int>(status);
    e.request_id = response_header("x-amz-request-id");
    if (auto body = xml::parse_error(transfer.body)) {
      e.code = std::move(body->code);
      e.message = std::move(body->message);
      if (!body->request_id.empty()) e.request_id = std::move(body->request_id);
    } else {
      e.code = code_from_status(e.http_status);
    }
    return std::unexpected(std::move(e));
  }
  return Response{static_cast<int>(status), std::move(transfer.body), transfer.received};
}

}  // namespace silo::client
