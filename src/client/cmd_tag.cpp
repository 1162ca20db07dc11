// silo tag set|list|remove: the tags of an object or a bucket, as mc tag.
#include "client/command_util.h"
#include "client/s3_xml.h"
#include "common/strings.h"

namespace silo::client {
namespace {

// "k1=v1&k2=v2" (URL-encoded, as x-amz-tagging) -> tags; nullopt when malformed.
std::optional<xml::Tags> parse_tag_list(std::string_view text) {
  auto pairs = parse_query(text, /*plus_as_space=*/true);
  if (!pairs) return std::nullopt;
  xml::Tags tags;
  for (auto& [k, v] : *pairs) {
    if (k.empty()) return std::nullopt;
    tags.emplace_back(std::move(k), std::move(v));
  }
  return tags;
}

int tag_run(Session& s, const CommandArgs& a, const std::string& action) {
  std::string command = "tag " + action;
  size_t want = action == "set" ? 2 : 1;
  if (a.args.size() != want) {
    return usage_error(s, command,
                       action == "set" ? "expected ALIAS/BUCKET[/OBJECT] \"key1=value1&key2=value2\""
                                       : "expected ALIAS/BUCKET[/OBJECT]");
  }
  Target t = s.target(a.args[0]);
  if (!t.remote || t.bucket.empty()) {
    return usage_error(s, command, "expected ALIAS/BUCKET[/OBJECT], not " + t.text);
  }
  auto c = s.client(t.alias);
  if (!c) {
    s.out().error(command, t.display(), c.error());
    return 1;
  }
  std::string body;
  if (action == "set") {
    auto tags = parse_tag_list(a.args[1]);
    if (!tags || tags->empty()) {
      return usage_error(s, command, "tags must look like \"key1=value1&key2=value2\"");
    }
    body = xml::tagging_body(*tags);
  }
  std::string method = action == "set" ? "PUT" : action == "remove" ? "DELETE" : "GET";
  auto answer = with_retry(s.retry(), [&] {
    return (*c)->subresource(method, t.bucket, t.key, "tagging", body);
  });
  if (!answer && action == "list" && answer.error().code == "NoSuchTagSet") {
    answer = xml::tagging_body({});  // a bucket without tags lists none
  }
  if (!answer) {
    s.out().error(command, t.display(), answer.error());
    return 1;
  }
  if (action != "list") {
    std::string done = action == "set" ? "Tags set on " : "Tags removed from ";
    s.out().info({{"status", "success"}, {"target", t.display()}}, done + t.display());
    return exit_code(s);
  }
  auto tags = xml::parse_tagging(*answer);
  if (!tags) {
    s.out().error(command, t.display(), local_error("unexpected answer: " + *answer));
    return 1;
  }
  nlohmann::json record = {{"target", t.display()}, {"tags", nlohmann::json::object()}};
  std::string human;
  size_t width = 0;
  for (const auto& [k, v] : *tags) width = std::max(width, k.size());
  for (const auto& [k, v] : *tags) {
    record["tags"][k] = v;
    if (!human.empty()) human += '\n';
    human += k + std::string(width - k.size(), ' ') + " : " + v;
  }
  if (tags->empty()) human = t.display() + ": no tags";
  s.out().data(record, human);
  return exit_code(s);
}

}  // namespace

void add_tag_commands(Registry& r) {
  auto& a = r.args;
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add(
      "tag", "Tags of an object or a bucket: set, list, remove",
      "  silo tag set local/photos/cat.jpg \"project=blue&owner=ana\"\n"
      "  silo tag list local/photos/cat.jpg\n"
      "  silo tag set local/photos \"team=media\"     # the bucket's own tags\n"
      "  silo tag remove local/photos/cat.jpg\n",
      [holder](Session& s, const CommandArgs& args) {
        if ((*holder)[0]->parsed()) return tag_run(s, args, "set");
        if ((*holder)[2]->parsed()) return tag_run(s, args, "remove");
        return tag_run(s, args, "list");
      });
  cmd->require_subcommand(1, 1);
  auto* set = cmd->add_subcommand(
      "set", "Replace the tags: ALIAS/BUCKET[/OBJECT] \"key1=value1&key2=value2\"");
  set->add_option("ARGS", a.args, "ALIAS/BUCKET[/OBJECT] TAGS")->expected(2);
  auto* list = cmd->add_subcommand("list", "Show the tags: ALIAS/BUCKET[/OBJECT]");
  list->add_option("TARGET", a.args, "ALIAS/BUCKET[/OBJECT]")->expected(1);
  auto* remove = cmd->add_subcommand("remove", "Remove every tag: ALIAS/BUCKET[/OBJECT]");
  remove->add_option("TARGET", a.args, "ALIAS/BUCKET[/OBJECT]")->expected(1);
  for (auto* c : {set, list, remove}) c->fallthrough();
  *holder = {set, list, remove};
}

}  // namespace silo::client
