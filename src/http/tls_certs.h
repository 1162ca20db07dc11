// TlsCerts: the server's TLS certificate and key, read from a certs folder
// (`DIR/public.crt`, the certificate chain in PEM, leaf first; and
// `DIR/private.key`, its unencrypted PEM key) and read again when the files
// change, so a renewed certificate is served without a restart.
//
// Each load builds a fresh TLS context (TLS 1.2 and 1.3 only; for 1.2 only
// ECDHE key exchange with AES-GCM or ChaCha20-Poly1305), handed out by
// shared_ptr: a connection keeps the context it started with, new ones get
// the newest. current() looks at the files' modification time, size and
// inode at most once per `check_every`; a change that does not load (a
// half-written file, a key that does not match the certificate) is logged
// once and the previous context stays in use until the files change again.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.h"

namespace boost::asio::ssl {
class context;
}

namespace silo::http {

class TlsCerts {
 public:
  static constexpr const char* kCertFile = "public.crt";
  static constexpr const char* kKeyFile = "private.key";

  // Loads DIR/public.crt and DIR/private.key; fails, saying which file and
  // why, when they cannot be used.
  static Result<std::shared_ptr<TlsCerts>> load(
      std::string dir, std::chrono::milliseconds check_every = std::chrono::seconds(2));

  // The context for a new connection (see above). Never null.
  std::shared_ptr<boost::asio::ssl::context> current();
  const std::string& dir() const { return dir_; }

  // What identifies a version of the two files; public for the .cpp's helpers.
  struct Stamp {
    int64_t cert_mtime_ns = 0, key_mtime_ns = 0;
    uint64_t cert_size = 0, key_size = 0, cert_inode = 0, key_inode = 0;
    bool operator==(const Stamp&) const = default;
  };

 private:
  TlsCerts(std::string dir, std::chrono::milliseconds check_every)
      : dir_(std::move(dir)), check_every_(check_every) {}
  std::string dir_;
  std::chrono::milliseconds check_every_;
  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  Stamp loaded_;  // the files context_ came from, or the last that failed to load
  std::chrono::steady_clock::time_point next_check_;
};

}  // namespace silo::http
