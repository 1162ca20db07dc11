// Test support: a fresh folder, removed with its contents. On tmpfs when
// there is one: LocalDrive fsyncs every commit, which costs milliseconds on a
// real disk.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace silo::test_support {

class TempDir {
 public:
  TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path base = ::access("/dev/shm", W_OK) == 0 && fs::is_directory("/dev/shm", ec)
                        ? fs::path("/dev/shm")
                        : fs::temp_directory_path();
    std::string tmpl = (base / "silo-unit-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace silo::test_support
