// silo share download|upload: presigned URLs.
#include "client/cli_units.h"
#include "client/command_util.h"

namespace silo::client {
namespace {

int share(Session& s, const CommandArgs& a, bool upload) {
  const char* command = upload ? "share upload" : "share download";
  auto expire = parse_age(a.expire);
  if (!expire || *expire > std::chrono::hours(24 * 7)) {
    return usage_error(s, command, "--expire must be 1s to 7d (e.g. 12h, 7d)");
  }
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    if (!t.remote || t.key.empty() || t.key.back() == '/') {
      s.out().error(command, t.text, local_error("expected ALIAS/BUCKET/KEY"));
      continue;
    }
    auto c = s.client(t.alias);
    if (!c) {
      s.out().error(command, t.display(), c.error());
      continue;
    }
    std::string url = (*c)->presign_url(upload ? "PUT" : "GET", t.bucket, t.key, *expire);
    nlohmann::json j = {{"target", t.display()}, {"url", url}, {"expireSeconds", expire->count()}};
    std::string human = "URL    : " + url + "\nExpire : " + std::to_string(expire->count()) + " s";
    if (upload) {
      std::string curl = "curl -X PUT --upload-file FILE '" + url + "'";
      j["share"] = curl;
      human += "\nShare  : " + curl;
    }
    s.out().data(j, human);
  }
  return exit_code(s);
}

}  // namespace

void add_share_commands(Registry& r) {
  auto& a = r.args;
  auto* sh = r.add("share", "Make presigned URLs to download or upload an object without keys",
                   "  silo share download --expire 12h local/photos/cat.jpg\n"
                   "  silo share upload local/inbox/report.pdf    # prints a curl command\n",
                   nullptr);
  sh->require_subcommand(1);
  auto* dl = sh->add_subcommand("download", "A GET URL");
  auto* ul = sh->add_subcommand("upload", "A PUT URL and the curl command that uses it");
  for (auto* c : {dl, ul}) {
    c->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY ...")->required();
    c->add_option("--expire", a.expire, "How long the URL works, up to 7d (default 7d)");
    c->fallthrough();
  }
  r.commands.back().run = [ul](Session& s, const CommandArgs& args) { return share(s, args, ul->parsed()); };
}

}  // namespace silo::client
