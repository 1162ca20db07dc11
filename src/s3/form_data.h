// A multipart/form-data body read as a browser POST upload sends it: the
// form fields first (kept in memory, bounded), then the file, streamed.
// Fields after the file are ignored, as S3 ignores them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/post_policy.h"
#include "common/error.h"
#include "s3/body.h"

namespace silo::s3 {

// The boundary of a "multipart/form-data; boundary=..." content type.
std::optional<std::string> form_boundary(std::string_view content_type);

struct FormHead {
  auth::FormFields fields;    // names lower-cased, in order
  std::string filename;       // the file part's filename
  std::string file_type;      // the file part's Content-Type
};

class FormReader {
 public:
  FormReader(BodyReader& body, std::string boundary);

  // Reads every field up to the file part. MalformedPOSTRequest for a body
  // that is not multipart/form-data or whose fields pass `max_fields`
  // bytes; IncorrectNumberOfFilesInPostRequest when there is no file.
  boost::asio::awaitable<Result<FormHead>> read_head(size_t max_fields);
  // The file's next bytes; 0 at its end (the rest of the body is read and
  // dropped then).
  boost::asio::awaitable<Result<size_t>> read_file(std::span<uint8_t> out);

 private:
  // Reads more of the body into buf_; false at its end.
  boost::asio::awaitable<Result<bool>> fill();
  // Drops what was consumed from the front of buf_.
  void compact();

  BodyReader& body_;
  std::string delimiter_;  // "\r\n--" + boundary
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool file_done_ = false;
};

}  // namespace silo::s3
