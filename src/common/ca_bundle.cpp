#include "common/ca_bundle.h"

#include "common/files.h"

#include <algorithm>
#include <filesystem>
#include <optional>

namespace silo {

namespace fs = std::filesystem;

Result<CaBundle> read_ca_bundle(const std::string& extra_dir, const std::string& system_bundle) {
  CaBundle bundle;
  std::error_code ec;
  if (!system_bundle.empty() && fs::exists(system_bundle, ec)) {
    auto text = read_whole_file(system_bundle);
    if (!text) return fail(ErrorCode::kInvalidArgument, "cannot read " + system_bundle);
    bundle.pem = std::move(*text);
  }
  std::vector<fs::path> files;
  if (!extra_dir.empty() && fs::is_directory(extra_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(extra_dir, ec)) {
      auto ext = entry.path().extension();
      if ((ext == ".crt" || ext == ".pem") && entry.is_regular_file(ec)) {
        files.push_back(entry.path());
      }
    }
    if (ec) return fail(ErrorCode::kInvalidArgument, "cannot list " + extra_dir + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto text = read_whole_file(f);
    if (!text) return fail(ErrorCode::kInvalidArgument, "cannot read CA file " + f.string());
    if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "CA file " + f.string() + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    if (!bundle.pem.empty() && bundle.pem.back() != '\n') bundle.pem.push_back('\n');
    bundle.pem += *text;
    bundle.extra.push_back(f.string());
  }
  return bundle;
}

}  // namespace silo
