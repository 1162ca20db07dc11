// silo version enable|suspend|info: a bucket's versioning, as mc version.
#include "client/command_util.h"
#include "client/config_xml.h"

namespace silo::client {
namespace {

// "Enabled", "Suspended" or "Unversioned" (never enabled), for records.
std::string state_name(const std::string& status) {
  return status.empty() ? "Unversioned" : status;
}

std::string state_words(const std::string& status) {
  if (status == "Enabled") return "enabled";
  if (status == "Suspended") return "suspended";
  return "off (the bucket was never versioned)";
}

int version_run(Session& s, const CommandArgs& a, const std::string& action) {
  std::string command = "version " + action;
  if (a.args.size() != 1) return usage_error(s, command, "expected ALIAS/BUCKET");
  Target t = s.target(a.args[0]);
  if (!t.remote || t.bucket.empty() || !t.key.empty()) {
    return usage_error(s, command, "expected ALIAS/BUCKET, not " + t.text);
  }
  auto c = s.client(t.alias);
  if (!c) {
    s.out().error(command, t.display(), c.error());
    return 1;
  }
  if (action != "info") {
    std::string status = action == "enable" ? "Enabled" : "Suspended";
    auto r = with_retry(s.retry(), [&] {
      return (*c)->subresource("PUT", t.bucket, "", "versioning", xml::versioning_body(status),
                               SubresourceOptions{});
    });
    if (!r) {
      S3Error e = r.error();
      if (e.code == "InvalidBucketState" && action == "suspend") {
        e.message += " (a bucket with object lock stays versioned)";
      }
      s.out().error(command, t.display(), e);
      return 1;
    }
    s.out().info({{"status", "success"}, {"target", t.display()}, {"versioning", status}},
                 t.display() + " versioning is " + state_words(status));
    return exit_code(s);
  }
  auto body = with_retry(s.retry(), [&] {
    return (*c)->subresource("GET", t.bucket, "", "versioning", "", SubresourceOptions{});
  });
  if (!body) {
    s.out().error(command, t.display(), body.error());
    return 1;
  }
  auto status = xml::parse_versioning(body->body);
  if (!status) {
    s.out().error(command, t.display(), local_error("unexpected answer: " + body->body));
    return 1;
  }
  s.out().data({{"target", t.display()}, {"versioning", state_name(*status)}},
               t.display() + " versioning is " + state_words(*status));
  return exit_code(s);
}

}  // namespace

void add_version_commands(Registry& r) {
  auto& a = r.args;
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add("version", "Bucket versioning: enable, suspend, info",
                    "  silo version enable local/photos    # keep every "
                    "version of every object\n"
                    "  silo version info local/photos      # Enabled, "
                    "Suspended or Unversioned\n"
                    "  silo version suspend local/photos   # new writes "
                    "replace the \"null\" version\n"
                    "  silo ls --versions local/photos     # then: the "
                    "versions and delete markers\n",
                    [holder](Session& s, const CommandArgs& args) {
                      if ((*holder)[0]->parsed()) return version_run(s, args, "enable");
                      if ((*holder)[1]->parsed()) return version_run(s, args, "suspend");
                      return version_run(s, args, "info");
                    });
  cmd->require_subcommand(1, 1);
  auto* enable = cmd->add_subcommand("enable", "Turn versioning on: ALIAS/BUCKET");
  auto* suspend =
      cmd->add_subcommand("suspend", "Stop making new versions (existing ones stay): ALIAS/BUCKET");
  auto* info = cmd->add_subcommand("info", "Show the versioning state: ALIAS/BUCKET");
  for (auto* c : {enable, suspend, info}) {
    c->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
    c->fallthrough();
  }
  *holder = {enable, suspend, info};
}

}  // namespace silo::client
