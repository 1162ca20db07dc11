// `silo` dispatches to its subcommands; each lives in its own layer.
#include <CLI/CLI.hpp>
#include <iostream>

#include "bench/command.h"
#include "client/admin_command.h"
#include "client/commands.h"
#include "server/server_main.h"

namespace {

constexpr const char* kAbout =
    "Silo: S3-compatible object storage.\n\n"
    "  silo server ./data                                   start a server on one folder\n"
    "  silo alias set local http://127.0.0.1:9000 KEY SECRET\n"
    "  silo mb local/photos && silo cp -r ./pics local/photos/ && silo ls -r local/photos\n"
    "  silo help cp                                         help and examples for a command\n";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kAbout};
  app.require_subcommand(1);
  app.set_version_flag("--version", "silo 0.1.0");

  silo::server::ServerConfig server;
  auto* srv = app.add_subcommand("server", "Run the object storage server");
  srv->add_option("--address", server.address, "Listen address, host:port (default :9000: every interface with SILO_ROOT_USER and "
                  "SILO_ROOT_PASSWORD set, loopback only without them)");
  srv->add_option("--domain", server.domains,
                  "Domain for virtual-host-style requests (bucket.DOMAIN); repeatable");
  srv->add_option("--region", server.region,
                  "Accept only requests signed for this region (default: any region)")
      ->envname("SILO_REGION");
  srv->add_option("--stale-uploads-expiry", server.stale_uploads_expiry,
                  "Abort multipart uploads idle longer than this (default 24h)");
  srv->add_option("--min-free", server.min_free,
                  "Free space every drive keeps, as a size (10GiB) or a percentage (5%); writes "
                  "that would cross it are refused with 507 StorageFull (default 1%, or what "
                  "the drive's metadata store needs when that is more)")
      ->envname("SILO_MIN_FREE");
  srv->add_option("--idle-timeout", server.idle_timeout,
                  "Close a connection idle between requests this long (default 60s)");
  srv->add_option("--header-timeout", server.header_timeout,
                  "A request header must arrive whole within this time (default 15s)");
  srv->add_option("--io-timeout", server.io_timeout,
                  "Fail a request whose body or response stalls this long (default 120s)");
  srv->add_option("--drive-timeout", server.drive_timeout,
                  "A drive that has not answered a call in this long counts as failed for "
                  "the request, which goes on with the others (default 30s)")
      ->envname("SILO_DRIVE_TIMEOUT");
  srv->add_option("--max-connections", server.max_connections,
                  "Open connections at most; more wait to be accepted (default: half the "
                  "descriptor limit, at most 10000)");
  srv->add_option("--certs-dir", server.certs_dir,
                  "Serve HTTPS with DIR/public.crt and DIR/private.key (reloaded when they "
                  "change); nodes trust the CAs in DIR/CAs/ besides the system's when they call "
                  "each other (https:// endpoints)")
      ->envname("SILO_CERTS_DIR");
  srv->add_flag("--debug", server.debug, "Log every request");
  srv->add_option("DIR", server.drives, "Data folder")->required();

  silo::client::AdminOptions admin;
  auto* adm = silo::client::add_admin_command(app, admin);
  silo::bench::Options bench;
  auto* bch = silo::bench::add_command(app, bench);
  silo::client::ClientCommands client(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version exit 0; any other parse problem is a usage error (2).
    if (e.get_exit_code() != 0 &&
        silo::client::ClientCommands::report_parse_error_as_json(argc, argv, e.what())) {
      return 2;
    }
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (srv->parsed()) return silo::server::run_server(server);
  // The global --insecure reaches every command, written before it or after.
  if (bch->parsed()) {
    bench.insecure = bench.insecure || client.insecure();
    return silo::bench::run(bench);
  }
  if (adm->parsed()) {
    admin.json = admin.json || client.json();  // the global --json, before "admin"
    admin.insecure = admin.insecure || client.insecure();
    return silo::client::run_admin(admin);
  }
  return client.run().value_or(0);
}
