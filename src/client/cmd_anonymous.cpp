// silo anonymous set|get|set-json|get-json: what callers without
// credentials may do in a bucket, through its bucket policy, as mc anonymous.
//
// `set download|upload|public|none ALIAS/BUCKET[/PREFIX]` adds (or takes
// out) the canned statements of that access for that prefix and keeps every
// other statement of the bucket's policy; `get` says which canned access a
// prefix has.
#include <fstream>
#include <sstream>

#include "client/command_util.h"

namespace silo::client {
namespace {

using json = nlohmann::json;

// The statements that give everyone `kind` ("download" or "upload") on the
// objects under `prefix` of `bucket`.
json canned_statements(std::string_view kind, const std::string& bucket,
                       const std::string& prefix) {
  // Every statement names the prefix, so that the statements of two
  // prefixes never coincide (taking one prefix's out leaves the other's).
  std::string bucket_arn = "arn:aws:s3:::" + bucket;
  auto statement = [&](json actions, const std::string& resource, bool listing) {
    json s = {{"Effect", "Allow"},
              {"Principal", {{"AWS", json::array({"*"})}}},
              {"Action", std::move(actions)},
              {"Resource", json::array({resource})}};
    if (listing && !prefix.empty()) {
      s["Condition"] = {{"StringLike", {{"s3:prefix", json::array({prefix + "*"})}}}};
    }
    return s;
  };
  if (kind == "download") {
    return json::array({statement({"s3:ListBucket"}, bucket_arn, true),
                        statement({"s3:GetObject"}, bucket_arn + "/" + prefix + "*", false)});
  }
  return json::array(
      {statement({"s3:ListBucketMultipartUploads"}, bucket_arn, true),
       statement({"s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject",
                  "s3:ListMultipartUploadParts"},
                 bucket_arn + "/" + prefix + "*", false)});
}

bool contains(const json& statements, const json& s) {
  for (const auto& e : statements) {
    if (e == s) return true;
  }
  return false;
}

bool has_all(const json& statements, const json& wanted) {
  for (const auto& s : wanted) {
    if (!contains(statements, s)) return false;
  }
  return true;
}

// The bucket's policy document, or an empty one when it has none.
S3Result<json> current_policy(S3Client& c, const Target& t) {
  auto body = c.subresource("GET", t.bucket, "", "policy");
  if (!body) {
    if (body.error().code == "NoSuchBucketPolicy") {
      return json{{"Version", "2012-10-17"}, {"Statement", json::array()}};
    }
    return std::unexpected(body.error());
  }
  auto doc = json::parse(*body, nullptr, false);
  if (!doc.is_object()) return std::unexpected(local_error("the bucket policy is not JSON"));
  if (!doc.contains("Statement")) doc["Statement"] = json::array();
  if (doc["Statement"].is_object()) doc["Statement"] = json::array({doc["Statement"]});
  return doc;
}

// The canned access `prefix` has under `policy`.
std::string access_of(const json& policy, const Target& t) {
  const json& st = policy["Statement"];
  bool down = has_all(st, canned_statements("download", t.bucket, t.key));
  bool up = has_all(st, canned_statements("upload", t.bucket, t.key));
  return down && up ? "public" : down ? "download" : up ? "upload" : "none";
}

S3Status put_policy(S3Client& c, const Target& t, const json& policy) {
  if (policy["Statement"].empty()) {
    auto r = c.subresource("DELETE", t.bucket, "", "policy");
    if (!r) return std::unexpected(r.error());
    return {};
  }
  auto r = c.subresource("PUT", t.bucket, "", "policy", policy.dump());
  if (!r) return std::unexpected(r.error());
  return {};
}

int anonymous_run(Session& s, const CommandArgs& a, const std::string& action) {
  std::string command = "anonymous " + action;
  size_t want = action == "set" || action == "set-json" ? 2 : 1;
  if (a.args.size() != want) {
    return usage_error(s, command,
                       action == "set"        ? "expected none|download|upload|public ALIAS/BUCKET[/PREFIX]"
                       : action == "set-json" ? "expected FILE ALIAS/BUCKET"
                                              : "expected ALIAS/BUCKET[/PREFIX]");
  }
  Target t = s.target(a.args[want - 1]);
  if (!t.remote || t.bucket.empty()) {
    return usage_error(s, command, "expected ALIAS/BUCKET[/PREFIX], not " + t.text);
  }
  std::string kind = action == "set" ? a.args[0] : "";
  if (action == "set" && kind != "none" && kind != "download" && kind != "upload" &&
      kind != "public") {
    return usage_error(s, command, "the access must be none, download, upload or public");
  }
  auto c = s.client(t.alias);
  if (!c) {
    s.out().error(command, t.display(), c.error());
    return 1;
  }
  if (action == "set-json") {
    std::ifstream in(a.args[0]);
    if (!in) return usage_error(s, command, "cannot read " + a.args[0]);
    std::stringstream text;
    text << in.rdbuf();
    auto r = with_retry(s.retry(), [&] {
      return (*c)->subresource("PUT", t.bucket, "", "policy", text.str());
    });
    if (!r) {
      s.out().error(command, t.display(), r.error());
      return 1;
    }
    s.out().info({{"status", "success"}, {"target", t.display()}},
                 "Access policy of " + t.display() + " set from " + a.args[0]);
    return exit_code(s);
  }
  auto policy = with_retry(s.retry(), [&] { return current_policy(**c, t); });
  if (!policy) {
    s.out().error(command, t.display(), policy.error());
    return 1;
  }
  if (action == "get-json") {
    s.out().data(*policy, policy->dump(2));
    return exit_code(s);
  }
  if (action == "get") {
    std::string access = access_of(*policy, t);
    s.out().data({{"target", t.display()}, {"permission", access}},
                 "Access permission for `" + t.display() + "` is `" + access + "`");
    return exit_code(s);
  }
  // set: this prefix's canned statements go, the new ones come in.
  json kept = json::array();
  json canned = canned_statements("download", t.bucket, t.key);
  for (const auto& st : canned_statements("upload", t.bucket, t.key)) canned.push_back(st);
  for (const auto& st : (*policy)["Statement"]) {
    if (!contains(canned, st)) kept.push_back(st);
  }
  for (std::string_view k : {"download", "upload"}) {
    if (kind == k || kind == "public") {
      for (const auto& st : canned_statements(k, t.bucket, t.key)) {
        if (!contains(kept, st)) kept.push_back(st);
      }
    }
  }
  (*policy)["Statement"] = kept;
  if (!policy->contains("Version")) (*policy)["Version"] = "2012-10-17";
  auto r = with_retry(s.retry(), [&] { return put_policy(**c, t, *policy); });
  if (!r) {
    s.out().error(command, t.display(), r.error());
    return 1;
  }
  s.out().info({{"status", "success"}, {"target", t.display()}, {"permission", kind}},
               "Access permission for `" + t.display() + "` is set to `" + kind + "`");
  return exit_code(s);
}

}  // namespace

void add_anonymous_commands(Registry& r) {
  auto& a = r.args;
  auto holder = std::make_shared<std::array<CLI::App*, 4>>();
  auto* cmd = r.add(
      "anonymous", "What callers without credentials may do: set, get, set-json, get-json",
      "  silo anonymous set download local/photos/public   # anyone may read public/*\n"
      "  silo anonymous get local/photos/public\n"
      "  silo anonymous set none local/photos/public\n"
      "  silo anonymous set-json policy.json local/photos    # a bucket policy of your own\n"
      "  silo anonymous get-json local/photos\n",
      [holder](Session& s, const CommandArgs& args) {
        if ((*holder)[0]->parsed()) return anonymous_run(s, args, "set");
        if ((*holder)[2]->parsed()) return anonymous_run(s, args, "set-json");
        if ((*holder)[3]->parsed()) return anonymous_run(s, args, "get-json");
        return anonymous_run(s, args, "get");
      });
  cmd->require_subcommand(1, 1);
  auto* set = cmd->add_subcommand(
      "set", "Give everyone none|download|upload|public access: ACCESS ALIAS/BUCKET[/PREFIX]");
  set->add_option("ARGS", a.args, "ACCESS ALIAS/BUCKET[/PREFIX]")->expected(2);
  auto* get = cmd->add_subcommand("get", "Show everyone's access: ALIAS/BUCKET[/PREFIX]");
  get->add_option("TARGET", a.args, "ALIAS/BUCKET[/PREFIX]")->expected(1);
  auto* set_json =
      cmd->add_subcommand("set-json", "Set the bucket policy from a file: FILE ALIAS/BUCKET");
  set_json->add_option("ARGS", a.args, "FILE ALIAS/BUCKET")->expected(2);
  auto* get_json = cmd->add_subcommand("get-json", "Print the bucket policy: ALIAS/BUCKET");
  get_json->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
  for (auto* c : {set, get, set_json, get_json}) c->fallthrough();
  *holder = {set, get, set_json, get_json};
}

}  // namespace silo::client
