// Which servers the client trusts: TLS certificates are verified unless
// --insecure, against the system's CAs plus those the user put in the
// config folder's `certs/CAs/` (`~/.silo/certs/CAs/*.crt|*.pem`, or under
// $SILO_CONFIG_DIR), so a private CA is trusted by dropping its file there.
// Every command that makes an S3Client (the client commands, admin, bench)
// sets its config here, so all of them trust the same CAs.
#pragma once

#include <string>

#include "client/s3_client.h"
#include "common/error.h"

namespace silo::client {

// <config_dir>/certs/CAs.
std::string ca_dir(const std::string& config_dir);

// Sets config.verify_tls, ca_pem and ca_dir. The CAs are read once per
// process and folder (every thread's clients share the text); fails, naming
// the file, when a file in the folder is not a PEM certificate. Without
// files in the folder libcurl's default bundle is used (the same CAs).
Status apply_trust(ClientConfig& config, const std::string& config_dir, bool insecure);

}  // namespace silo::client
