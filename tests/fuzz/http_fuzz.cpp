// Fuzzes the HTTP/1.1 request parser as the server drives it
// (http/server.cpp and http/exchange.cpp): Beast's request_parser with a
// buffer_body, the server's header limit (ServerOptions::header_limit) and no
// body limit, fed the raw bytes of a connection in pieces. Like the
// connection loop it reads a header, looks at what the S3 layer reads from
// it, drains the body through caller-sized buffers, and parses the next
// request on the same connection while it is kept alive.
//
// Input: byte 0 seeds the piece sizes (how the bytes arrive from the
// socket) and the body buffer sizes; the rest is what the client sent.
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "http/exchange.h"
#include "http/server.h"

namespace {

namespace bhttp = boost::beast::http;
using silo::http::RequestParser;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken invariant: %s\n", what);
    std::abort();
  }
}

// The bytes of a connection as they arrive, in pieces.
class Socket {
 public:
  Socket(std::string_view bytes, unsigned seed)
      : bytes_(bytes), rng_(seed + 1), max_piece_(seed & 1 ? 7 : 1500) {}
  // Appends the next piece to `buffer`; false at the end of the stream.
  bool read(std::string& buffer) {
    if (bytes_.empty()) return false;
    size_t n = std::min<size_t>(bytes_.size(), 1 + rng_() % max_piece_);
    buffer.append(bytes_.substr(0, n));
    bytes_.remove_prefix(n);
    return true;
  }
  size_t random(size_t max) { return 1 + rng_() % max; }

 private:
  std::string_view bytes_;
  std::minstd_rand rng_;
  size_t max_piece_;
};

// What the S3 layer reads from a request header.
size_t inspect(const RequestParser& parser) {
  const auto& req = parser.get().base();
  size_t n = req.method_string().size() + req.target().size() + req.version();
  n += static_cast<size_t>(req.method());
  for (const auto& field : req) n += field.name_string().size() + field.value().size();
  n += req[bhttp::field::expect].size() + req[bhttp::field::host].size();
  n += parser.get().keep_alive() ? 1 : 0;
  n += parser.get().chunked() ? 1 : 0;
  if (auto len = parser.content_length()) n += static_cast<size_t>(*len & 1);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Socket socket(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), data[0]);
  static const size_t header_limit = silo::http::ServerOptions{}.header_limit;
  std::string buffer;  // the connection's flat_buffer
  std::vector<char> body(64 * 1024);
  volatile size_t sink = 0;

  for (int request = 0; request < 100; ++request) {
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(header_limit));
    parser.body_limit(boost::none);
    boost::system::error_code ec;

    // async_read_header
    while (!parser.is_header_done()) {
      if (buffer.empty() && !socket.read(buffer)) {
        // End of stream (Beast's read does put_eof only after some bytes):
        // a partial header, or none; the connection closes.
        if (parser.got_some()) parser.put_eof(ec);
        return 0;
      }
      size_t used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec == bhttp::error::need_more) {
        if (!socket.read(buffer)) {
          if (parser.got_some()) parser.put_eof(ec);
          return 0;
        }
        continue;
      }
      if (ec) return 0;  // framing or size error: one error response, then close
    }
    check(!parser.content_length() || !parser.get().chunked(), "not both length and chunked");
    sink = sink + inspect(parser);

    // Exchange::read_body: caller-sized buffers until the body is done.
    while (!parser.is_done()) {
      size_t room = socket.random(body.size());
      parser.get().body().data = body.data();
      parser.get().body().size = room;
      size_t used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      check(parser.get().body().size <= room, "the body stays in its buffer");
      if (ec == bhttp::error::need_buffer) continue;
      if (ec == bhttp::error::need_more || (!ec && used == 0 && !parser.is_done())) {
        if (!socket.read(buffer)) {  // the client went away: IncompleteBody
          parser.put_eof(ec);
          return 0;
        }
        continue;
      }
      if (ec) return 0;
    }
    if (!parser.get().keep_alive()) return 0;
  }
  return 0;
}
