// silo rm
#include <unistd.h>

#include <set>

#include "client/cli_units.h"
#include "client/command_util.h"

namespace silo::client {

size_t remove_entries(Session& s, std::string_view command, const Target& bucket,
                      const std::vector<Entry>& entries) {
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
    auto r = with_retry(s.retry(), [&] { return (*c)->delete_objects(bucket.bucket, batch); });
    if (!r) s.out().error(command, bucket.display(), r.error());
    std::set<std::string> failed;
    if (r) {
      for (const auto& f : *r) {
        failed.insert(f.key);
        s.out().error(command, bucket.alias + "/" + bucket.bucket + "/" + f.key, S3Error{0, f.code, f.message, {}});
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
    // Real versions one by one (DeleteObjects' version form is not in S3Client);
    // unversioned objects in batches of 1000.
    if (!e.version_id.empty() && e.version_id != "null") {
      auto r = with_retry(s.retry(), [&] { return (*c)->delete_object(bucket.bucket, e.key, e.version_id); });
      if (!r) s.out().error(command, bucket.alias + "/" + bucket.bucket + "/" + e.key, r.error());
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

void remove_remote(Session& s, const CommandArgs& a, const Target& t, std::optional<int64_t> cutoff) {
  if (t.bucket.empty()) return s.out().error("rm", t.display(), local_error("expected ALIAS/BUCKET/KEY"));
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
    remove_entries(s, "rm", bucket, {e});
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
  size_t n = remove_entries(s, "rm", bucket, found);
  if (n == 0 && found.empty()) s.out().warning("rm", t.display(), "nothing to remove");
}

int remove(Session& s, const CommandArgs& a) {
  bool bad = false;
  auto cutoff = cutoff_ns(a.older_than, bad);
  if (bad) return usage_error(s, "rm", "--older-than expects an age like 7d, 12h, 1d6h");
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
  auto* rm = r.add("rm", "Remove objects (or files)",
                   "  silo rm local/photos/cat.jpg\n  silo rm -r local/photos/2023/\n"
                   "  silo rm -r --force local/photos            # everything in the bucket\n"
                   "  silo rm -r --older-than 30d local/logs/\n  silo rm --versions local/b/key   # every version\n",
                   remove);
  rm->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY or prefix ...")->required();
  rm->add_flag("-r,--recursive", a.recursive, "Remove everything below the prefix");
  rm->add_flag("--force", a.force, "Allow rm -r on a whole bucket");
  rm->add_flag("--versions", a.versions, "Remove every version (and delete marker), not only the latest");
  rm->add_option("--older-than", a.older_than, "Only what was last modified more than AGE ago (e.g. 7d)");
}

}  // namespace silo::client
