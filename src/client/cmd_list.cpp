// silo ls, du, tree, find
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <map>

#include "client/cli_units.h"
#include "client/command_util.h"
#include "common/time.h"
#include "common/units.h"

namespace silo::client {

std::string entry_target(const Entry& e, const Target& base) {
  bool itself = !e.dir && !base.trailing_slash &&
                (base.remote ? !base.key.empty() && e.key == base.key : e.key == base.path);
  return itself ? base.display() : child_target(base, e.rel).display();
}

nlohmann::json entry_json(const Entry& e, const Target& base) {
  nlohmann::json j = {{"type", e.dir ? (base.remote && base.bucket.empty() ? "bucket" : "folder") : "file"},
                      {"key", e.rel},
                      {"target", entry_target(e, base)},
                      {"size", e.size}};
  if (e.mtime_ns) j["lastModified"] = format_iso8601(e.mtime_ns);
  if (!e.etag.empty()) j["etag"] = e.etag;
  if (!e.version_id.empty()) {
    j["versionId"] = e.version_id;
    j["isLatest"] = e.is_latest;
    j["isDeleteMarker"] = e.delete_marker;
  }
  return j;
}

std::optional<int64_t> cutoff_ns(const std::string& age, bool& bad) {
  if (age.empty()) return std::nullopt;
  auto d = parse_age(age);
  if (!d) {
    bad = true;
    return std::nullopt;
  }
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now - *d).count();
}

namespace {

std::string ls_line(const Entry& e) {
  std::string when = e.mtime_ns ? format_time(e.mtime_ns) : std::string(23, ' ');
  char size[32];
  std::snprintf(size, sizeof size, "%10s", e.dir ? "0 B" : format_size(e.size).c_str());
  std::string line = "[" + when + "] " + size + " " + e.rel;
  if (!e.version_id.empty()) {
    line += "  v:" + e.version_id + (e.is_latest ? " (latest)" : "") + (e.delete_marker ? " (delete marker)" : "");
  }
  return line;
}

std::vector<std::string> targets_or_dot(const CommandArgs& a) {
  return a.args.empty() ? std::vector<std::string>{"."} : a.args;
}

// `ls -r ALIAS`: every object of every bucket, named BUCKET/KEY (as mc).
S3Status list_every_bucket(Session& s, const CommandArgs& a, const Target& t,
                           const std::function<void(Entry&&)>& emit) {
  std::vector<std::string> buckets;
  auto st = list_target(s, t, {false, false}, [&](Entry&& e) {
    if (e.dir) buckets.push_back(e.rel);
  }, "ls");
  if (!st) return st;
  for (const auto& b : buckets) {
    Target bucket = child_target(t, b);
    bucket.trailing_slash = true;
    auto listed = list_target(s, bucket, {true, a.versions}, [&](Entry&& e) {
      e.rel = b + e.rel;
      emit(std::move(e));
    }, "ls");
    if (!listed) s.out().error("ls", bucket.display(), listed.error());
  }
  return {};
}

int list(Session& s, const CommandArgs& a) {
  for (const auto& arg : targets_or_dot(a)) {
    Target t = s.target(arg);
    uint64_t count = 0, bytes = 0, seen = 0;
    auto emit = [&](Entry&& e) {
      ++seen;
      if (!e.dir) ++count, bytes += e.size;
      s.out().data(entry_json(e, t), ls_line(e));
    };
    auto st = t.remote && t.bucket.empty() && a.recursive
                  ? list_every_bucket(s, a, t, emit)
                  : list_target(s, t, {a.recursive, a.versions}, emit, "ls");
    if (!st) s.out().error("ls", t.display(), st.error());
    // A named object or folder that is not there (S3 just lists nothing).
    bool named = t.remote && !t.key.empty() && !t.trailing_slash;
    if (st && named && seen == 0) {
      s.out().error("ls", t.display(), S3Error{404, "NoSuchKey", "The specified key does not exist.", {}});
    }
    if (a.summarize) {
      s.out().data({{"type", "summary"}, {"target", t.display()}, {"objects", count}, {"size", bytes}},
                   "\nTotal size: " + format_size(bytes) + "\nTotal objects: " + std::to_string(count));
    }
  }
  return exit_code(s);
}

int disk_usage(Session& s, const CommandArgs& a) {
  for (const auto& arg : targets_or_dot(a)) {
    Target t = s.target(arg);
    std::map<std::string, std::pair<uint64_t, uint64_t>> groups;  // depth-1 child -> (objects, bytes)
    uint64_t count = 0, bytes = 0;
    auto st = list_target(s, t, {true, a.versions}, [&](Entry&& e) {
      ++count, bytes += e.size;
      if (a.depth > 0) {
        auto slash = e.rel.find('/');
        auto& g = groups[slash == std::string::npos ? std::string() : e.rel.substr(0, slash + 1)];
        ++g.first, g.second += e.size;
      }
    }, "du");
    if (!st) {
      s.out().error("du", t.display(), st.error());
      continue;
    }
    for (const auto& [name, g] : groups) {
      if (name.empty()) continue;
      std::string shown = child_target(t, name).display();
      s.out().data({{"target", shown}, {"objects", g.first}, {"size", g.second}},
                   format_size(g.second) + "\t" + std::to_string(g.first) + " objects\t" + shown);
    }
    s.out().data({{"target", t.display()}, {"objects", count}, {"size", bytes}},
                 format_size(bytes) + "\t" + std::to_string(count) + " objects\t" + t.display());
  }
  return exit_code(s);
}

int tree(Session& s, const CommandArgs& a) {
  for (const auto& arg : targets_or_dot(a)) {
    Target t = s.target(arg);
    std::string previous;  // folders already printed are the prefix of the previous path
    s.out().data({{"type", "folder"}, {"key", ""}, {"target", t.display()}}, t.display());
    auto st = list_target(s, t, {true, false}, [&](Entry&& e) {
      // Print every folder of e.rel not shared with the previous entry, then the file.
      size_t start = 0;
      while (true) {
        auto slash = e.rel.find('/', start);
        if (slash == std::string::npos) break;
        std::string folder = e.rel.substr(0, slash + 1);
        size_t depth = std::count(folder.begin(), folder.end(), '/');
        if (!previous.starts_with(folder)) {
          s.out().data({{"type", "folder"}, {"key", folder}, {"target", child_target(t, folder).display()}},
                       std::string(4 * (depth - 1), ' ') + "└─ " + last_component(folder) + "/");
        }
        start = slash + 1;
      }
      previous = e.rel;
      if (a.files) {
        size_t depth = std::count(e.rel.begin(), e.rel.end(), '/');
        s.out().data(entry_json(e, t), std::string(4 * depth, ' ') + "├─ " + last_component(e.rel));
      }
    }, "tree");
    if (!st) s.out().error("tree", t.display(), st.error());
  }
  return exit_code(s);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct FindFilter {
  std::optional<uint64_t> larger, smaller;
  std::optional<int64_t> older, newer;  // cutoffs
  bool matches(const CommandArgs& a, const Entry& e) const {
    if (!a.name.empty() && !glob_match(a.name, last_component(e.rel))) return false;
    if (larger && e.size <= *larger) return false;
    if (smaller && e.size >= *smaller) return false;
    if (older && e.mtime_ns >= *older) return false;
    if (newer && e.mtime_ns < *newer) return false;
    return true;
  }
};

int find(Session& s, const CommandArgs& a) {
  FindFilter f;
  bool bad = false;
  if (!a.larger.empty() && !(f.larger = parse_size(a.larger))) bad = true;
  if (!a.smaller.empty() && !(f.smaller = parse_size(a.smaller))) bad = true;
  f.older = cutoff_ns(a.older_than, bad);
  f.newer = cutoff_ns(a.newer_than, bad);
  if (bad) return usage_error(s, "find", "sizes are like 1MiB, ages like 7d, 12h, 1d6h");
  for (const auto& arg : targets_or_dot(a)) {
    Target t = s.target(arg);
    auto st = list_target(s, t, {true, false}, [&](Entry&& e) {
      if (e.dir || !f.matches(a, e)) return;
      std::string path = entry_target(e, t);
      if (a.exec.empty()) return s.out().data(entry_json(e, t), path);
      std::string cmd = a.exec;
      for (size_t at; (at = cmd.find("{}")) != std::string::npos;) cmd.replace(at, 2, shell_quote(path));
      int rc = std::system(cmd.c_str());
      if (rc != 0) {
        s.out().error("find", path, local_error("--exec exited with status " +
                                                std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : rc)));
      }
    }, "find");
    if (!st) s.out().error("find", t.display(), st.error());
  }
  return exit_code(s);
}

}  // namespace

void add_list_commands(Registry& r) {
  auto& a = r.args;
  auto* ls = r.add("ls", "List buckets, objects and local folders",
                   "  silo ls local                 # buckets\n  silo ls local/photos/2024/\n"
                   "  silo ls -r --summarize local/photos\n  silo ls --versions local/photos/cat.jpg\n"
                   "  silo ls ./pics                # a local folder\n",
                   list);
  ls->add_option("TARGET", a.args, "ALIAS[/BUCKET[/PREFIX]] or a local path (default .)");
  ls->add_flag("-r,--recursive", a.recursive, "List everything below, not one level");
  ls->add_flag("--versions", a.versions, "List every version and delete marker");
  ls->add_flag("--summarize", a.summarize, "Print the total count and size at the end");

  auto* du = r.add("du", "Total size and count of objects below a target",
                   "  silo du local/photos\n  silo du -d 1 local/photos   # per top-level folder too\n",
                   disk_usage);
  du->add_option("TARGET", a.args, "ALIAS/BUCKET[/PREFIX] or a local folder");
  du->add_option("-d,--depth", a.depth, "Also show each folder at depth 1");
  du->add_flag("--versions", a.versions, "Count every version");

  auto* tr = r.add("tree", "Show the folder tree below a target",
                   "  silo tree local/photos\n  silo tree --files local/photos/2024\n", tree);
  tr->add_option("TARGET", a.args, "ALIAS/BUCKET[/PREFIX] or a local folder");
  tr->add_flag("-f,--files", a.files, "Show files as well as folders");

  auto* fd = r.add("find", "Find objects or files by name, size and age",
                   "  silo find local/photos --name '*.jpg' --larger 1MiB --older-than 7d\n"
                   "  silo find local/logs --name '*.gz' --exec 'silo rm {}'\n",
                   find);
  fd->add_option("TARGET", a.args, "Where to search")->required();
  fd->add_option("--name", a.name, "Shell pattern matched against the base name");
  fd->add_option("--larger", a.larger, "Larger than SIZE (e.g. 1MiB)");
  fd->add_option("--smaller", a.smaller, "Smaller than SIZE");
  fd->add_option("--older-than", a.older_than, "Last modified more than AGE ago (e.g. 7d, 12h)");
  fd->add_option("--newer-than", a.newer_than, "Last modified less than AGE ago");
  fd->add_option("--exec", a.exec, "Run a shell command per match; {} is the match (quoted)");
}

}  // namespace silo::client
