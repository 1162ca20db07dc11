// The certificate authorities a TLS client of Silo trusts: the system's
// bundle plus the PEM files a user or operator added to a folder of their
// own (MinIO's layout: `certs/CAs/`). Shared by the `silo` client (its
// config folder's `certs/CAs/`) and the internode client (the server's
// `--certs-dir`/CAs), which hand the text to libcurl as one blob.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace silo {

// Debian's bundle of the system's trusted CAs (package ca-certificates).
inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

struct CaBundle {
  std::string pem;                 // every certificate, concatenated
  std::vector<std::string> extra;  // the files read from the extra folder
};

// `system_bundle` (skipped when it does not exist), then every `*.crt` and
// `*.pem` file directly in `extra_dir` in name order (none when the folder
// does not exist). Fails, naming the file, when one cannot be read or holds
// no PEM certificate: a CA the user meant to trust must not be skipped
// silently.
Result<CaBundle> read_ca_bundle(const std::string& extra_dir,
                                const std::string& system_bundle = kSystemCaBundle);

}  // namespace silo
