// silo mb, silo rb
#include "client/command_util.h"
#include "client/config_xml.h"

namespace silo::client {
namespace {

bool names_bucket(Session& s, std::string_view command, const Target& t) {
  if (t.remote && !t.bucket.empty() && (t.key.empty())) return true;
  s.out().error(command, t.text, local_error("expected ALIAS/BUCKET"));
  return false;
}

int make_buckets(Session& s, const CommandArgs& a) {
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    if (!names_bucket(s, "mb", t)) continue;
    auto c = s.client(t.alias);
    if (!c) {
      s.out().error("mb", t.text, c.error());
      continue;
    }
    auto r = with_retry(s.retry(),
                        [&] { return (*c)->create_bucket(t.bucket, a.location, a.with_lock); });
    bool exists = !r && (r.error().code == "BucketAlreadyOwnedByYou" ||
                         (r.error().code == "BucketAlreadyExists" && (*c)->head_bucket(t.bucket)));
    if (!r && !(exists && a.parents)) {
      s.out().error("mb", t.display(), r.error());
      continue;
    }
    // A bucket with object lock is versioned by the server already.
    if (a.with_versioning && !exists) {
      auto v = with_retry(s.retry(), [&] {
        return (*c)->subresource("PUT", t.bucket, "", "versioning",
                                 xml::versioning_body("Enabled"), SubresourceOptions{});
      });
      if (!v) {
        s.out().error("mb", t.display(), v.error());
        continue;
      }
    }
    nlohmann::json record = {{"bucket", t.bucket}, {"target", t.display()}, {"created", !exists}};
    std::string extra;
    if (!exists && a.with_lock) record["objectLock"] = true, extra = " with object lock";
    if (!exists && (a.with_versioning || a.with_lock)) {
      record["versioning"] = "Enabled";
      if (extra.empty()) extra = " with versioning";
    }
    s.out().info(record, exists ? "Bucket `" + t.display() + "` already exists"
                                : "Bucket created `" + t.display() + "`" + extra);
  }
  return exit_code(s);
}

// Unfinished multipart uploads keep a bucket from being deleted too, and
// they hold data: --force aborts them.
void abort_uploads(Session& s, const Target& t, S3Client& c) {
  std::string key_marker, id_marker;
  while (true) {
    auto page = with_retry(s.retry(),
                           [&] { return c.list_multipart_uploads(t.bucket, key_marker, id_marker); });
    if (!page) {
      s.out().error("rb", t.display(), page.error());
      return;
    }
    for (const auto& u : page->uploads) {
      auto r = with_retry(s.retry(), [&] { return c.abort_multipart_upload(t.bucket, u.key, u.upload_id); });
      if (!r && r.error().code != "NoSuchUpload") {
        s.out().error("rb", t.alias + "/" + t.bucket + "/" + u.key, r.error());
      }
    }
    bool more = page->is_truncated &&
                (page->next_key_marker != key_marker || page->next_upload_id_marker != id_marker);
    if (!more) return;
    key_marker = page->next_key_marker;
    id_marker = page->next_upload_id_marker;
  }
}

int remove_buckets(Session& s, const CommandArgs& a) {
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    if (!names_bucket(s, "rb", t)) continue;
    if (a.force) {
      std::vector<Entry> all;
      auto st = list_target(s, t, {true, true}, [&](Entry&& e) { all.push_back(std::move(e)); }, "rb");
      if (!st) {
        s.out().error("rb", t.display(), st.error());
        continue;
      }
      remove_entries(s, "rb", t, all);
    }
    auto c = s.client(t.alias);
    if (a.force && c) abort_uploads(s, t, **c);
    auto r = c ? with_retry(s.retry(), [&] { return (*c)->delete_bucket(t.bucket); })
               : S3Status(std::unexpected(c.error()));
    if (!r) {
      S3Error e = r.error();
      if (e.code == "BucketNotEmpty") e.message += " (use rb --force to remove its objects too)";
      s.out().error("rb", t.display(), e);
      continue;
    }
    s.out().info({{"bucket", t.bucket}, {"target", t.display()}, {"removed", true}},
                 "Removed `" + t.display() + "`");
  }
  return exit_code(s);
}

}  // namespace

void add_bucket_commands(Registry& r) {
  auto& a = r.args;
  auto* mb = r.add("mb", "Make buckets",
                   "  silo mb local/photos\n  silo mb -p local/photos   # no error if it exists\n"
                   "  silo mb --region eu-west-1 local/photos\n"
                   "  silo mb --with-lock local/records     # object lock (and versioning) on\n"
                   "  silo mb --with-versioning local/docs\n",
                   make_buckets);
  mb->add_option("BUCKET", a.args, "ALIAS/BUCKET ...")->required();
  mb->add_flag("-p,--ignore-existing", a.parents, "Succeed when the bucket already exists");
  mb->add_option("--region", a.location,
                 "Region to create the bucket in (its LocationConstraint; default: the server's)");
  mb->add_flag("-l,--with-lock", a.with_lock,
               "Enable object lock (x-amz-bucket-object-lock-enabled); the bucket is versioned");
  mb->add_flag("--with-versioning", a.with_versioning, "Enable versioning on the new bucket");
  auto* rb = r.add("rb", "Remove buckets",
                   "  silo rb local/photos\n  silo rb --force local/photos   # and everything in it\n",
                   remove_buckets);
  rb->add_option("BUCKET", a.args, "ALIAS/BUCKET ...")->required();
  rb->add_flag("--force", a.force,
               "Remove the bucket's objects (all versions) and unfinished uploads first");
}

}  // namespace silo::client
