// What `silo server --certs-dir DIR` sets up (MinIO's layout of DIR):
// the certificate the node serves (DIR/public.crt, DIR/private.key: see
// http/tls_certs.h) and the CAs it trusts when it calls other nodes (the
// system's bundle plus DIR/CAs/*.crt|*.pem), and the check that the
// command line's endpoints agree: https:// endpoints with a certs folder,
// http:// without (a node serving TLS cannot be called over plain HTTP).
#pragma once

#include <memory>
#include <string>

#include "cluster/topology.h"
#include "common/error.h"
#include "http/tls_certs.h"

namespace silo::server {

struct ServerTls {
  std::shared_ptr<http::TlsCerts> certs;  // null: plain HTTP
  std::string peer_cas;                   // PEM for the internode client; empty without TLS
  size_t extra_cas = 0;                   // files read from DIR/CAs
};

// An empty `certs_dir` is plain HTTP. Fails, saying what to change, when
// the files cannot be used or the endpoints' scheme disagrees.
Result<ServerTls> setup_tls(const std::string& certs_dir, const cluster::Deployment& deployment);

}  // namespace silo::server
