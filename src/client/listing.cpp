#include "client/listing.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "client/cli_units.h"

namespace silo::client {
namespace {

namespace fs = std::filesystem;
using RawSink = std::function<void(Entry&&)>;  // e.key is the full key

int64_t mtime_of(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void emit_prefixes(std::vector<std::string>& prefixes, const RawSink& sink) {
  for (auto& p : prefixes) {
    Entry e;
    e.key = std::move(p);
    e.dir = true;
    sink(std::move(e));
  }
}

Entry object_entry(std::string key, uint64_t size, std::string etag, const std::string& modified) {
  Entry e;
  e.key = std::move(key);
  e.size = size;
  e.etag = std::move(etag);
  e.mtime_ns = parse_s3_time(modified).value_or(0);
  return e;
}

S3Status list_plain(Session& s, S3Client& c, const Target& t, const std::string& prefix,
                    const std::string& delimiter, const RawSink& sink) {
  ListOptions o;
  o.prefix = prefix;
  o.delimiter = delimiter;
  while (true) {
    auto page = with_retry(s.retry(), [&] { return c.list_objects_v2(t.bucket, o); });
    if (!page) return std::unexpected(page.error());
    for (auto& obj : page->objects) {
      sink(object_entry(std::move(obj.key), obj.size, std::move(obj.etag), obj.last_modified));
    }
    emit_prefixes(page->common_prefixes, sink);
    if (!page->is_truncated || page->next_continuation_token.empty()) return {};
    o.continuation_token = page->next_continuation_token;
  }
}

S3Status list_versions(Session& s, S3Client& c, const Target& t, const std::string& prefix,
                       const std::string& delimiter, const RawSink& sink) {
  VersionListOptions o;
  o.prefix = prefix;
  o.delimiter = delimiter;
  while (true) {
    auto page = with_retry(s.retry(), [&] { return c.list_object_versions(t.bucket, o); });
    if (!page) return std::unexpected(page.error());
    if (page->unversioned) {
      // No versioning on this server: every object is its only ("null") version.
      return list_plain(s, c, t, prefix, delimiter, [&](Entry&& e) {
        if (!e.dir) e.version_id = "null";
        sink(std::move(e));
      });
    }
    for (auto& v : page->versions) {
      Entry e = object_entry(std::move(v.key), v.size, std::move(v.etag), v.last_modified);
      e.version_id = std::move(v.version_id);
      e.is_latest = v.is_latest;
      e.delete_marker = v.delete_marker;
      sink(std::move(e));
    }
    emit_prefixes(page->common_prefixes, sink);
    if (!page->is_truncated) return {};
    o.key_marker = page->next_key_marker;
    o.version_id_marker = page->next_version_id_marker;
  }
}

S3Status list_buckets(Session& s, S3Client& c, const EntrySink& sink) {
  auto buckets = with_retry(s.retry(), [&] { return c.list_buckets(); });
  if (!buckets) return std::unexpected(buckets.error());
  for (auto& b : *buckets) {
    Entry e;
    e.rel = b.name + "/";
    e.key = b.name;
    e.dir = true;
    e.mtime_ns = parse_s3_time(b.creation_date).value_or(0);
    sink(std::move(e));
  }
  return {};
}

S3Status list_remote(Session& s, const Target& t, const ListSpec& spec, const EntrySink& sink) {
  auto client = s.client(t.alias);
  if (!client) return std::unexpected(client.error());
  S3Client& c = **client;
  if (t.bucket.empty()) return list_buckets(s, c, sink);
  auto raw = [&](const std::string& prefix, const std::string& delimiter, const RawSink& f) {
    return spec.versions ? list_versions(s, c, t, prefix, delimiter, f)
                         : list_plain(s, c, t, prefix, delimiter, f);
  };
  const std::string& key = t.key;
  std::string delimiter = spec.recursive ? "" : "/";
  auto below = [&](const std::string& base) {
    return [&sink, base](Entry&& e) {
      e.rel = e.key.substr(base.size());
      sink(std::move(e));
    };
  };
  if (key.empty() || key.back() == '/') return raw(key, delimiter, below(key));
  std::string folder = key + "/";
  bool has_folder = false;
  auto st = raw(key, delimiter, [&](Entry&& e) {
    if (e.key == key && !e.dir) {
      e.rel = last_component(key);
      sink(std::move(e));
    } else if (spec.recursive && e.key.starts_with(folder)) {
      e.rel = e.key.substr(folder.size());
      sink(std::move(e));
    } else if (e.dir && e.key == folder) {
      has_folder = true;
    }
  });
  if (!st || spec.recursive || !has_folder) return st;
  return raw(folder, delimiter, below(folder));
}

// One directory entry of a local walk; false when it was skipped.
bool local_entry(Session& s, const fs::directory_entry& d, const fs::path& root,
                 bool recursive, std::string_view command, std::vector<Entry>& out) {
  std::string rel = d.path().lexically_relative(root).generic_string();
  struct stat lst {}, st {};
  if (::lstat(d.path().c_str(), &lst) != 0) return false;
  bool link = S_ISLNK(lst.st_mode);
  if (::stat(d.path().c_str(), &st) != 0) {
    s.out().warning(command, d.path().string(), "broken symlink; skipped");
    return false;
  }
  Entry e;
  e.key = d.path().string();
  e.mtime_ns = mtime_of(st);
  if (S_ISDIR(st.st_mode)) {
    if (link) {
      s.out().warning(command, e.key, "symlink to a folder; not followed");
      return false;
    }
    if (recursive) return true;  // its files come next
    e.rel = rel + "/";
    e.dir = true;
  } else if (S_ISREG(st.st_mode)) {
    e.rel = rel;
    e.size = static_cast<uint64_t>(st.st_size);
  } else {
    s.out().warning(command, e.key, "not a regular file (FIFO, socket or device); skipped");
    return false;
  }
  out.push_back(std::move(e));
  return true;
}

S3Status list_local(Session& s, const Target& t, const ListSpec& spec, const EntrySink& sink,
                    std::string_view command) {
  struct stat st {};
  if (::stat(t.path.c_str(), &st) != 0) {
    return std::unexpected(local_error(std::string(std::strerror(errno))));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (!S_ISREG(st.st_mode)) return std::unexpected(local_error("not a regular file or folder"));
    Entry e;
    e.rel = last_component(t.path);
    e.key = t.path;
    e.size = static_cast<uint64_t>(st.st_size);
    e.mtime_ns = mtime_of(st);
    sink(std::move(e));
    return {};
  }
  std::vector<Entry> entries;
  std::error_code ec;
  fs::path root(t.path);
  if (spec.recursive) {
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      local_entry(s, *it, root, true, command, entries);
    }
  } else {
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      local_entry(s, *it, root, false, command, entries);
    }
  }
  if (ec) return std::unexpected(local_error(ec.message()));
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.rel < b.rel; });
  for (auto& e : entries) sink(std::move(e));
  return {};
}

}  // namespace

S3Status list_target(Session& s, const Target& t, const ListSpec& spec, const EntrySink& sink,
                     std::string_view command) {
  return t.remote ? list_remote(s, t, spec, sink) : list_local(s, t, spec, sink, command);
}

bool is_container(Session& s, const Target& t) {
  if (!t.remote) {
    std::error_code ec;
    return fs::is_directory(t.path, ec);
  }
  if (t.bucket.empty() || t.key.empty() || t.key.back() == '/') return true;
  auto c = s.client(t.alias);
  if (!c) return false;
  ListOptions o;
  o.prefix = t.key + "/";
  o.max_keys = 1;
  auto page = with_retry(s.retry(), [&] { return (*c)->list_objects_v2(t.bucket, o); });
  return page && (!page->objects.empty() || !page->common_prefixes.empty());
}

}  // namespace silo::client
