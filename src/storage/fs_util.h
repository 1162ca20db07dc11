// POSIX file helpers with the durability steps spelled out (fsync of files
// and of the directories that name them).
#pragma once

#include <string>

#include "common/error.h"

namespace silo::storage {

// Creates `path` and missing parents; fsyncs each parent whose entries changed.
Status make_dirs_durable(const std::string& path);
Status fsync_path(const std::string& path);
// Recursively removes `path`; a missing path is not an error.
void remove_tree(const std::string& path);
Status write_file_durable(const std::string& path, std::string_view contents);
Result<std::string> read_small_file(const std::string& path);
std::string parent_dir(const std::string& path);
std::string errno_text(int err);
// "`what`: <strerror>" as kStorageFull when `err` says the filesystem or the
// quota is full (ENOSPC, EDQUOT), kInternalError otherwise.
Error errno_error(std::string_view what, int err);

}  // namespace silo::storage
