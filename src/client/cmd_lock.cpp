// silo retention set|clear|info and silo legalhold set|clear|info: object
// lock, as mc retention and mc legalhold.
//
// Retention on a bucket (or with --default) is the bucket's default
// retention (PutObjectLockConfiguration), which new versions get; on a key
// it is that version's own (PutObjectRetention). Both need a bucket made
// with object lock (silo mb --with-lock).
#include "client/cli_units.h"
#include "client/command_util.h"
#include "client/config_xml.h"

namespace silo::client {
namespace {

using json = nlohmann::json;

struct LockOptions {
  bool default_retention = false;
  std::string version_id;
  bool bypass = false;
};

// `e` with a hint on what to do about it.
S3Error with_hint(S3Error e, bool bypass) {
  if (e.code == "InvalidRequest" && e.message.find("Object Lock") != std::string::npos) {
    e.message += " (make the bucket with: silo mb --with-lock ALIAS/BUCKET)";
  } else if (e.code == "InvalidBucketState" && e.message.find("ersioning") != std::string::npos) {
    e.message += " (silo version enable ALIAS/BUCKET first)";
  } else {
    e.message += lock_hint(e, bypass);
  }
  return e;
}

// The target of a lock command, or a usage error (returned as nullopt).
std::optional<Target> lock_target(Session& s, const std::string& command, const std::string& arg,
                                  bool key_required) {
  Target t = s.target(arg);
  bool ok = t.remote && !t.bucket.empty() && !(key_required && t.key.empty()) &&
            (t.key.empty() || t.key.back() != '/');
  if (!ok) {
    usage_error(
        s, command,
        (key_required ? "expected ALIAS/BUCKET/KEY, not " : "expected ALIAS/BUCKET[/KEY], not ") +
            t.text);
    return std::nullopt;
  }
  return t;
}

json versioned(json record, const std::string& version_id) {
  if (!version_id.empty()) record["versionId"] = version_id;
  return record;
}

std::string version_words(const std::string& version_id) {
  return version_id.empty() ? "" : " (version " + version_id + ")";
}

// --- retention -----------------------------------------------------------

int bucket_retention_set(Session& s, S3Client& c, const Target& t, const std::string& command,
                         const std::string& mode, const Validity* validity) {
  xml::LockConfig config;
  config.enabled = true;
  if (validity) {
    config.mode = mode;
    (validity->years ? config.years : config.days) = validity->count;
  }
  auto r = with_retry(s.retry(), [&] {
    return c.subresource("PUT", t.bucket, "", "object-lock", xml::lock_config_body(config),
                         SubresourceOptions{});
  });
  if (!r) {
    s.out().error(command, t.display(), with_hint(r.error(), false));
    return 1;
  }
  if (!validity) {
    s.out().info({{"status", "success"}, {"target", t.display()}, {"default", true}, {"mode", ""}},
                 "Default retention of `" + t.display() + "` cleared");
  } else {
    s.out().info(
        {{"status", "success"},
         {"target", t.display()},
         {"default", true},
         {"mode", mode},
         {"validity", validity->text()}},
        "Default retention of `" + t.display() + "` set to " + mode + " for " + validity->text());
  }
  return exit_code(s);
}

int object_retention_put(Session& s, S3Client& c, const Target& t, const std::string& command,
                         const LockOptions& o, const xml::Retention& retention) {
  SubresourceOptions so{o.version_id, {}};
  if (o.bypass) so.headers.emplace_back("x-amz-bypass-governance-retention", "true");
  auto r = with_retry(s.retry(), [&] {
    return c.subresource("PUT", t.bucket, t.key, "retention", xml::retention_body(retention), so);
  });
  if (!r) {
    s.out().error(command, t.display(), with_hint(r.error(), o.bypass));
    return 1;
  }
  std::string version = o.version_id.empty() ? r->version_id : o.version_id;
  if (retention.mode.empty()) {
    s.out().info(versioned({{"status", "success"}, {"target", t.display()}, {"mode", ""}}, version),
                 "Retention of `" + t.display() + "`" + version_words(version) + " cleared");
  } else {
    s.out().info(versioned({{"status", "success"},
                            {"target", t.display()},
                            {"mode", retention.mode},
                            {"retainUntil", retention.retain_until}},
                           version),
                 "Retention of `" + t.display() + "`" + version_words(version) + " set to " +
                     retention.mode + " until " + retention.retain_until);
  }
  return exit_code(s);
}

int bucket_retention_info(Session& s, S3Client& c, const Target& t, const std::string& command) {
  auto r = with_retry(s.retry(), [&] {
    return c.subresource("GET", t.bucket, "", "object-lock", "", SubresourceOptions{});
  });
  if (!r && r.error().code == "ObjectLockConfigurationNotFoundError") {
    s.out().data({{"target", t.display()}, {"enabled", false}},
                 t.display() +
                     ": object lock is not enabled (silo mb "
                     "--with-lock makes such buckets)");
    return exit_code(s);
  }
  if (!r) {
    s.out().error(command, t.display(), r.error());
    return 1;
  }
  auto config = xml::parse_lock_config(r->body);
  if (!config) {
    s.out().error(command, t.display(), local_error("unexpected answer: " + r->body));
    return 1;
  }
  json record = {{"target", t.display()}, {"enabled", config->enabled}, {"mode", config->mode}};
  std::string human = t.display() + ": object lock " + (config->enabled ? "enabled" : "disabled");
  if (config->mode.empty()) {
    human += ", no default retention";
  } else {
    Validity v{config->years > 0 ? config->years : config->days, config->years > 0};
    record["validity"] = v.text();
    human += ", default retention " + config->mode + " for " + v.text();
  }
  s.out().data(record, human);
  return exit_code(s);
}

int object_retention_info(Session& s, S3Client& c, const Target& t, const std::string& command,
                          const LockOptions& o) {
  auto r = with_retry(s.retry(), [&] {
    return c.subresource("GET", t.bucket, t.key, "retention", "",
                         SubresourceOptions{o.version_id, {}});
  });
  if (!r && r.error().code == "NoSuchObjectLockConfiguration") {
    s.out().data(
        versioned({{"target", t.display()}, {"mode", ""}, {"retainUntil", ""}}, o.version_id),
        t.display() + version_words(o.version_id) + ": no retention");
    return exit_code(s);
  }
  if (!r) {
    s.out().error(command, t.display(), with_hint(r.error(), o.bypass));
    return 1;
  }
  auto retention = xml::parse_retention(r->body);
  if (!retention) {
    s.out().error(command, t.display(), local_error("unexpected answer: " + r->body));
    return 1;
  }
  auto until = parse_iso8601(retention->retain_until);
  bool active = until && *until > now_ns();
  std::string human = t.display() + version_words(o.version_id) + ": " + retention->mode +
                      " until " + retention->retain_until;
  if (until && active) {
    constexpr int64_t kDayNs = 86'400'000'000'000;
    int64_t left = (*until - now_ns() + kDayNs - 1) / kDayNs;
    human += " (" + std::to_string(left) + (left == 1 ? " day left)" : " days left)");
  } else {
    human += " (expired)";
  }
  s.out().data(versioned({{"target", t.display()},
                          {"mode", retention->mode},
                          {"retainUntil", retention->retain_until},
                          {"active", active}},
                         o.version_id),
               human);
  return exit_code(s);
}

int retention_run(Session& s, const CommandArgs& a, const LockOptions& o,
                  const std::string& action) {
  std::string command = "retention " + action;
  size_t want = action == "set" ? 3 : 1;
  if (a.args.size() != want) {
    return usage_error(s, command,
                       action == "set"
                           ? "expected GOVERNANCE|COMPLIANCE VALIDITY ALIAS/BUCKET[/KEY]"
                           : "expected ALIAS/BUCKET[/KEY]");
  }
  auto t = lock_target(s, command, a.args.back(), false);
  if (!t) return 2;
  bool bucket_level = o.default_retention || t->key.empty();
  if (o.default_retention && !t->key.empty()) {
    return usage_error(s, command,
                       "--default sets a bucket's default retention: expected ALIAS/BUCKET");
  }
  if (bucket_level && !o.version_id.empty()) {
    return usage_error(s, command, "--version-id needs ALIAS/BUCKET/KEY");
  }
  std::string mode;
  std::optional<Validity> validity;
  if (action == "set") {
    mode = a.args[0];
    for (auto& ch : mode) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (mode != "GOVERNANCE" && mode != "COMPLIANCE") {
      return usage_error(s, command, "the mode must be GOVERNANCE or COMPLIANCE, not " + a.args[0]);
    }
    validity = parse_validity(a.args[1]);
    if (!validity) {
      return usage_error(s, command,
                         "the validity must be a number of days or years like "
                         "30d or 1y, not " +
                             a.args[1]);
    }
  }
  auto c = s.client(t->alias);
  if (!c) {
    s.out().error(command, t->display(), c.error());
    return 1;
  }
  if (action == "info") {
    return bucket_level ? bucket_retention_info(s, **c, *t, command)
                        : object_retention_info(s, **c, *t, command, o);
  }
  if (bucket_level) {
    return bucket_retention_set(s, **c, *t, command, mode, validity ? &*validity : nullptr);
  }
  xml::Retention retention;
  if (validity) {
    retention.mode = mode;
    retention.retain_until = format_iso8601(add_validity(now_ns(), *validity));
  }
  return object_retention_put(s, **c, *t, command, o, retention);
}

// --- legal hold ----------------------------------------------------------

int legalhold_run(Session& s, const CommandArgs& a, const LockOptions& o,
                  const std::string& action) {
  std::string command = "legalhold " + action;
  if (a.args.size() != 1) return usage_error(s, command, "expected ALIAS/BUCKET/KEY");
  auto t = lock_target(s, command, a.args[0], true);
  if (!t) return 2;
  auto c = s.client(t->alias);
  if (!c) {
    s.out().error(command, t->display(), c.error());
    return 1;
  }
  SubresourceOptions so{o.version_id, {}};
  if (action == "info") {
    auto r = with_retry(s.retry(), [&] {
      return (*c)->subresource("GET", t->bucket, t->key, "legal-hold", "", so);
    });
    std::string status = "OFF";
    if (!r && r.error().code != "NoSuchObjectLockConfiguration") {
      s.out().error(command, t->display(), with_hint(r.error(), false));
      return 1;
    }
    if (r) {
      auto parsed = xml::parse_legal_hold(r->body);
      if (!parsed) {
        s.out().error(command, t->display(), local_error("unexpected answer: " + r->body));
        return 1;
      }
      status = *parsed;
    }
    s.out().data(versioned({{"target", t->display()}, {"legalhold", status}}, o.version_id),
                 t->display() + version_words(o.version_id) + ": legal hold " + status);
    return exit_code(s);
  }
  bool on = action == "set";
  auto r = with_retry(s.retry(), [&] {
    return (*c)->subresource("PUT", t->bucket, t->key, "legal-hold", xml::legal_hold_body(on), so);
  });
  if (!r) {
    s.out().error(command, t->display(), with_hint(r.error(), false));
    return 1;
  }
  std::string version = o.version_id.empty() ? r->version_id : o.version_id;
  s.out().info(
      versioned({{"status", "success"}, {"target", t->display()}, {"legalhold", on ? "ON" : "OFF"}},
                version),
      std::string(on ? "Legal hold set on `" : "Legal hold cleared from `") + t->display() + "`" +
          version_words(version));
  return exit_code(s);
}

}  // namespace

void add_lock_commands(Registry& r) {
  auto& a = r.args;
  auto opts = std::make_shared<LockOptions>();
  auto holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* cmd = r.add("retention",
                    "Object lock retention of a version, or a bucket's "
                    "default: set, clear, info",
                    "  silo mb --with-lock local/records                      "
                    "# object lock needs this\n"
                    "  silo retention set --default GOVERNANCE 30d "
                    "local/records   # new versions: 30 days\n"
                    "  silo retention set COMPLIANCE 1y local/records/2024.pdf "
                    "    # this version: 1 year\n"
                    "  silo retention set GOVERNANCE 7d local/records/a.txt "
                    "--version-id 3f2c...\n"
                    "  silo retention info local/records/2024.pdf\n"
                    "  silo retention info local/records                      "
                    "# the bucket's default\n"
                    "  silo retention clear --bypass local/records/a.txt      "
                    "# GOVERNANCE only\n"
                    "  silo retention clear --default local/records\n",
                    [holder, opts](Session& s, const CommandArgs& args) {
                      if ((*holder)[0]->parsed()) return retention_run(s, args, *opts, "set");
                      if ((*holder)[1]->parsed()) return retention_run(s, args, *opts, "clear");
                      return retention_run(s, args, *opts, "info");
                    });
  cmd->require_subcommand(1, 1);
  auto* set =
      cmd->add_subcommand("set",
                          "Set retention: GOVERNANCE|COMPLIANCE VALIDITY ALIAS/BUCKET[/KEY] "
                          "(VALIDITY: 30d, 1y)");
  set->add_option("ARGS", a.args, "MODE VALIDITY ALIAS/BUCKET[/KEY]")->expected(3);
  auto* clear =
      cmd->add_subcommand("clear",
                          "Remove retention: ALIAS/BUCKET/KEY (GOVERNANCE with --bypass), "
                          "or a bucket's default");
  clear->add_option("TARGET", a.args, "ALIAS/BUCKET[/KEY]")->expected(1);
  auto* info = cmd->add_subcommand("info", "Show retention: ALIAS/BUCKET[/KEY]");
  info->add_option("TARGET", a.args, "ALIAS/BUCKET[/KEY]")->expected(1);
  for (auto* c : {set, clear, info}) {
    c->add_flag("--default", opts->default_retention,
                "The bucket's default retention (what new versions get)");
    c->add_option("--version-id", opts->version_id, "That version of the key, not the current one");
    c->fallthrough();
  }
  for (auto* c : {set, clear}) {
    c->add_flag("--bypass", opts->bypass,
                "Shorten or remove a GOVERNANCE retention "
                "(x-amz-bypass-governance-retention)");
  }
  *holder = {set, clear, info};

  auto hold_holder = std::make_shared<std::array<CLI::App*, 3>>();
  auto* hold = r.add("legalhold", "Legal hold of an object version: set, clear, info",
                     "  silo legalhold set local/records/2024.pdf     # no one may remove it "
                     "until cleared\n"
                     "  silo legalhold info local/records/2024.pdf\n"
                     "  silo legalhold clear local/records/2024.pdf --version-id 3f2c...\n",
                     [hold_holder, opts](Session& s, const CommandArgs& args) {
                       if ((*hold_holder)[0]->parsed()) return legalhold_run(s, args, *opts, "set");
                       if ((*hold_holder)[1]->parsed())
                         return legalhold_run(s, args, *opts, "clear");
                       return legalhold_run(s, args, *opts, "info");
                     });
  hold->require_subcommand(1, 1);
  auto* hset = hold->add_subcommand("set", "Put a legal hold on the version: ALIAS/BUCKET/KEY");
  auto* hclear = hold->add_subcommand("clear", "Lift the legal hold: ALIAS/BUCKET/KEY");
  auto* hinfo = hold->add_subcommand("info", "Show whether the version is held: ALIAS/BUCKET/KEY");
  for (auto* c : {hset, hclear, hinfo}) {
    c->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY")->expected(1);
    c->add_option("--version-id", opts->version_id, "That version of the key, not the current one");
    c->fallthrough();
  }
  *hold_holder = {hset, hclear, hinfo};
}

}  // namespace silo::client
