#include "server/bootstrap.h"

#include <filesystem>
#include <map>
#include <optional>

#include "common/log.h"
#include "common/uuid.h"
#include "storage/format.h"
#include "storage/fs_util.h"

namespace silo::server {

using storage::Format;

Result<PoolLayout> prepare_drives(const std::vector<std::string>& paths, size_t set_size) {
  PoolLayout layout;
  layout.set_size = set_size;
  size_t n = paths.size();
  std::vector<std::optional<Format>> formats(n);
  for (size_t i = 0; i < n; ++i) {
    std::error_code ec;
    std::string path = std::filesystem::absolute(paths[i], ec).lexically_normal().string();
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    DriveSlot slot{path, "", false, true};
    if (auto s = storage::make_dirs_durable(path); !s) {
      spdlog::error("drive {} is not usable: {}", path, s.error().text());
      slot.reachable = false;
    } else {
      auto f = storage::read_format(path);
      if (!f) {
        if (f.error().text().find("not a Silo format") != std::string::npos ||
            f.error().text().find("corrupt") != std::string::npos) {
          return fail(f.error().code, std::string(f.error().text()));
        }
        spdlog::error("drive {} is not readable: {}", path, f.error().text());
        slot.reachable = false;
      } else {
        formats[i] = std::move(*f);
      }
    }
    layout.drives.push_back(std::move(slot));
  }

  // The reference layout: the one most formatted drives carry.
  std::map<std::string, size_t> votes;
  for (const auto& f : formats) {
    if (f) votes[f->deployment_id]++;
  }
  if (votes.empty()) {
    bool all_reachable = true;
    for (const auto& d : layout.drives) all_reachable = all_reachable && d.reachable;
    if (!all_reachable) {
      return fail(ErrorCode::kInternalError,
                  "some drives cannot be read and none is formatted yet; fix the drives "
                  "listed above and start again");
    }
    // A new deployment: format every drive.
    layout.deployment_id = new_uuid();
    std::vector<std::vector<std::string>> sets(n / set_size);
    for (size_t i = 0; i < n; ++i) {
      layout.drives[i].drive_id = new_uuid();
      sets[i / set_size].push_back(layout.drives[i].drive_id);
    }
    for (size_t i = 0; i < n; ++i) {
      Format f{layout.deployment_id, layout.drives[i].drive_id, sets};
      if (auto s = storage::write_format(layout.drives[i].path, f); !s) {
        return std::unexpected(s.error());
      }
    }
    return layout;
  }
  auto best = std::max_element(votes.begin(), votes.end(),
                               [](auto& a, auto& b) { return a.second < b.second; });
  layout.deployment_id = best->first;
  const Format* reference = nullptr;
  for (const auto& f : formats) {
    if (f && f->deployment_id == layout.deployment_id) {
      reference = &*f;
      break;
    }
  }
  size_t ref_drives = 0;
  for (const auto& s : reference->sets) ref_drives += s.size();
  if (ref_drives != n || reference->sets.empty() || reference->sets[0].size() != set_size) {
    return fail(ErrorCode::kInternalError,
                "the drives were formatted as " + std::to_string(reference->sets.size()) +
                    " erasure set(s) of " +
                    std::to_string(reference->sets.empty() ? 0 : reference->sets[0].size()) +
                    " drives (" + std::to_string(ref_drives) + " in all), but the command line gives " +
                    std::to_string(n) + " drives; start with the same drives as before");
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string& expected = reference->sets[i / set_size][i % set_size];
    auto& slot = layout.drives[i];
    slot.drive_id = expected;
    const auto& f = formats[i];
    if (!slot.reachable) continue;
    if (!f) {
      // An empty folder where a formatted drive was: a replaced drive.
      std::error_code ec;
      std::filesystem::remove_all(slot.path + "/.silo", ec);
      Format fresh{layout.deployment_id, expected, reference->sets};
      if (auto s = storage::write_format(slot.path, fresh); !s) return std::unexpected(s.error());
      slot.replaced = true;
      spdlog::warn("drive {} is new or was replaced: formatted it; it will be healed", slot.path);
      continue;
    }
    if (f->deployment_id != layout.deployment_id) {
      return fail(ErrorCode::kInternalError,
                  "drive " + slot.path + " belongs to another deployment (" + f->deployment_id +
                      "); remove it from the command line or wipe it");
    }
    if (f->drive_id != expected) {
      return fail(ErrorCode::kInternalError,
                  "drive " + slot.path + " is not in the position it was formatted for; give "
                  "the drives in the same order as when they were first started");
    }
  }
  return layout;
}

}  // namespace silo::server
