// silo alias set|ls|rm
#include "client/command_util.h"

namespace silo::client {
namespace {

int alias_set(Session& s, const CommandArgs& a) {
  if (a.args.size() != 4) return usage_error(s, "alias set", "expected NAME URL ACCESS_KEY SECRET_KEY");
  const auto& name = a.args[0];
  if (!valid_alias_name(name)) {
    return usage_error(s, "alias set", "alias names are letters, digits, '-' and '_', starting with a letter");
  }
  auto endpoint = Endpoint::parse(a.args[1]);
  if (!endpoint) return usage_error(s, "alias set", std::string(endpoint.error().text()));
  auto config = s.aliases();
  config.set(Alias{name, endpoint->base_url, a.args[2], a.args[3], a.region, false});
  if (auto st = config.save(); !st) {
    s.out().error("alias set", name, local_error(std::string(st.error().text())));
    return 1;
  }
  s.out().info({{"alias", name}, {"url", endpoint->base_url}}, "Added `" + name + "` (" + endpoint->base_url + ")");
  return 0;
}

int alias_ls(Session& s, const CommandArgs& a, bool names_only) {
  for (const auto& al : s.aliases().all()) {
    if (!a.args.empty() && a.args[0] != al.name) continue;
    if (names_only) {
      std::printf("%s\n", al.name.c_str());
      continue;
    }
    // The secret is never printed.
    std::string human = al.name + "\n  URL       : " + al.url + "\n  AccessKey : " + al.access_key +
                        "\n  Region    : " + al.region + (al.from_env ? "\n  Source    : environment" : "");
    s.out().data({{"alias", al.name}, {"url", al.url}, {"accessKey", al.access_key},
                  {"region", al.region}, {"source", al.from_env ? "env" : "config"}}, human);
  }
  if (!a.args.empty() && !s.aliases().contains(a.args[0])) {
    s.out().error("alias ls", a.args[0], local_error("no such alias"));
  }
  return exit_code(s);
}

int alias_rm(Session& s, const CommandArgs& a) {
  if (a.args.size() != 1) return usage_error(s, "alias rm", "expected NAME");
  auto config = s.aliases();
  if (!config.remove(a.args[0])) {
    s.out().error("alias rm", a.args[0], local_error("no such alias in " + config.path()));
    return 1;
  }
  if (auto st = config.save(); !st) {
    s.out().error("alias rm", a.args[0], local_error(std::string(st.error().text())));
    return 1;
  }
  s.out().info({{"alias", a.args[0]}, {"removed", true}}, "Removed `" + a.args[0] + "`");
  return 0;
}

}  // namespace

void add_alias_commands(Registry& r) {
  auto& a = r.args;
  auto names_only = std::make_shared<bool>(false);
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add("alias", "Manage aliases: names for S3 endpoints and their keys",
                    "  silo alias set local http://127.0.0.1:9000 admin secret\n"
                    "  silo alias set s3 https://s3.amazonaws.com AKIA... SECRET --region eu-west-1\n"
                    "  silo alias ls\n  silo alias rm local\n"
                    "  SILO_ALIAS_ci=https://KEY:SECRET@host:9000 silo ls ci   # no config file\n",
                    [holder, names_only](Session& s, const CommandArgs& args) {
                      if ((*holder)[0]->parsed()) return alias_set(s, args);
                      if ((*holder)[2]->parsed()) return alias_rm(s, args);
                      return alias_ls(s, args, *names_only);
                    });
  cmd->require_subcommand(0, 1);
  auto* set = cmd->add_subcommand("set", "Add or replace an alias: NAME URL ACCESS_KEY SECRET_KEY");
  set->add_option("ARGS", a.args, "NAME URL ACCESS_KEY SECRET_KEY")->expected(4);
  set->add_option("--region", a.region, "Region to sign for (default us-east-1)");
  auto* ls = cmd->add_subcommand("ls", "List aliases (secrets are not shown)");
  ls->add_option("NAME", a.args, "Only this alias");
  ls->add_flag("--names", *names_only, "Names only, one per line");
  auto* rm = cmd->add_subcommand("rm", "Remove an alias");
  rm->add_option("NAME", a.args, "Alias to remove")->expected(1);
  for (auto* c : {set, ls, rm}) c->fallthrough();
  *holder = {set, ls, rm};
}

}  // namespace silo::client
