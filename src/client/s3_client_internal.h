// The request/response/transfer records shared by the two halves of
// S3Client (transport in s3_client.cpp, operations in s3_client_ops.cpp).
// Not part of the client's interface.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "client/s3_client.h"
#include "common/hash.h"

namespace silo::client::detail {

struct Request {
  std::string_view method;
  std::string path;   // encoded
  std::string query;  // encoded, without '?'
  HeaderList headers;
  bool has_body = false;  // PUT/POST: sends Content-Length even when empty
  std::span<const char> body;
  const BodySink* sink = nullptr;  // where a 2xx body goes; null: Response::body
  const FileRange* file = nullptr;  // when set, the body is this file range, not `body`
  Digest* sent_md5 = nullptr;       // when set, fed every body byte once, in order
  bool cancellable = true;          // false: runs even after ClientConfig::cancel is set

  uint64_t body_size() const { return file ? file->size : body.size(); }
};

struct Response {
  int status = 0;
  std::string body;  // 2xx body when the request had no sink
  uint64_t received = 0;
};

// State of one transfer, shared with libcurl's callbacks.
struct Transfer {
  const Request* request = nullptr;
  CURL* curl = nullptr;
  uint64_t read_pos = 0;
  uint64_t hashed_upto = 0;  // body bytes already given to sent_md5 (rewinds re-read)
  bool read_failed = false;
  const std::function<void(uint64_t)>* on_bytes = nullptr;
  long status = -1;  // learnt at the first body byte
  std::string body;
  uint64_t received = 0;
  bool sink_aborted = false;
  bool body_too_large = false;
  const std::atomic<int>* cancel = nullptr;  // null: not cancellable
  bool cancelled = false;
};

}  // namespace silo::client::detail
