// silo cat, head, stat
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cli_units.h"
#include "client/command_util.h"
#include "common/time.h"
#include "common/units.h"

namespace silo::client {
namespace {

// Streams a local file or an object to `sink`; false from the sink stops early.
S3Status stream(Session& s, const Target& t, const BodySink& sink) {
  if (t.remote) {
    if (t.key.empty()) return std::unexpected(local_error("expected ALIAS/BUCKET/KEY"));
    auto r = read_object(s, ObjectRef::of(t), sink);
    if (!r) return std::unexpected(r.error());
    return {};
  }
  int fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(local_error(std::strerror(errno)));
  std::string buf(1 << 16, '\0');
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
    if (!sink(std::string_view(buf.data(), static_cast<size_t>(n)))) break;
  }
  int err = errno;
  ::close(fd);
  if (n < 0) return std::unexpected(local_error(std::strerror(err)));
  return {};
}

int cat(Session& s, const CommandArgs& a) {
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    auto st = stream(s, t, [&](std::string_view piece) {
      s.out().raw(piece);
      return true;
    });
    if (!st) s.out().error("cat", t.display(), st.error());
  }
  std::fflush(stdout);
  return exit_code(s);
}

int head(Session& s, const CommandArgs& a) {
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    int lines = a.lines;
    auto st = stream(s, t, [&](std::string_view piece) {
      size_t end = 0;
      while (lines > 0 && end < piece.size()) {
        auto nl = piece.find('\n', end);
        end = nl == std::string_view::npos ? piece.size() : nl + 1;
        if (nl != std::string_view::npos) --lines;
      }
      s.out().raw(piece.substr(0, end));
      return lines > 0;
    });
    if (!st) s.out().error("head", t.display(), st.error());
  }
  std::fflush(stdout);
  return exit_code(s);
}

void stat_object(Session& s, const Target& t) {
  auto c = s.client(t.alias);
  if (!c) return s.out().error("stat", t.display(), c.error());
  if (t.key.empty()) {
    auto r = with_retry(s.retry(), [&] { return (*c)->head_bucket(t.bucket); });
    if (!r) return s.out().error("stat", t.display(), r.error());
    return s.out().data({{"type", "bucket"}, {"target", t.display()}, {"bucket", t.bucket}},
                        "Name      : " + t.bucket + "\nType      : bucket");
  }
  auto r = with_retry(s.retry(), [&] { return (*c)->head_object(t.bucket, t.key); });
  if (!r) {
    S3Error e = r.error();
    if (e.code == "NotFound") e = S3Error{404, "NoSuchKey", "The specified key does not exist.", e.request_id};
    return s.out().error("stat", t.display(), e);
  }
  int64_t when = parse_s3_time(r->last_modified).value_or(0);
  nlohmann::json meta = nlohmann::json::object();
  std::string meta_lines;
  for (const auto& [n, v] : r->metadata) {
    meta[n] = v;
    meta_lines += "\n  " + n + ": " + v;
  }
  std::string sc = r->storage_class.empty() ? "STANDARD" : r->storage_class;
  nlohmann::json j = {{"type", "file"}, {"target", t.display()}, {"key", t.key}, {"size", r->size},
                      {"etag", r->etag}, {"contentType", r->content_type}, {"storageClass", sc},
                      {"lastModified", when ? format_iso8601(when) : r->last_modified}, {"metadata", meta}};
  if (!r->version_id.empty()) j["versionId"] = r->version_id;
  s.out().data(j, "Name      : " + t.key + "\nDate      : " + (when ? format_time(when) : r->last_modified) +
                      "\nSize      : " + format_size(r->size) + " (" + std::to_string(r->size) +
                      " bytes)\nETag      : " + r->etag + "\nType      : " + r->content_type +
                      "\nClass     : " + sc + (meta_lines.empty() ? "" : "\nMetadata  :" + meta_lines));
}

int stat(Session& s, const CommandArgs& a) {
  for (const auto& arg : a.args) {
    Target t = s.target(arg);
    if (t.remote && t.bucket.empty()) {
      s.out().error("stat", t.display(), local_error("expected ALIAS/BUCKET[/KEY]"));
      continue;
    }
    if (t.remote) {
      stat_object(s, t);
      continue;
    }
    struct stat st {};
    if (::stat(t.path.c_str(), &st) != 0) {
      s.out().error("stat", t.path, local_error(std::strerror(errno)));
      continue;
    }
    int64_t when = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    bool dir = S_ISDIR(st.st_mode);
    s.out().data({{"type", dir ? "folder" : "file"}, {"target", t.path}, {"size", st.st_size},
                  {"lastModified", format_iso8601(when)}},
                 "Name      : " + t.path + "\nDate      : " + format_time(when) + "\nSize      : " +
                     format_size(static_cast<uint64_t>(st.st_size)) + "\nType      : " +
                     (dir ? "folder" : "file"));
  }
  return exit_code(s);
}

}  // namespace

void add_read_commands(Registry& r) {
  auto& a = r.args;
  r.add("cat", "Print objects or files to standard output",
        "  silo cat local/logs/today.log\n  silo cat local/b/a.gz | gunzip\n", cat)
      ->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY or file ...")->required();
  auto* h = r.add("head", "Print the first lines of objects or files",
                  "  silo head -n 5 local/logs/today.log\n", head);
  h->add_option("TARGET", a.args, "ALIAS/BUCKET/KEY or file ...")->required();
  h->add_option("-n,--lines", a.lines, "Number of lines (default 10)")->check(CLI::Range(0, 1 << 30));
  r.add("stat", "Show an object's size, date, ETag, type, class and metadata",
        "  silo stat local/photos/cat.jpg\n  silo --json stat local/photos\n", stat)
      ->add_option("TARGET", a.args, "ALIAS/BUCKET[/KEY] or a local path ...")->required();
}

}  // namespace silo::client
