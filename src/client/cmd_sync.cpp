// silo mirror, silo diff
//
// Both list the two sides recursively and compare entries by relative name:
// equal when the sizes match and either both ETags are the same MD5 or the
// target is at least as new as the source (to the second). Downloads take the
// object's Last-Modified as the file's mtime and uploads are newer than the
// file they came from, so a finished copy compares equal; that is what makes
// an interrupted mirror resumable: a re-run copies only what is missing or
// different. Partial downloads are never renamed into place and multipart
// uploads complete atomically, so nothing half-copied compares equal.
#include <filesystem>
#include <map>
#include <thread>

#include "client/command_util.h"
#include "client/interrupt.h"

namespace silo::client {
namespace {

using Listing = std::map<std::string, Entry>;

bool same(const Entry& src, const Entry& dst) {
  if (src.size != dst.size) return false;
  if (!src.etag.empty() && src.etag == dst.etag) return true;
  return dst.mtime_ns / 1'000'000'000 >= src.mtime_ns / 1'000'000'000;
}

// A missing local folder or remote prefix lists as empty; other errors fail.
S3Result<Listing> list_side(Session& s, const Target& t, std::string_view command, bool may_be_missing) {
  Listing out;
  if (!t.remote && may_be_missing && !std::filesystem::exists(t.path)) return out;
  auto st = list_target(s, t, {true, false}, [&](Entry&& e) {
    if (!e.dir) out.emplace(e.rel, std::move(e));
  }, command);
  if (!st) return std::unexpected(st.error());
  return out;
}

struct MirrorStats {
  std::atomic<uint64_t> copied{0}, skipped{0}, removed{0}, bytes{0}, differing{0};
};

void mirror_once(Session& s, const CommandArgs& a, const Target& src, const Target& dst, MirrorStats& st) {
  auto from = list_side(s, src, "mirror", false);
  if (!from) return s.out().error("mirror", src.display(), from.error());
  auto to = list_side(s, dst, "mirror", true);
  if (!to && to.error().code == "NoSuchBucket") {
    // A missing target bucket is made, as a missing target folder is.
    auto c = s.client(dst.alias);
    auto made = c ? (*c)->create_bucket(dst.bucket) : S3Status(std::unexpected(c.error()));
    to = made ? S3Result<Listing>(Listing{}) : S3Result<Listing>(std::unexpected(made.error()));
  }
  if (!to) return s.out().error("mirror", dst.display(), to.error());
  std::vector<const Entry*> work;
  for (const auto& [rel, e] : *from) {
    if (refuses_to_escape(s, "mirror", child_target(src, rel), dst, rel)) continue;
    auto it = to->find(rel);
    if (it == to->end()) {
      work.push_back(&e);
    } else if (same(e, it->second)) {
      ++st.skipped;
    } else if (a.overwrite) {
      work.push_back(&e);
    } else {
      ++st.differing;
      s.out().warning("mirror", child_target(dst, rel).display(), "differs from the source; not overwritten (use --overwrite)");
    }
  }
  auto headers = object_headers(a).value_or(HeaderList{});
  s.out().start_progress();
  run_parallel(s.options().parallel, work.size(), [&](size_t i) {
    if (interrupted()) return;
    const Entry& e = *work[i];
    Target f = child_target(src, e.rel), t = child_target(dst, e.rel);
    auto r = transfer(s, f, t, headers);
    if (!r) return s.out().error("mirror", f.display(), r.error());
    ++st.copied;
    st.bytes += r->size;
    s.out().info({{"source", f.display()}, {"target", t.display()}, {"size", r->size}, {"etag", r->etag}},
                 "`" + f.display() + "` -> `" + t.display() + "`");
  });
  s.out().stop_progress();
  if (!a.remove || interrupted()) return;
  std::vector<Entry> extra;
  for (auto& [rel, e] : *to) {
    if (from->count(rel)) continue;
    if (dst.remote) {
      extra.push_back(e);
      continue;
    }
    if (::unlink(e.key.c_str()) != 0) s.out().error("mirror", e.key, local_error(std::strerror(errno)));
    else ++st.removed, s.out().info({{"target", e.key}, {"removed", true}}, "Removed `" + e.key + "`");
  }
  if (dst.remote && !extra.empty()) {
    Target bucket = dst;
    bucket.key.clear();
    st.removed += remove_entries(s, "mirror", bucket, extra);
  }
}

int mirror(Session& s, const CommandArgs& a) {
  if (a.args.size() != 2) return usage_error(s, "mirror", "expected SOURCE TARGET");
  if (!object_headers(a)) return usage_error(s, "mirror", "--attr expects \"Name=value;Name2=value2\"");
  Target src = s.target(a.args[0]), dst = s.target(a.args[1]);
  for (Target* t : {&src, &dst}) {
    if (t->remote && t->bucket.empty()) return usage_error(s, "mirror", "expected ALIAS/BUCKET[/PREFIX], not an alias");
    // Mirror always works on the contents of both sides.
    if (t->remote && !t->key.empty() && t->key.back() != '/') t->key += "/";
  }
  MirrorStats st;
  do {
    mirror_once(s, a, src, dst, st);
    for (int i = 0; a.watch && !interrupted() && i < a.interval * 10; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } while (a.watch && !interrupted());
  s.out().info({{"type", "summary"}, {"copied", st.copied.load()}, {"skipped", st.skipped.load()},
                {"removed", st.removed.load()}, {"differing", st.differing.load()}, {"bytes", st.bytes.load()}},
               "Copied " + std::to_string(st.copied) + ", up to date " + std::to_string(st.skipped) +
                   ", removed " + std::to_string(st.removed) + ", differing " + std::to_string(st.differing));
  return interrupted() && !a.watch ? 1 : exit_code(s);
}

int diff(Session& s, const CommandArgs& a) {
  if (a.args.size() != 2) return usage_error(s, "diff", "expected SOURCE TARGET");
  Target src = s.target(a.args[0]), dst = s.target(a.args[1]);
  for (Target* t : {&src, &dst}) {
    if (t->remote && !t->key.empty() && t->key.back() != '/') t->key += "/";
  }
  auto from = list_side(s, src, "diff", false);
  if (!from) return s.out().error("diff", src.display(), from.error()), 1;
  auto to = list_side(s, dst, "diff", false);
  if (!to) return s.out().error("diff", dst.display(), to.error()), 1;
  auto report = [&](const char* type, const char* mark, const std::string& rel) {
    s.out().data({{"type", type}, {"key", rel}, {"source", child_target(src, rel).display()},
                  {"target", child_target(dst, rel).display()}},
                 std::string(mark) + " " + rel);
  };
  for (const auto& [rel, e] : *from) {
    auto it = to->find(rel);
    if (it == to->end()) report("onlySource", "<", rel);
    else if (!same(e, it->second)) report("differs", "!", rel);
  }
  for (const auto& [rel, e] : *to) {
    if (!from->count(rel)) report("onlyTarget", ">", rel);
  }
  return exit_code(s);
}

}  // namespace

void add_sync_commands(Registry& r) {
  auto& a = r.args;
  auto* m = r.add("mirror", "One-way sync of a folder or prefix to another (either direction); resumable",
                  "  silo mirror ./site local/www\n  silo mirror --overwrite --remove local/www ./backup\n"
                  "  silo mirror --watch ./inbox local/inbox   # keep copying changes until Ctrl-C\n",
                  mirror);
  m->add_option("ARGS", a.args, "SOURCE TARGET")->required();
  m->add_flag("--overwrite", a.overwrite, "Replace targets that differ from the source");
  m->add_flag("--remove", a.remove, "Remove targets that are not in the source");
  m->add_flag("--watch", a.watch, "Keep mirroring changes until interrupted");
  m->add_option("--interval", a.interval, "--watch: seconds between scans (default 2)")->check(CLI::Range(1, 3600));
  m->add_option("--attr", a.attr, "Metadata for uploaded objects");
  m->add_option("--storage-class", a.storage_class, "Storage class for uploaded objects");
  auto* d = r.add("diff", "List the differences between two folders or prefixes",
                  "  silo diff ./site local/www   # < only in source, > only in target, ! differs\n", diff);
  d->add_option("ARGS", a.args, "SOURCE TARGET")->required();
}

}  // namespace silo::client
