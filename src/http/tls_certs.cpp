#include "http/tls_certs.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/ssl/context.hpp>

#include "common/log.h"

namespace silo::http {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites with forward secrecy and an AEAD cipher; TLS 1.3's own
// suites are all of that kind and stay at OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string cert_path(const std::string& dir) { return dir + "/" + TlsCerts::kCertFile; }
std::string key_path(const std::string& dir) { return dir + "/" + TlsCerts::kKeyFile; }

// The stamp of both files; fails when either cannot be looked at.
Result<TlsCerts::Stamp> stamp_of(const std::string& dir) {
  struct ::stat c {}, k {};
  for (auto [path, st] : {std::pair{cert_path(dir), &c}, std::pair{key_path(dir), &k}}) {
    if (::stat(path.c_str(), st) != 0) {
      return fail(ErrorCode::kInvalidArgument, "cannot read " + path + ": " + std::strerror(errno));
    }
  }
  auto ns = [](const struct ::stat& s) {
    return static_cast<int64_t>(s.st_mtim.tv_sec) * 1'000'000'000 + s.st_mtim.tv_nsec;
  };
  return TlsCerts::Stamp{ns(c),
                         ns(k),
                         static_cast<uint64_t>(c.st_size),
                         static_cast<uint64_t>(k.st_size),
                         static_cast<uint64_t>(c.st_ino),
                         static_cast<uint64_t>(k.st_ino)};
}

// A server context for the certificate and key in `dir`.
Result<std::shared_ptr<ssl::context>> make_context(const std::string& dir) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Clients may not renegotiate (a cheap way to make a server work hard),
  // and the server's order of suites wins over the client's.
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return fail(ErrorCode::kInternalError, "TLS: this OpenSSL lacks the TLS 1.2 cipher suites");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_path(dir), ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument,
                cert_path(dir) + ": not a PEM certificate chain (" + ec.message() + ")");
  }
  ctx->use_private_key_file(key_path(dir), ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return fail(ErrorCode::kInvalidArgument,
                key_path(dir) + " is not the key of the certificate in " + cert_path(dir));
  }
  if (ec) {
    return fail(ErrorCode::kInvalidArgument,
                key_path(dir) + ": not an unencrypted PEM private key (" + ec.message() + ")");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return fail(ErrorCode::kInvalidArgument,
                key_path(dir) + " is not the key of the certificate in " + cert_path(dir));
  }
  return ctx;
}

}  // namespace

Result<std::shared_ptr<TlsCerts>> TlsCerts::load(std::string dir,
                                                 std::chrono::milliseconds check_every) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  auto stamp = stamp_of(dir);
  if (!stamp) return std::unexpected(stamp.error());
  auto ctx = make_context(dir);
  if (!ctx) return std::unexpected(ctx.error());
  std::shared_ptr<TlsCerts> certs(new TlsCerts(std::move(dir), check_every));
  certs->context_ = std::move(*ctx);
  certs->loaded_ = *stamp;
  certs->next_check_ = std::chrono::steady_clock::now() + check_every;
  return certs;
}

std::shared_ptr<ssl::context> TlsCerts::current() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return context_;
  next_check_ = now + check_every_;
  auto stamp = stamp_of(dir_);
  // Files that vanished for a moment (replaced by a tool that deletes
  // first) keep the current certificate; the next check looks again.
  if (!stamp || *stamp == loaded_) return context_;
  // Whether it loads or not, this version of the files has been tried:
  // a broken one is reported once, not at every check.
  loaded_ = *stamp;
  auto ctx = make_context(dir_);
  if (!ctx) {
    spdlog::error("TLS: the changed certificate in {} was not loaded ({}); still serving the "
                  "previous one",
                  dir_, ctx.error().text());
    return context_;
  }
  context_ = std::move(*ctx);
  spdlog::info("TLS: new certificate loaded from {}", dir_);
  return context_;
}

}  // namespace silo::http
