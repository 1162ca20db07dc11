// silo ilm rule add|ls|rm: the rules of a bucket's lifecycle configuration,
// as mc ilm rule. Every change reads the bucket's LifecycleConfiguration,
// edits its rules and writes it back whole (S3 has no per-rule call); rules
// made by other tools are kept as they are.
#include "client/command_util.h"
#include "client/config_xml.h"
#include "common/strings.h"
#include "common/uuid.h"

namespace silo::client {
namespace {

using json = nlohmann::json;

struct IlmOptions {
  std::string id;
  std::string prefix;
  std::string tags;
  int expire_days = 0;
  int noncurrent_expire_days = 0;
  bool expire_delete_marker = false;
  int abort_incomplete_days = 0;
  bool disable = false;
  bool all = false;
};

// The bucket's lifecycle configuration, "" when it has none.
S3Result<std::string> current_lifecycle(Session& s, S3Client& c, const Target& t) {
  auto r = with_retry(s.retry(), [&] {
    return c.subresource("GET", t.bucket, "", "lifecycle", "", SubresourceOptions{});
  });
  if (!r && r.error().code == "NoSuchLifecycleConfiguration") return std::string();
  if (!r) return std::unexpected(r.error());
  return std::move(r->body);
}

S3Status write_lifecycle(Session& s, S3Client& c, const Target& t, const std::string& doc,
                         bool empty) {
  auto r = with_retry(s.retry(), [&] {
    return empty ? c.subresource("DELETE", t.bucket, "", "lifecycle", "", SubresourceOptions{})
                 : c.subresource("PUT", t.bucket, "", "lifecycle", doc, SubresourceOptions{});
  });
  if (!r) return std::unexpected(r.error());
  return {};
}

json rule_json(const xml::LifecycleRule& r) {
  json tags = json::object();
  for (const auto& [k, v] : r.tags) tags[k] = v;
  json j = {{"id", r.id},
            {"status", r.enabled ? "Enabled" : "Disabled"},
            {"prefix", r.prefix},
            {"tags", tags}};
  if (r.expire_days) j["expireDays"] = r.expire_days;
  if (!r.expire_date.empty()) j["expireDate"] = r.expire_date;
  if (r.expire_delete_marker) j["expireDeleteMarker"] = true;
  if (r.noncurrent_expire_days) j["noncurrentExpireDays"] = r.noncurrent_expire_days;
  if (r.newer_noncurrent_versions) j["newerNoncurrentVersions"] = r.newer_noncurrent_versions;
  if (r.abort_incomplete_days) j["abortIncompleteDays"] = r.abort_incomplete_days;
  if (r.has_transition) j["transition"] = true;
  return j;
}

// A 20-character rule ID, as mc makes them.
std::string new_rule_id() {
  std::string id;
  for (char c : new_uuid()) {
    if (c != '-') id.push_back(c);
  }
  return id.substr(0, 20);
}

std::optional<Target> bucket_target(Session& s, const std::string& command, const CommandArgs& a) {
  if (a.args.size() != 1) {
    usage_error(s, command, "expected ALIAS/BUCKET");
    return std::nullopt;
  }
  Target t = s.target(a.args[0]);
  if (!t.remote || t.bucket.empty() || !t.key.empty()) {
    usage_error(s, command, "expected ALIAS/BUCKET (a prefix goes in --prefix), not " + t.text);
    return std::nullopt;
  }
  return t;
}

// The rule `o` describes; a usage problem as `problem`.
std::optional<xml::LifecycleRule> rule_of(const IlmOptions& o, std::string& problem) {
  xml::LifecycleRule r;
  r.id = o.id.empty() ? new_rule_id() : o.id;
  r.enabled = !o.disable;
  r.prefix = o.prefix;
  r.expire_days = o.expire_days;
  r.expire_delete_marker = o.expire_delete_marker;
  r.noncurrent_expire_days = o.noncurrent_expire_days;
  r.abort_incomplete_days = o.abort_incomplete_days;
  if (!o.tags.empty()) {
    auto pairs = parse_query(o.tags, /*plus_as_space=*/true);
    if (!pairs) {
      problem = "--tags must look like \"key1=value1&key2=value2\"";
      return std::nullopt;
    }
    for (auto& [k, v] : *pairs) {
      if (k.empty()) {
        problem = "--tags must look like \"key1=value1&key2=value2\"";
        return std::nullopt;
      }
      r.tags.emplace_back(std::move(k), std::move(v));
    }
  }
  if (!r.expire_days && !r.expire_delete_marker && !r.noncurrent_expire_days &&
      !r.abort_incomplete_days) {
    problem =
        "a rule needs an action: --expire-days, --noncurrent-expire-days, "
        "--expire-delete-marker or --abort-incomplete-days";
    return std::nullopt;
  }
  if (r.expire_days && r.expire_delete_marker) {
    problem =
        "--expire-delete-marker cannot go with --expire-days in one rule "
        "(S3 allows one "
        "of them per Expiration); add two rules";
    return std::nullopt;
  }
  if (r.abort_incomplete_days && !r.tags.empty()) {
    problem = "--abort-incomplete-days cannot go with --tags (uploads have no tags)";
    return std::nullopt;
  }
  if (r.id.size() > 255) {
    problem = "--id is at most 255 characters";
    return std::nullopt;
  }
  return r;
}

int rule_add(Session& s, const CommandArgs& a, const IlmOptions& o) {
  const std::string command = "ilm rule add";
  auto t = bucket_target(s, command, a);
  if (!t) return 2;
  std::string problem;
  auto rule = rule_of(o, problem);
  if (!rule) return usage_error(s, command, problem);
  auto c = s.client(t->alias);
  if (!c) {
    s.out().error(command, t->display(), c.error());
    return 1;
  }
  auto current = current_lifecycle(s, **c, *t);
  if (!current) {
    s.out().error(command, t->display(), current.error());
    return 1;
  }
  if (!current->empty()) {
    auto rules = xml::parse_lifecycle(*current);
    if (!rules) {
      s.out().error(command, t->display(),
                    local_error("unexpected lifecycle configuration: " + *current));
      return 1;
    }
    for (const auto& r : *rules) {
      if (r.id == rule->id) {
        return usage_error(s, command,
                           "the bucket already has a rule with ID " + rule->id +
                               " (silo ilm rule rm --id " + rule->id + " first)");
      }
    }
  }
  auto doc = xml::lifecycle_with_rule(*current, *rule);
  if (!doc) {
    s.out().error(command, t->display(),
                  local_error("unexpected lifecycle configuration: " + *current));
    return 1;
  }
  if (auto w = write_lifecycle(s, **c, *t, *doc, false); !w) {
    s.out().error(command, t->display(), w.error());
    return 1;
  }
  s.out().info({{"status", "success"},
                {"target", t->display()},
                {"id", rule->id},
                {"rule", rule_json(*rule)}},
               "Lifecycle rule `" + rule->id + "` added to `" + t->display() + "`");
  return exit_code(s);
}

std::string days(int64_t n) { return n ? std::to_string(n) + "d" : "-"; }

std::string table(const std::vector<xml::LifecycleRule>& rules) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATUS", "PREFIX", "TAGS", "EXPIRE", "NONCURRENT", "ABORT-UPLOADS"}};
  for (const auto& r : rules) {
    std::string tags;
    for (const auto& [k, v] : r.tags) tags += (tags.empty() ? "" : "&") + k + "=" + v;
    std::string expire = r.expire_days ? days(r.expire_days) : r.expire_date;
    if (r.expire_delete_marker) expire += expire.empty() ? "delete-markers" : "+delete-markers";
    if (r.has_transition) expire += expire.empty() ? "transition" : "+transition";
    std::string noncurrent = days(r.noncurrent_expire_days);
    if (r.newer_noncurrent_versions) {
      noncurrent += " (keep " + std::to_string(r.newer_noncurrent_versions) + ")";
    }
    rows.push_back({r.id.empty() ? "-" : r.id, r.enabled ? "Enabled" : "Disabled",
                    r.prefix.empty() ? "-" : r.prefix, tags.empty() ? "-" : tags,
                    expire.empty() ? "-" : expire, noncurrent, days(r.abort_incomplete_days)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    if (!out.empty()) out += '\n';
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line;
  }
  return out;
}

int rule_ls(Session& s, const CommandArgs& a) {
  const std::string command = "ilm rule ls";
  auto t = bucket_target(s, command, a);
  if (!t) return 2;
  auto c = s.client(t->alias);
  if (!c) {
    s.out().error(command, t->display(), c.error());
    return 1;
  }
  auto current = current_lifecycle(s, **c, *t);
  if (!current) {
    s.out().error(command, t->display(), current.error());
    return 1;
  }
  std::vector<xml::LifecycleRule> rules;
  if (!current->empty()) {
    auto parsed = xml::parse_lifecycle(*current);
    if (!parsed) {
      s.out().error(command, t->display(),
                    local_error("unexpected lifecycle configuration: " + *current));
      return 1;
    }
    rules = std::move(*parsed);
  }
  json list = json::array();
  for (const auto& r : rules) list.push_back(rule_json(r));
  s.out().data({{"target", t->display()}, {"rules", list}},
               rules.empty() ? t->display() + ": no lifecycle rules" : table(rules));
  return exit_code(s);
}

int rule_rm(Session& s, const CommandArgs& a, const IlmOptions& o) {
  const std::string command = "ilm rule rm";
  auto t = bucket_target(s, command, a);
  if (!t) return 2;
  if (o.all == !o.id.empty()) {
    return usage_error(s, command, "give either --id ID (one rule) or --all (every rule)");
  }
  auto c = s.client(t->alias);
  if (!c) {
    s.out().error(command, t->display(), c.error());
    return 1;
  }
  if (o.all) {
    if (auto w = write_lifecycle(s, **c, *t, "", true); !w) {
      s.out().error(command, t->display(), w.error());
      return 1;
    }
    s.out().info({{"status", "success"}, {"target", t->display()}, {"all", true}},
                 "Every lifecycle rule removed from `" + t->display() + "`");
    return exit_code(s);
  }
  auto current = current_lifecycle(s, **c, *t);
  if (!current) {
    s.out().error(command, t->display(), current.error());
    return 1;
  }
  bool removed = false;
  std::optional<std::string> doc;
  if (!current->empty()) doc = xml::lifecycle_without_rule(*current, o.id, removed);
  if (!removed) {
    s.out().error(command, t->display(),
                  S3Error{0,
                          "NoSuchLifecycleRule",
                          "no lifecycle rule has ID " + o.id + " (silo ilm rule ls " +
                              t->display() + " lists them)",
                          {}});
    return 1;
  }
  auto left = xml::parse_lifecycle(*doc);
  if (auto w = write_lifecycle(s, **c, *t, *doc, !left || left->empty()); !w) {
    s.out().error(command, t->display(), w.error());
    return 1;
  }
  s.out().info({{"status", "success"}, {"target", t->display()}, {"id", o.id}, {"removed", true}},
               "Lifecycle rule `" + o.id + "` removed from `" + t->display() + "`");
  return exit_code(s);
}

}  // namespace

void add_ilm_commands(Registry& r) {
  auto& a = r.args;
  auto o = std::make_shared<IlmOptions>();
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add("ilm", "Lifecycle rules of a bucket: rule add, rule ls, rule rm",
                    "  silo ilm rule add local/logs --expire-days 30 --prefix app/   # app/* "
                    "go after 30 days\n"
                    "  silo ilm rule add local/docs --noncurrent-expire-days 7       # old "
                    "versions: 7 days\n"
                    "  silo ilm rule add local/docs --expire-delete-marker           # lone "
                    "delete markers\n"
                    "  silo ilm rule add local/up --abort-incomplete-days 2 --id uploads\n"
                    "  silo ilm rule add local/tmp --expire-days 1 --tags "
                    "\"temp=yes&team=ci\"\n"
                    "  silo ilm rule ls local/logs\n"
                    "  silo ilm rule rm --id uploads local/up\n"
                    "  silo ilm rule rm --all local/logs\n",
                    [holder, o](Session& s, const CommandArgs& args) {
                      if ((*holder)[0]->parsed()) return rule_add(s, args, *o);
                      if ((*holder)[2]->parsed()) return rule_rm(s, args, *o);
                      return rule_ls(s, args);
                    });
  cmd->require_subcommand(1, 1);
  auto* rule =
      cmd->add_subcommand("rule",
                          "Lifecycle rules: add ALIAS/BUCKET --expire-days N ..., ls ALIAS/BUCKET, "
                          "rm --id ID|--all ALIAS/BUCKET");
  rule->require_subcommand(1, 1);
  rule->fallthrough();
  auto* add = rule->add_subcommand("add", "Add a rule: ALIAS/BUCKET --expire-days N ...");
  add->add_option("--id", o->id, "The rule's ID (default: a new random one)");
  add->add_option("--prefix", o->prefix, "Only objects whose keys start with this");
  add->add_option("--tags", o->tags, "Only objects with all these tags: \"k1=v1&k2=v2\"");
  add->add_option("--expire-days", o->expire_days, "Remove objects N days after they were written")
      ->check(CLI::Range(1, 36500));
  add->add_option("--noncurrent-expire-days", o->noncurrent_expire_days,
                  "Remove versions N days after they stopped being current")
      ->check(CLI::Range(1, 36500));
  add->add_flag("--expire-delete-marker", o->expire_delete_marker,
                "Remove delete markers that no longer hide any version");
  add->add_option("--abort-incomplete-days", o->abort_incomplete_days,
                  "Abort multipart uploads not finished N days after they began")
      ->check(CLI::Range(1, 36500));
  add->add_flag("--disable", o->disable, "Add the rule disabled (Status Disabled)");
  auto* ls = rule->add_subcommand("ls", "List the rules: ALIAS/BUCKET");
  auto* rm =
      rule->add_subcommand("rm", "Remove a rule: --id ID ALIAS/BUCKET, or --all ALIAS/BUCKET");
  rm->add_option("--id", o->id, "The ID of the rule to remove (silo ilm rule ls shows them)");
  rm->add_flag("--all", o->all, "Remove every rule (the whole lifecycle configuration)");
  for (auto* c : {add, ls, rm}) {
    c->add_option("TARGET", a.args, "ALIAS/BUCKET")->expected(1);
    c->fallthrough();
  }
  *holder = {add, ls, rm};
}

}  // namespace silo::client
