// silo cors set|get|remove: a bucket's CORS configuration, as mc cors.
#include <iostream>
#include <sstream>

#include "client/command_util.h"
#include "client/config_xml.h"
#include "common/files.h"

namespace silo::client {
namespace {

using json = nlohmann::json;

json rules_json(const std::vector<xml::CorsRule>& rules) {
  json out = json::array();
  for (const auto& r : rules) {
    json j = {{"allowedOrigins", r.allowed_origins},
              {"allowedMethods", r.allowed_methods},
              {"allowedHeaders", r.allowed_headers},
              {"exposeHeaders", r.expose_headers}};
    if (!r.id.empty()) j["id"] = r.id;
    if (r.max_age_seconds) j["maxAgeSeconds"] = *r.max_age_seconds;
    out.push_back(std::move(j));
  }
  return out;
}

// The contents of `path`, or of stdin for "-".
std::optional<std::string> read_input(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  return read_whole_file(path);
}

int cors_run(Session& s, const CommandArgs& a, const std::string& action) {
  std::string command = "cors " + action;
  size_t want = action == "set" ? 2 : 1;
  if (a.args.size() != want) {
    return usage_error(
        s, command,
        action == "set" ? "expected ALIAS/BUCKET FILE ('-' for stdin)" : "expected ALIAS/BUCKET");
  }
  Target t = s.target(a.args[0]);
  if (!t.remote || t.bucket.empty() || !t.key.empty()) {
    return usage_error(s, command, "expected ALIAS/BUCKET, not " + t.text);
  }
  std::string body;
  if (action == "set") {
    std::string source = a.args[1] == "-" ? "stdin" : a.args[1];
    auto text = read_input(a.args[1]);
    if (!text) return usage_error(s, command, "cannot read " + source);
    auto rules = xml::parse_cors(*text);
    if (!rules) {
      return usage_error(s, command, source + " is not a CORSConfiguration XML document");
    }
    if (rules->empty()) return usage_error(s, command, source + " has no CORSRule");
    body = std::move(*text);
  }
  auto c = s.client(t.alias);
  if (!c) {
    s.out().error(command, t.display(), c.error());
    return 1;
  }
  std::string method = action == "set" ? "PUT" : action == "remove" ? "DELETE" : "GET";
  auto r = with_retry(s.retry(), [&] {
    return (*c)->subresource(method, t.bucket, "", "cors", body, SubresourceOptions{});
  });
  if (!r && action == "get" && r.error().code == "NoSuchCORSConfiguration") {
    s.out().data({{"target", t.display()}, {"rules", json::array()}, {"xml", ""}},
                 t.display() + ": no CORS configuration");
    return exit_code(s);
  }
  if (!r) {
    s.out().error(command, t.display(), r.error());
    return 1;
  }
  if (action == "set") {
    s.out().info({{"status", "success"}, {"target", t.display()}},
                 "CORS configuration of `" + t.display() + "` set from " +
                     (a.args[1] == "-" ? std::string("stdin") : a.args[1]));
    return exit_code(s);
  }
  if (action == "remove") {
    s.out().info({{"status", "success"}, {"target", t.display()}, {"removed", true}},
                 "CORS configuration of `" + t.display() + "` removed");
    return exit_code(s);
  }
  auto rules = xml::parse_cors(r->body);
  if (!rules) {
    s.out().error(command, t.display(), local_error("unexpected answer: " + r->body));
    return 1;
  }
  // People get the document itself, ready for `cors set`.
  std::string human = xml::pretty(r->body);
  while (!human.empty() && human.back() == '\n') human.pop_back();
  s.out().data({{"target", t.display()}, {"rules", rules_json(*rules)}, {"xml", r->body}}, human);
  return exit_code(s);
}

}  // namespace

void add_cors_commands(Registry& r) {
  auto& a = r.args;
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add("cors", "CORS configuration of a bucket: set, get, remove",
                    "  silo cors set local/www cors.xml      # a "
                    "<CORSConfiguration> document\n"
                    "  silo cors get local/www > cors.xml    # the document, "
                    "to edit and set again\n"
                    "  silo cors get local/www | silo cors set local/other -\n"
                    "  silo cors remove local/www\n",
                    [holder](Session& s, const CommandArgs& args) {
                      if ((*holder)[0]->parsed()) return cors_run(s, args, "set");
                      if ((*holder)[2]->parsed()) return cors_run(s, args, "remove");
                      return cors_run(s, args, "get");
                    });
  cmd->require_subcommand(1, 1);
  auto* set = cmd->add_subcommand("set",
                                  "Replace the CORS configuration from an XML "
                                  "file ('-': stdin): ALIAS/BUCKET FILE");
  set->add_option("ARGS", a.args, "ALIAS/BUCKET FILE")->expected(2);
  auto* get = cmd->add_subcommand("get", "Print the CORS configuration: ALIAS/BUCKET");
  get->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
  auto* remove = cmd->add_subcommand("remove", "Remove the CORS configuration: ALIAS/BUCKET");
  remove->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
  for (auto* c : {set, get, remove}) c->fallthrough();
  *holder = {set, get, remove};
}

}  // namespace silo::client
