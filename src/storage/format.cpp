#include "storage/format.h"

#include <nlohmann/json.hpp>

#include "storage/fs_util.h"

namespace silo::storage {

namespace {
std::string format_path(const std::string& root) { return root + "/.silo/format.json"; }
}  // namespace

Result<std::optional<Format>> read_format(const std::string& root) {
  auto text = read_small_file(format_path(root));
  if (!text) {
    if (text.error().code == ErrorCode::kNoSuchKey) return std::optional<Format>{};
    return std::unexpected(text.error());
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  auto not_silo = [&] {
    return fail(ErrorCode::kInternalError,
                format_path(root) + " is not a Silo format file; refusing to use " + root);
  };
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != "silo-1" || !j.contains("deployment_id") ||
      !j.contains("drive_id") || !j.contains("sets")) {
    return not_silo();
  }
  try {
    Format f;
    f.deployment_id = j["deployment_id"].get<std::string>();
    f.drive_id = j["drive_id"].get<std::string>();
    f.sets = j["sets"].get<std::vector<std::vector<std::string>>>();
    return std::optional<Format>(std::move(f));
  } catch (const nlohmann::json::exception&) {
    return fail(ErrorCode::kInternalError, format_path(root) + " is corrupt");
  }
}

Status write_format(const std::string& root, const Format& f) {
  if (auto s = make_dirs_durable(root + "/.silo"); !s) return s;
  nlohmann::json j = {{"format", "silo-1"},
                      {"version", 1},
                      {"deployment_id", f.deployment_id},
                      {"drive_id", f.drive_id},
                      {"sets", f.sets}};
  return write_file_durable(format_path(root), j.dump(1) + "\n");
}

}  // namespace silo::storage
