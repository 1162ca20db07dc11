#include "server/tls_setup.h"

#include "common/ca_bundle.h"

namespace silo::server {

Result<ServerTls> setup_tls(const std::string& certs_dir, const cluster::Deployment& deployment) {
  ServerTls tls;
  if (certs_dir.empty()) {
    if (deployment.distributed() && deployment.scheme == "https") {
      return fail(ErrorCode::kInvalidArgument,
                  "the endpoints are https:// but this node has no certificate: give every node "
                  "--certs-dir DIR (DIR/public.crt, DIR/private.key)");
    }
    return tls;
  }
  if (deployment.distributed() && deployment.scheme != "https") {
    return fail(ErrorCode::kInvalidArgument,
                "--certs-dir makes every node serve HTTPS, so nodes call each other over "
                "https: write the endpoints as https://host:port/folder");
  }
  auto certs = http::TlsCerts::load(certs_dir);
  if (!certs) {
    return fail(ErrorCode::kInvalidArgument,
                "--certs-dir: " + std::string(certs.error().text()) +
                    " (expected " + certs_dir + "/" + http::TlsCerts::kCertFile + " and " +
                    certs_dir + "/" + http::TlsCerts::kKeyFile + ", PEM)");
  }
  tls.certs = std::move(*certs);
  auto cas = read_ca_bundle(tls.certs->dir() + "/CAs");
  if (!cas) return fail(ErrorCode::kInvalidArgument, "--certs-dir: " + std::string(cas.error().text()));
  tls.peer_cas = std::move(cas->pem);
  tls.extra_cas = cas->extra.size();
  return tls;
}

}  // namespace silo::server
