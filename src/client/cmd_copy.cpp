// silo cp, mv, pipe
#include <unistd.h>

#include <filesystem>

#include "client/command_util.h"
#include "common/strings.h"

namespace silo::client {

std::optional<HeaderList> object_headers(const CommandArgs& a) {
  HeaderList h;
  static constexpr std::string_view kContentHeaders[] = {
      "content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires"};
  std::string_view rest = a.attr;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view item = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    std::string name = to_lower(trim(item.substr(0, eq)));
    bool standard = std::find(std::begin(kContentHeaders), std::end(kContentHeaders), name) !=
                    std::end(kContentHeaders);
    if (!standard && !name.starts_with("x-amz-meta-")) name = "x-amz-meta-" + name;
    h.emplace_back(name, std::string(trim(item.substr(eq + 1))));
  }
  if (!a.storage_class.empty()) h.emplace_back("x-amz-storage-class", a.storage_class);
  return h;
}

S3Result<TransferResult> transfer(Session& s, const Target& src, const Target& dst,
                                  const HeaderList& headers) {
  if (dst.remote && (dst.bucket.empty() || dst.key.empty() || dst.key.back() == '/')) {
    return std::unexpected(local_error("the target needs an object name (ALIAS/BUCKET/KEY)"));
  }
  if (!src.remote && dst.remote) return upload_file(s, src.path, ObjectRef::of(dst), headers);
  if (src.remote && !dst.remote) return download_file(s, ObjectRef::of(src), dst.path);
  if (src.remote) return copy_object(s, ObjectRef::of(src), ObjectRef::of(dst), headers);
  std::error_code ec;
  std::filesystem::path to(dst.path);
  if (to.has_parent_path()) std::filesystem::create_directories(to.parent_path(), ec);
  std::filesystem::copy_file(src.path, to, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return std::unexpected(local_error(ec.message()));
  return TransferResult{std::filesystem::file_size(to, ec), {}, false, false};
}

bool refuses_to_escape(Session& s, std::string_view command, const Target& src,
                       const Target& dst, std::string_view rel) {
  if (dst.remote || !escapes_folder(rel)) return false;
  s.out().error(command, src.display(),
                local_error("its name leads outside " + dst.display() + "; not copied"));
  return true;
}

namespace {

struct Job {
  Target src;
  Target dst;
};

// Expands the sources into (source, target) pairs. `into` is true when DST
// is a folder or prefix the sources go below.
void plan(Session& s, const CommandArgs& a, std::string_view command, const Target& dst, bool into,
          std::vector<Job>& jobs) {
  for (size_t i = 0; i + 1 < a.args.size(); ++i) {
    Target src = s.target(a.args[i]);
    bool whole = src.remote && (src.bucket.empty() || src.key.empty() || src.trailing_slash);
    if (!a.recursive) {
      if (whole || (!src.remote && is_container(s, src))) {
        s.out().error(command, src.display(), local_error("is a folder or bucket; use -r to copy what is in it"));
        continue;
      }
      jobs.push_back({src, into ? child_target(dst, src.basename()) : dst});
      continue;
    }
    bool container = whole || is_container(s, src);
    // "dir" copies the folder itself below DST; "dir/" copies what is in it.
    std::string below = container && !src.trailing_slash && into ? src.basename() + "/" : "";
    auto st = list_target(s, src, {true, false}, [&](Entry&& e) {
      if (e.dir) return;
      Target from = container ? child_target(src, e.rel) : src;
      if (container && refuses_to_escape(s, command, from, dst, e.rel)) return;
      jobs.push_back({from, into || container ? child_target(dst, below + e.rel) : dst});
    }, command);
    if (!st) s.out().error(command, src.display(), st.error());
  }
}

void remove_source(Session& s, std::string_view command, const Target& src) {
  if (!src.remote) {
    if (::unlink(src.path.c_str()) != 0) s.out().error(command, src.path, local_error(std::strerror(errno)));
    return;
  }
  auto c = s.client(src.alias);
  auto r = c ? with_retry(s.retry(), [&] { return (*c)->delete_object(src.bucket, src.key); })
             : S3Status(std::unexpected(c.error()));
  if (!r) s.out().error(command, src.display(), r.error());
}

int copy_or_move(Session& s, const CommandArgs& a, std::string_view command, bool move) {
  if (a.args.size() < 2) return usage_error(s, command, "expected SOURCE... TARGET");
  auto headers = object_headers(a);
  if (!headers) return usage_error(s, command, "--attr expects \"Name=value;Name2=value2\"");
  Target dst = s.target(a.args.back());
  bool into = a.args.size() > 2 || dst.trailing_slash || is_container(s, dst);
  std::vector<Job> jobs;
  plan(s, a, command, dst, into, jobs);
  s.out().start_progress();
  run_parallel(s.options().parallel, jobs.size(), [&](size_t i) {
    const Job& j = jobs[i];
    auto r = transfer(s, j.src, j.dst, *headers);
    if (!r) return s.out().error(command, j.src.display(), r.error());
    if (move) remove_source(s, command, j.src);
    nlohmann::json rec = {{"source", j.src.display()}, {"target", j.dst.display()}, {"size", r->size},
                          {"etag", r->etag}, {"multipart", r->multipart}, {"serverSide", r->server_side}};
    s.out().info(rec, "`" + j.src.display() + "` -> `" + j.dst.display() + "`");
  });
  s.out().stop_progress();
  return exit_code(s);
}

int pipe(Session& s, const CommandArgs& a) {
  auto headers = object_headers(a);
  if (!headers || a.args.size() != 1) return usage_error(s, "pipe", "expected ALIAS/BUCKET/KEY");
  Target dst = s.target(a.args[0]);
  if (!dst.remote || dst.key.empty()) return usage_error(s, "pipe", "expected ALIAS/BUCKET/KEY");
  s.out().start_progress();
  auto r = upload_stream(s, STDIN_FILENO, ObjectRef::of(dst), *headers);
  s.out().stop_progress();
  if (!r) {
    s.out().error("pipe", dst.display(), r.error());
    return 1;
  }
  s.out().info({{"target", dst.display()}, {"size", r->size}, {"etag", r->etag}, {"multipart", r->multipart}},
               "stdin -> `" + dst.display() + "`");
  return 0;
}

}  // namespace

void add_copy_commands(Registry& r) {
  auto& a = r.args;
  auto add_common = [&a](CLI::App* c) {
    c->add_option("ARGS", a.args, "SOURCE... TARGET")->required();
    c->add_flag("-r,--recursive", a.recursive, "Copy folders and prefixes with everything below");
    c->add_option("--attr", a.attr, "Metadata: \"Content-Type=text/plain;color=blue\"");
    c->add_option("--storage-class", a.storage_class, "Storage class (STANDARD, REDUCED_REDUNDANCY, ...)");
  };
  add_common(r.add("cp", "Copy files and objects (file->object, object->file, object->object)",
                   "  silo cp photo.jpg local/photos/\n  silo cp -r ./pics local/photos/      # -> photos/pics/...\n"
                   "  silo cp -r ./pics/ local/photos/     # -> photos/...\n"
                   "  silo cp local/photos/a.jpg ./a.jpg\n  silo cp local/photos/a.jpg s3/backup/a.jpg\n"
                   "  silo cp --attr 'Cache-Control=max-age=60;owner=ann' --storage-class REDUCED_REDUNDANCY x local/b/\n",
                   [](Session& s, const CommandArgs& args) { return copy_or_move(s, args, "cp", false); }));
  add_common(r.add("mv", "Move files and objects (copy, then remove the source)",
                   "  silo mv local/inbox/a.jpg local/photos/\n  silo mv -r ./outbox/ local/b/sent/\n",
                   [](Session& s, const CommandArgs& args) { return copy_or_move(s, args, "mv", true); }));
  auto* p = r.add("pipe", "Upload standard input to an object (multipart when large)",
                  "  tar c ./pics | silo pipe local/backup/pics.tar\n", pipe);
  p->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY")->required();
  p->add_option("--attr", a.attr, "Metadata: \"Content-Type=application/x-tar\"");
  p->add_option("--storage-class", a.storage_class, "Storage class");
}

}  // namespace silo::client
