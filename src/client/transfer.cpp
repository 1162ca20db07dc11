#include "client/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "client/cli_units.h"
#include "client/multipart.h"
#include "common/hash.h"
#include "common/strings.h"

namespace silo::client {
namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

bool has_header(const HeaderList& h, std::string_view name) {
  for (const auto& [n, v] : h) {
    if (n == name) return true;
  }
  return false;
}

S3Error errno_error(const std::string& path) {
  return local_error(path + ": " + std::strerror(errno));
}

}  // namespace

std::string guess_content_type(const std::string& name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".txt", "text/plain"},        {".html", "text/html"},        {".htm", "text/html"},
      {".css", "text/css"},          {".js", "text/javascript"},    {".json", "application/json"},
      {".xml", "application/xml"},   {".csv", "text/csv"},          {".md", "text/markdown"},
      {".jpg", "image/jpeg"},        {".jpeg", "image/jpeg"},       {".png", "image/png"},
      {".gif", "image/gif"},         {".svg", "image/svg+xml"},     {".webp", "image/webp"},
      {".pdf", "application/pdf"},   {".zip", "application/zip"},   {".gz", "application/gzip"},
      {".tar", "application/x-tar"}, {".mp4", "video/mp4"},         {".mp3", "audio/mpeg"},
      {".wasm", "application/wasm"}, {".ico", "image/x-icon"},      {".bin", "application/octet-stream"}};
  std::string lower = to_lower(name);
  for (const auto& [ext, type] : kTypes) {
    if (lower.ends_with(ext)) return std::string(type);
  }
  return "application/octet-stream";
}

S3Result<TransferResult> upload_file(Session& s, const std::string& path, const ObjectRef& dst,
                                     HeaderList headers) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) return std::unexpected(errno_error(path));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return std::unexpected(errno_error(path));
  if (!S_ISREG(st.st_mode)) {
    return std::unexpected(local_error(path + ": not a regular file (use silo pipe for streams)"));
  }
  if (!has_header(headers, "content-type")) headers.emplace_back("content-type", guess_content_type(path));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  s.out().add_total(size);
  if (size > s.part_size()) {
    int fd = file.fd;
    return run_multipart(s, dst, size, headers, [fd](S3Client& c, const MultipartPart& p) -> S3Result<std::string> {
      auto r = c.upload_part_from(p.bucket, p.key, p.upload_id, p.number, FileRange{fd, p.offset, p.length});
      if (!r) return std::unexpected(r.error());
      if (is_md5_etag(r->etag) && r->etag != r->sent_md5) {
        return std::unexpected(digest_mismatch("part " + std::to_string(p.number)));
      }
      return r->etag;
    });
  }
  auto client = s.client(dst.alias);
  if (!client) return std::unexpected(client.error());
  Session::Slot slot(s);
  auto r = with_retry(s.retry(), [&]() -> S3Result<PutResult> {
    auto put = (*client)->put_object_from(dst.bucket, dst.key, FileRange{file.fd, 0, size}, {headers});
    if (put && is_md5_etag(put->etag) && put->etag != put->sent_md5) {
      return std::unexpected(digest_mismatch(dst.key));
    }
    return put;
  });
  if (!r) return std::unexpected(r.error());
  return TransferResult{size, r->etag, false, false};
}

S3Result<ObjectInfo> read_object(Session& s, const ObjectRef& src, const BodySink& sink) {
  auto client = s.client(src.alias);
  if (!client) return std::unexpected(client.error());
  Session::Slot slot(s);
  uint64_t delivered = 0;
  bool stopped = false;
  auto r = with_retry(s.retry(), [&]() -> S3Result<ObjectInfo> {
    uint64_t seen = 0;  // bytes of this attempt's body
    BodySink skip = [&](std::string_view piece) {
      uint64_t start = seen;
      seen += piece.size();
      if (seen <= delivered) return true;  // sent by an earlier attempt
      piece.remove_prefix(static_cast<size_t>(delivered > start ? delivered - start : 0));
      delivered += piece.size();
      if (!sink(piece)) stopped = true;
      return !stopped;
    };
    return (*client)->get_object(src.bucket, src.key, skip);
  });
  if (!r && stopped) return ObjectInfo{200, delivered, {}, {}, {}, {}, {}, {}, {}};
  if (r) r->size = delivered;
  return r;
}

S3Result<TransferResult> download_file(Session& s, const ObjectRef& src, const std::string& path) {
  std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  std::string partial = path + ".silo-partial";
  Fd file(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (file.fd < 0) return std::unexpected(errno_error(partial));
  Digest md5(Digest::Algorithm::kMd5);
  bool write_failed = false;
  auto info = read_object(s, src, [&](std::string_view piece) {
    md5.update(piece);
    while (!piece.empty()) {
      ssize_t n = ::write(file.fd, piece.data(), piece.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return !(write_failed = true);
      piece.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  });
  S3Error error;
  if (write_failed) error = errno_error(partial);
  else if (!info) error = info.error();
  else if (is_md5_etag(info->etag) && hex_encode(md5.finish()) != info->etag) error = digest_mismatch(src.key);
  if (write_failed || !info || !error.code.empty()) {
    ::unlink(partial.c_str());
    return std::unexpected(error);
  }
  if (auto t = parse_s3_time(info->last_modified)) {
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = *t / 1'000'000'000;
    times[0].tv_nsec = times[1].tv_nsec = *t % 1'000'000'000;
    ::futimens(file.fd, times);
  }
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    S3Error e = errno_error(path);
    ::unlink(partial.c_str());
    return std::unexpected(e);
  }
  return TransferResult{info->size, info->etag, false, false};
}

}  // namespace silo::client
