#include "storage/fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

namespace silo::storage {

std::string errno_text(int err) { return std::strerror(err); }

Error errno_error(std::string_view what, int err) {
  bool full = err == ENOSPC || err == EDQUOT;
  return Error(full ? ErrorCode::kStorageFull : ErrorCode::kInternalError,
               std::string(what) + ": " + errno_text(err));
}

std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

Status fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::kInternalError, "open " + path + ": " + errno_text(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return fail(errno_error("fsync " + path, err));
  return {};
}

Status make_dirs_durable(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail(ErrorCode::kInternalError, path + " exists and is not a directory");
  }
  std::string parent = parent_dir(path);
  if (parent != path) {
    if (auto s = make_dirs_durable(parent); !s) return s;
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail(errno_error("mkdir " + path, errno));
  }
  return fsync_path(parent);
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

Status write_file_durable(const std::string& path, std::string_view contents) {
  // A name of this writer's own: two threads writing the same file (a
  // node formatting its drive while the first node formats it through the
  // internode protocol) must not rename each other's half-written file.
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::kInternalError, "create " + tmp + ": " + errno_text(errno));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return fail(ErrorCode::kInternalError, "write " + tmp + ": " + errno_text(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return fail(ErrorCode::kInternalError, "fsync " + tmp + ": " + errno_text(err));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(ErrorCode::kInternalError, "rename " + tmp + ": " + errno_text(errno));
  }
  return fsync_path(parent_dir(path));
}

Result<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(errno == ENOENT ? ErrorCode::kNoSuchKey : ErrorCode::kInternalError,
                "open " + path + ": " + errno_text(errno));
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return fail(ErrorCode::kInternalError, "read " + path + ": " + errno_text(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 20)) {
      ::close(fd);
      return fail(ErrorCode::kInternalError, path + " is too large");
    }
  }
  ::close(fd);
  return out;
}

}  // namespace silo::storage
