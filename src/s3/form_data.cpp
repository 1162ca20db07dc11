#include "s3/form_data.h"

#include <algorithm>
#include <cstring>

#include "common/strings.h"

namespace silo::s3 {

namespace {

constexpr size_t kFillChunk = 64 << 10;
constexpr size_t kMaxPartHeaders = 16 << 10;
// What may follow the file (its closing boundary, ignored fields).
constexpr size_t kMaxTrailing = 1 << 20;

std::unexpected<Error> malformed() { return fail(ErrorCode::kMalformedPOSTRequest); }

// The value of parameter `name` in a header such as
// `form-data; name="key"; filename="a.txt"` (quotes removed).
std::optional<std::string> header_param(std::string_view header, std::string_view name) {
  size_t at = 0;
  while (at < header.size()) {
    size_t semi = header.find(';', at);
    std::string_view item = trim(header.substr(at, semi == std::string_view::npos ? semi : semi - at));
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && iequals(trim(item.substr(0, eq)), name)) {
      std::string_view v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    if (semi == std::string_view::npos) break;
    at = semi + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> form_boundary(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  auto b = header_param(content_type.substr(semi + 1), "boundary");
  if (!b || b->empty() || b->size() > 200) return std::nullopt;
  return b;
}

FormReader::FormReader(BodyReader& body, std::string boundary)
    : body_(body), delimiter_("\r\n--" + boundary) {}

boost::asio::awaitable<Result<bool>> FormReader::fill() {
  if (eof_) co_return false;
  size_t old = buf_.size();
  buf_.resize(old + kFillChunk);
  auto n = co_await body_.read({reinterpret_cast<uint8_t*>(buf_.data() + old), kFillChunk});
  if (!n) {
    buf_.resize(old);
    co_return std::unexpected(n.error());
  }
  buf_.resize(old + *n);
  if (*n == 0) eof_ = true;
  co_return *n > 0;
}

void FormReader::compact() {
  if (pos_ > (1 << 20) || pos_ == buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

boost::asio::awaitable<Result<FormHead>> FormReader::read_head(size_t max_fields) {
  FormHead head;
  // The first boundary has no CRLF before it: search for it without.
  std::string_view first = std::string_view(delimiter_).substr(2);
  size_t found;
  while ((found = buf_.find(first)) == std::string::npos) {
    if (buf_.size() > max_fields) co_return malformed();
    auto more = co_await fill();
    if (!more) co_return std::unexpected(more.error());
    if (!*more) co_return malformed();
  }
  pos_ = found + first.size();
  size_t fields_bytes = 0;
  while (true) {
    // After a boundary: CRLF and a part, or "--" and the end.
    while (buf_.size() - pos_ < 2) {
      auto more = co_await fill();
      if (!more) co_return std::unexpected(more.error());
      if (!*more) co_return malformed();
    }
    if (buf_.compare(pos_, 2, "--") == 0) {
      co_return fail(ErrorCode::kIncorrectNumberOfFilesInPostRequest);
    }
    if (buf_.compare(pos_, 2, "\r\n") != 0) co_return malformed();
    pos_ += 2;
    size_t end;
    while ((end = buf_.find("\r\n\r\n", pos_)) == std::string::npos) {
      if (buf_.size() - pos_ > kMaxPartHeaders) co_return malformed();
      auto more = co_await fill();
      if (!more) co_return std::unexpected(more.error());
      if (!*more) co_return malformed();
    }
    std::string_view headers(buf_.data() + pos_, end - pos_);
    std::optional<std::string> name, filename;
    std::string type;
    while (!headers.empty()) {
      size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view h = trim(line.substr(0, colon));
        std::string_view v = trim(line.substr(colon + 1));
        if (iequals(h, "content-disposition")) {
          name = header_param(v, "name");
          filename = header_param(v, "filename");
        } else if (iequals(h, "content-type")) {
          type = std::string(v);
        }
      }
      if (eol == std::string_view::npos) break;
      headers.remove_prefix(eol + 2);
    }
    pos_ = end + 4;
    if (!name) co_return malformed();
    std::string lower = to_lower(*name);
    if (lower == "file") {
      head.filename = filename.value_or("");
      head.file_type = std::move(type);
      co_return head;
    }
    size_t value_end;
    while ((value_end = buf_.find(delimiter_, pos_)) == std::string::npos) {
      if (fields_bytes + (buf_.size() - pos_) > max_fields) co_return malformed();
      auto more = co_await fill();
      if (!more) co_return std::unexpected(more.error());
      if (!*more) co_return malformed();
    }
    fields_bytes += value_end - pos_ + lower.size();
    if (fields_bytes > max_fields) co_return malformed();
    head.fields.emplace_back(std::move(lower), buf_.substr(pos_, value_end - pos_));
    pos_ = value_end + delimiter_.size();
  }
}

boost::asio::awaitable<Result<size_t>> FormReader::read_file(std::span<uint8_t> out) {
  if (file_done_ || out.empty()) co_return 0;
  while (true) {
    size_t found = buf_.find(delimiter_, pos_);
    // Bytes that cannot be the start of the delimiter are the file's.
    size_t safe = found != std::string::npos
                      ? found
                      : (buf_.size() >= delimiter_.size() ? buf_.size() - delimiter_.size() + 1 : 0);
    if (safe > pos_) {
      size_t n = std::min(out.size(), safe - pos_);
      std::memcpy(out.data(), buf_.data() + pos_, n);
      pos_ += n;
      compact();
      co_return n;
    }
    if (found != std::string::npos) {
      file_done_ = true;
      // The rest (the closing boundary, fields S3 ignores) is read and
      // dropped, so the body's own checks run and the connection stays in step.
      buf_.clear();
      pos_ = 0;
      size_t dropped = 0;
      while (true) {
        auto more = co_await fill();
        if (!more) co_return std::unexpected(more.error());
        dropped += buf_.size();
        buf_.clear();
        if (!*more) break;
        if (dropped > kMaxTrailing) co_return malformed();
      }
      co_return 0;
    }
    auto more = co_await fill();
    if (!more) co_return std::unexpected(more.error());
    if (!*more) co_return malformed();  // the file never ended
  }
}

}  // namespace silo::s3
