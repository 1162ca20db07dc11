// silo quota set|info|clear: bucket quotas through Silo's admin API (root
// credentials, like `silo admin`).
#include <nlohmann/json.hpp>

#include "common/units.h"
#include "client/command_util.h"
#include "common/strings.h"

namespace silo::client {
namespace {

// The quota answer: "photos: 1.2 GiB used of a 10 GiB quota (1200 objects)".
void print_quota(Session& s, const Target& t, const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) {
    s.out().error("quota", t.display(), local_error("unexpected answer: " + body));
    return;
  }
  const auto& usage = j.contains("usage") ? j["usage"] : nlohmann::json::object();
  uint64_t bytes = usage.value("bytes", uint64_t{0}), objects = usage.value("objects", uint64_t{0});
  std::string human = t.display() + ": " + format_size(bytes) + " used (" +
                      std::to_string(objects) + (objects == 1 ? " object), " : " objects), ");
  nlohmann::json record = {{"target", t.display()}, {"bucket", t.bucket},
                           {"usage", {{"bytes", bytes}, {"objects", objects}}}};
  if (j.contains("quota") && j["quota"].is_number()) {
    uint64_t quota = j["quota"].get<uint64_t>();
    record["quota"] = quota;
    human += "quota " + format_size(quota) + " (" +
             format_size(quota > bytes ? quota - bytes : 0) + " left)";
  } else {
    record["quota"] = nullptr;
    human += "no quota";
  }
  s.out().data(record, human);
}

int quota_run(Session& s, const CommandArgs& a, const std::string& action,
              const std::string& size_text) {
  std::string command = "quota " + action;
  if (a.args.size() != 1) return usage_error(s, command, "expected ALIAS/BUCKET");
  Target t = s.target(a.args[0]);
  if (!t.remote || t.bucket.empty() || !t.key.empty()) {
    return usage_error(s, command, "expected ALIAS/BUCKET, not " + t.text);
  }
  std::string method = "GET", query = "bucket=" + uri_encode(t.bucket, false);
  if (action == "set") {
    auto size = parse_size(size_text);
    if (!size || *size == 0) return usage_error(s, command, "--size must be a size like 10GiB");
    method = "PUT";
    query += "&size=" + std::to_string(*size);
  } else if (action == "clear") {
    method = "DELETE";
  }
  auto c = s.client(t.alias);
  if (!c) {
    s.out().error(command, t.display(), c.error());
    return 1;
  }
  auto body = with_retry(s.retry(), [&] { return (*c)->admin(method, "quota", query); });
  if (!body) {
    s.out().error(command, t.display(), body.error());
    return 1;
  }
  print_quota(s, t, *body);
  return exit_code(s);
}

}  // namespace

void add_quota_commands(Registry& r) {
  auto& a = r.args;
  auto size = std::make_shared<std::string>();
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add(
      "quota", "Bucket quotas on a Silo server (root credentials): set, info, clear",
      "  silo quota set local/photos --size 10GiB   # writes past 10 GiB: 400 QuotaExceeded\n"
      "  silo quota info local/photos               # usage (objects, bytes) and the quota\n"
      "  silo quota clear local/photos\n",
      [holder, size](Session& s, const CommandArgs& args) {
        if ((*holder)[0]->parsed()) return quota_run(s, args, "set", *size);
        if ((*holder)[2]->parsed()) return quota_run(s, args, "clear", *size);
        return quota_run(s, args, "info", *size);
      });
  cmd->require_subcommand(1, 1);
  auto* set = cmd->add_subcommand("set", "Set the bucket's quota: ALIAS/BUCKET --size SIZE");
  set->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
  set->add_option("--size", *size, "The most the bucket's objects may hold (10GiB, 500MB)")
      ->required();
  auto* info = cmd->add_subcommand("info", "Show the bucket's usage and quota: ALIAS/BUCKET");
  info->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
  auto* clear = cmd->add_subcommand("clear", "Remove the bucket's quota: ALIAS/BUCKET");
  clear->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
  for (auto* c : {set, info, clear}) c->fallthrough();
  *holder = {set, info, clear};
}

}  // namespace silo::client
