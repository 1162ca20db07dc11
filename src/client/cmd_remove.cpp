// silo rm
#include <unistd.h>

#include <set>

#include "client/cli_units.h"
#include "client/command_util.h"

namespace silo::client {

std::string lock_hint(const S3Error& e, bool bypassed) {
  if (e.code != "AccessDenied") return {};
  if (e.message.find("legal hold") != std::string::npos) {
    return " (clear it first: silo legalhold clear ALIAS/BUCKET/KEY --version-id ID)";
  }
  if (e.message.find("GOVERNANCE") != std::string::npos && !bypassed) {
    return " (add --bypass to override a GOVERNANCE retention)";
  }
  return {};
}

namespace {

void report_failure(Session& s, std::string_view command, const std::string& target, S3Error e,
                    bool bypass) {
  e.message += lock_hint(e, bypass);
  s.out().error(command, target, e);
}

}  // namespace

size_t remove_entries(Session& s, std::string_view command, const Target& bucket,
                      const std::vector<Entry>& entries, bool bypass) {
  auto c = s.client(bucket.alias);
  if (!c) {
    s.out().error(command, bucket.display(), c.error());
    return 0;
  }
  auto removed = [&](const Entry& e) {
    Target t = bucket;
    t.key = e.key;
    nlohmann::json j = {{"target", t.display()}, {"key", e.key}, {"removed", true}};
    if (!e.version_id.empty()) j["versionId"] = e.version_id;
    s.out().info(j, "Removed `" + t.display() + "`" + (e.version_id.empty() ? "" : " (version " + e.version_id + ")"));
  };
  size_t count = 0;
  std::vector<std::string> batch;
  std::vector<const Entry*> batch_entries;
  auto flush = [&] {
    if (batch.empty()) return;
    auto r = with_retry(s.retry(),
                        [&] { return (*c)->delete_objects(bucket.bucket, batch, bypass); });
    if (!r) s.out().error(command, bucket.display(), r.error());
    std::set<std::string> failed;
    if (r) {
      for (const auto& f : *r) {
        failed.insert(f.key);
        report_failure(s, command, bucket.alias + "/" + bucket.bucket + "/" + f.key,
                       S3Error{0, f.code, f.message, {}}, bypass);
      }
    }
    for (const Entry* e : batch_entries) {
      if (r && !failed.count(e->key)) removed(*e), ++count;
    }
    batch.clear();
    batch_entries.clear();
  };
  for (const auto& e : entries) {
    if (e.dir) continue;
    // Versions one by one, the null version too, by its id "null": without
    // an id a versioned bucket would add a delete marker instead
    // (DeleteObjects' version form is not in S3Client); unversioned objects
    // in batches of 1000.
    if (!e.version_id.empty()) {
      auto r = with_retry(s.retry(), [&] {
        return (*c)->delete_object(bucket.bucket, e.key, DeleteOptions{e.version_id, bypass});
      });
      if (!r) {
        report_failure(s, command, bucket.alias + "/" + bucket.bucket + "/" + e.key, r.error(),
                       bypass);
      }
      else removed(e), ++count;
      continue;
    }
    batch.push_back(e.key);
    batch_entries.push_back(&e);
    if (batch.size() == 1000) flush();
  }
  flush();
  return count;
}

namespace {

void remove_local(Session& s, const CommandArgs& a, const Target& t, std::optional<int64_t> cutoff) {
  std::vector<Entry> files;
  auto st = list_target(s, t, {a.recursive, false}, [&](Entry&& e) {
    if (!e.dir) files.push_back(std::move(e));
  }, "rm");
  if (!st) return s.out().error("rm", t.path, st.error());
  for (const auto& e : files) {
    if (cutoff && e.mtime_ns >= *cutoff) continue;
    if (::unlink(e.key.c_str()) != 0) {
      s.out().error("rm", e.key, local_error(std::strerror(errno)));
      continue;
    }
    s.out().info({{"target", e.key}, {"removed", true}}, "Removed `" + e.key + "`");
  }
}

// rm --version-id: exactly that version (or delete marker) of one key.
void remove_version(Session& s, const CommandArgs& a, const Target& t) {
  auto c = s.client(t.alias);
  if (!c) return s.out().error("rm", t.display(), c.error());
  // S3 answers 204 for a version that does not exist: ask first, so a typo
  // is an error. A delete marker answers HEAD with 405 and is removable.
  auto head =
      with_retry(s.retry(), [&] { return (*c)->head_object(t.bucket, t.key, a.version_id); });
  if (!head && head.error().http_status == 404) {
    return s.out().error("rm", t.display(),
                         S3Error{404, "NoSuchVersion",
                                 "The key has no version " + a.version_id + ".",
                                 head.error().request_id});
  }
  // Other refusals (a malformed id, no permission to read) are the DELETE's to report.
  auto r = with_retry(s.retry(), [&] {
    return (*c)->delete_object(t.bucket, t.key, DeleteOptions{a.version_id, a.bypass});
  });
  if (!r) return report_failure(s, "rm", t.display(), r.error(), a.bypass);
  bool marker = r->delete_marker || (!head && head.error().http_status == 405);
  s.out().info({{"target", t.display()}, {"key", t.key}, {"versionId", a.version_id},
                {"deleteMarker", marker}, {"removed", true}},
               "Removed `" + t.display() + "` (" + (marker ? "delete marker " : "version ") +
                   a.version_id + ")");
}

void remove_remote(Session& s, const CommandArgs& a, const Target& t, std::optional<int64_t> cutoff) {
  if (t.bucket.empty()) return s.out().error("rm", t.display(), local_error("expected ALIAS/BUCKET/KEY"));
  if (!a.version_id.empty()) return remove_version(s, a, t);
  if (!a.recursive && !a.versions) {
    // One object: say so when it does not exist (S3's DELETE would not).
    auto c = s.client(t.alias);
    if (!c) return s.out().error("rm", t.display(), c.error());
    if (t.key.empty()) return s.out().error("rm", t.display(), local_error("is a bucket; use rb, or rm -r --force"));
    auto head = with_retry(s.retry(), [&] { return (*c)->head_object(t.bucket, t.key); });
    if (!head) {
      S3Error e = head.error();
      if (e.http_status == 404) e = S3Error{404, "NoSuchKey", "The specified key does not exist.", e.request_id};
      return s.out().error("rm", t.display(), e);
    }
    if (cutoff && parse_s3_time(head->last_modified).value_or(0) >= *cutoff) return;
    Target bucket = t;
    bucket.key.clear();
    Entry e;
    e.key = t.key;
    remove_entries(s, "rm", bucket, {e}, a.bypass);
    return;
  }
  std::vector<Entry> found;
  Target bucket = t;
  bucket.key.clear();
  auto st = list_target(s, t, {a.recursive, a.versions}, [&](Entry&& e) {
    if (e.dir || (cutoff && e.mtime_ns >= *cutoff)) return;
    // Non-recursive --versions: only the named key's versions (e.key is the full key).
    if (!a.recursive && e.key != t.key) return;
    found.push_back(std::move(e));
  }, "rm");
  if (!st) return s.out().error("rm", t.display(), st.error());
  size_t n = remove_entries(s, "rm", bucket, found, a.bypass);
  if (n == 0 && found.empty()) s.out().warning("rm", t.display(), "nothing to remove");
}

int remove(Session& s, const CommandArgs& a) {
  bool bad = false;
  auto cutoff = cutoff_ns(a.older_than, bad);
  if (bad) return usage_error(s, "rm", "--older-than expects an age like 7d, 12h, 1d6h");
  if (!a.version_id.empty()) {
    if (a.recursive || a.versions || !a.older_than.empty()) {
      return usage_error(
          s, "rm", "--version-id names one version: it takes no -r, --versions or --older-than");
    }
    if (a.args.size() != 1) return usage_error(s, "rm", "--version-id takes one ALIAS/BUCKET/KEY");
    Target t = s.target(a.args[0]);
    if (!t.remote || t.bucket.empty() || t.key.empty()) {
      return usage_error(s, "rm", "--version-id needs ALIAS/BUCKET/KEY, not " + t.text);
    }
  }
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    bool whole_bucket = t.remote && t.key.empty();
    if (a.recursive && whole_bucket && !a.force) {
      return usage_error(s, "rm", "removing everything in a bucket needs --force (rm -r --force " + t.display() + ")");
    }
    if (t.remote) remove_remote(s, a, t, cutoff);
    else remove_local(s, a, t, cutoff);
  }
  return exit_code(s);
}

}  // namespace

void add_remove_commands(Registry& r) {
  auto& a = r.args;
  auto* rm = r.add(
      "rm", "Remove objects (or files)",
      "  silo rm local/photos/cat.jpg\n  silo rm -r local/photos/2023/\n"
      "  silo rm -r --force local/photos            # everything in the bucket\n"
      "  silo rm -r --older-than 30d local/logs/\n  silo rm --versions local/b/key   # every version\n"
      "  silo rm --version-id 3f2c... local/b/key   # that version (or delete marker)\n"
      "  silo rm --bypass --version-id 3f2c... local/locked/key   # GOVERNANCE-locked\n",
      remove);
  rm->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY or prefix ...")->required();
  rm->add_flag("-r,--recursive", a.recursive, "Remove everything below the prefix");
  rm->add_flag("--force", a.force, "Allow rm -r on a whole bucket");
  rm->add_flag("--versions", a.versions, "Remove every version (and delete marker), not only the latest");
  rm->add_option("--older-than", a.older_than, "Only what was last modified more than AGE ago (e.g. 7d)");
  rm->add_option("--version-id", a.version_id,
                 "Remove exactly this version (or delete marker) of the key");
  rm->add_flag("--bypass", a.bypass,
               "Also remove GOVERNANCE-locked versions (x-amz-bypass-governance-retention)");
}

}  // namespace silo::client
