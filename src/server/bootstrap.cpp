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

namespace {
bool folder_exists(const std::string& path) {
  // An error other than "not found" (e.g. no permission) is an existing
  // folder that cannot be read: reported as unreadable, never created.
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  return exists || static_cast<bool>(ec);
}

std::string absolute_path(const std::string& p) {
  std::error_code ec;
  std::string path = std::filesystem::absolute(p, ec).lexically_normal().string();
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The drives of each set that hold no format of this deployment, with why,
// when a set has fewer formatted drives than the read quorum.
std::string below_quorum(const PoolLayout& layout, const std::vector<std::optional<Format>>& formats,
                         size_t read_quorum) {
  std::string out;
  size_t size = layout.set_size;
  for (size_t s = 0; s < layout.drives.size() / size; ++s) {
    size_t present = 0;
    std::string absent;
    for (size_t i = s * size; i < (s + 1) * size; ++i) {
      const auto& f = formats[i];
      if (f && f->deployment_id == layout.deployment_id) {
        ++present;
        continue;
      }
      const auto& d = layout.drives[i];
      absent += "\n  " + d.path +
                (d.missing    ? " (does not exist)"
                 : !d.reachable ? " (cannot be read)"
                 : f            ? " (belongs to another deployment)"
                                : " (empty: no format.json)");
    }
    if (present >= read_quorum) continue;
    out += "\nerasure set " + std::to_string(s + 1) + " has " + std::to_string(present) + " of " +
           std::to_string(size) + " drives, fewer than its read quorum of " +
           std::to_string(read_quorum) + "; missing:" + absent;
  }
  return out;
}
// A pool formatted for another deployment than the first pool's.
Status same_deployment(const std::string& found, const std::string& expected,
                       const std::string& first_drive) {
  if (expected.empty() || found == expected) return {};
  return fail(ErrorCode::kInternalError,
              "the pool of drive " + first_drive + " belongs to deployment " + found +
                  ", the first pool to " + expected +
                  "; a pool joins a deployment only while its drives are empty (wipe them, "
                  "or remove the pool from the command line)");
}
}  // namespace

Result<PoolLayout> prepare_drives(const std::vector<std::string>& paths, size_t set_size,
                                  size_t read_quorum, const std::string& deployment_id) {
  PoolLayout layout;
  layout.set_size = set_size;
  size_t n = paths.size();
  std::vector<std::optional<Format>> formats(n);
  for (size_t i = 0; i < n; ++i) {
    DriveSlot slot{absolute_path(paths[i]), "", false, true, false};
    if (!folder_exists(slot.path)) {
      // Created only if this turns out to be a new deployment (below).
      slot.missing = true;
      slot.reachable = false;
    } else {
      auto f = storage::read_format(slot.path);
      if (!f) {
        if (f.error().text().find("not a Silo format") != std::string::npos ||
            f.error().text().find("corrupt") != std::string::npos) {
          return fail(f.error().code, std::string(f.error().text()));
        }
        spdlog::error("drive {} is not readable: {}", slot.path, f.error().text());
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
    // A new deployment: its folders may be created.
    for (auto& d : layout.drives) {
      if (!d.missing) continue;
      if (auto st = storage::make_dirs_durable(d.path); !st) {
        spdlog::error("drive {} is not usable: {}", d.path, st.error().text());
        continue;
      }
      d.missing = false;
      d.reachable = true;
    }
    bool all_reachable = true;
    for (const auto& d : layout.drives) all_reachable = all_reachable && d.reachable;
    if (!all_reachable) {
      return fail(ErrorCode::kInternalError,
                  "some drives cannot be read and none is formatted yet; fix the drives "
                  "listed above and start again");
    }
    // A new deployment (or a new pool of one): format every drive.
    layout.deployment_id = deployment_id.empty() ? new_uuid() : deployment_id;
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
  if (auto s = same_deployment(layout.deployment_id, deployment_id, paths.front()); !s) {
    return std::unexpected(s.error());
  }
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
  if (auto absent = below_quorum(layout, formats, read_quorum); !absent.empty()) {
    return fail(ErrorCode::kInternalError,
                "too few drives to start; nothing was created or formatted:" + absent +
                    "\nBring these drives back (mount them, or restore their folders) and start "
                    "again.");
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string& expected = reference->sets[i / set_size][i % set_size];
    auto& slot = layout.drives[i];
    slot.drive_id = expected;
    const auto& f = formats[i];
    if (slot.missing) {
      spdlog::error("drive {} does not exist: it is offline and will not be created; restore or "
                    "mount it, or create an empty folder there to replace it",
                    slot.path);
      continue;
    }
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

bool format_replacement(const PoolLayout& layout, size_t index) {
  const auto& slot = layout.drives[index];
  std::error_code ec;
  if (!std::filesystem::is_directory(slot.path, ec) ||
      !std::filesystem::is_empty(slot.path, ec) || ec) {
    return false;
  }
  std::vector<std::vector<std::string>> sets(layout.drives.size() / layout.set_size);
  for (size_t i = 0; i < layout.drives.size(); ++i) {
    sets[i / layout.set_size].push_back(layout.drives[i].drive_id);
  }
  Format fresh{layout.deployment_id, slot.drive_id, std::move(sets)};
  if (auto s = storage::write_format(slot.path, fresh); !s) {
    spdlog::error("drive {}: cannot format the replacement: {}", slot.path, s.error().text());
    return false;
  }
  spdlog::warn("drive {} was replaced by an empty folder: formatted it; it will be healed",
               slot.path);
  return true;
}

// ---- Distributed deployments

FormatAccess local_format_access(const std::string& path) {
  FormatAccess access;
  access.read = [path] {
    DriveState state;
    if (!folder_exists(path)) {
      state.kind = DriveState::Kind::kMissing;
      return state;
    }
    auto f = storage::read_format(path);
    if (!f) {
      state.kind = DriveState::Kind::kUnreadable;
      state.why = f.error().text();
    } else if (*f) {
      state.kind = DriveState::Kind::kFormatted;
      state.format = std::move(*f);
    } else {
      state.kind = DriveState::Kind::kEmpty;
    }
    return state;
  };
  access.write = [path](const Format& format) { return storage::write_format(path, format); };
  access.create = [path] { return storage::make_dirs_durable(path); };
  return access;
}

namespace {

using Kind = DriveState::Kind;

Status wait_for(std::string why) { return fail(ErrorCode::kServiceUnavailable, std::move(why)); }

// A new deployment: formatted by the first node once every drive answers.
Result<PoolLayout> format_new_cluster(const cluster::Topology& topology,
                                      std::vector<FormatAccess>& drives,
                                      const std::vector<DriveState>& states,
                                      const std::string& deployment_id) {
  std::string unreachable;
  for (size_t i = 0; i < states.size(); ++i) {
    if (states[i].kind == Kind::kUnreachable || states[i].kind == Kind::kUnreadable) {
      unreachable += "\n  " + topology.drives[i].display() + ": " + states[i].why;
    }
  }
  if (!unreachable.empty()) {
    return std::unexpected(
        wait_for("a new deployment is formatted once every drive answers; waiting for:" +
                 unreachable)
            .error());
  }
  // Every node creates its own missing folders; the formatting waits for
  // all of them.
  std::string missing;
  for (size_t i = 0; i < states.size(); ++i) {
    if (states[i].kind != Kind::kMissing) continue;
    if (drives[i].create) {
      if (auto s = drives[i].create(); !s) {
        return fail(s.error().code, "cannot create drive folder " + topology.drives[i].path +
                                        ": " + std::string(s.error().text()));
      }
      continue;
    }
    missing += "\n  " + topology.drives[i].display();
  }
  if (!missing.empty()) {
    return std::unexpected(
        wait_for("waiting for the nodes of these drives to create their folders:" + missing)
            .error());
  }
  if (topology.self != topology.first_node()) {
    return std::unexpected(
        wait_for("waiting for " + topology.first_node() + " to format the new deployment")
            .error());
  }
  PoolLayout layout;
  layout.set_size = topology.set_size;
  layout.deployment_id = deployment_id.empty() ? new_uuid() : deployment_id;
  size_t n = topology.drives.size();
  std::vector<std::vector<std::string>> sets(n / topology.set_size);
  for (size_t i = 0; i < n; ++i) {
    layout.drives.push_back({topology.drives[i].display(), new_uuid(), false, true, false});
    sets[i / topology.set_size].push_back(layout.drives[i].drive_id);
  }
  for (size_t i = 0; i < n; ++i) {
    Format f{layout.deployment_id, layout.drives[i].drive_id, sets};
    if (auto s = drives[i].write(f); !s) {
      // Its node may have gone on already (it found its drives formatted
      // and restarts its listener): the next round finds the deployment
      // formatted in part and completes it as any other.
      return std::unexpected(wait_for("formatting drive " + topology.drives[i].display() +
                                      " failed: " + std::string(s.error().text()))
                                 .error());
    }
  }
  spdlog::info("formatted a new deployment of {} drives on {} nodes", n, topology.nodes.size());
  return layout;
}

}  // namespace

Result<PoolLayout> prepare_cluster(const cluster::Topology& topology,
                                   std::vector<FormatAccess>& drives, size_t read_quorum,
                                   const std::string& deployment_id) {
  size_t n = topology.drives.size();
  std::vector<DriveState> states(n);
  for (size_t i = 0; i < n; ++i) states[i] = drives[i].read();

  std::map<std::string, size_t> votes;
  for (const auto& s : states) {
    if (s.format) votes[s.format->deployment_id]++;
  }
  if (votes.empty()) return format_new_cluster(topology, drives, states, deployment_id);

  auto best = std::max_element(votes.begin(), votes.end(),
                               [](auto& a, auto& b) { return a.second < b.second; });
  PoolLayout layout;
  layout.set_size = topology.set_size;
  layout.deployment_id = best->first;
  if (auto s = same_deployment(layout.deployment_id, deployment_id,
                               topology.drives.front().display());
      !s) {
    return std::unexpected(s.error());
  }
  const Format* reference = nullptr;
  for (const auto& s : states) {
    if (s.format && s.format->deployment_id == layout.deployment_id) {
      reference = &*s.format;
      break;
    }
  }
  size_t ref_drives = 0;
  for (const auto& set : reference->sets) ref_drives += set.size();
  if (ref_drives != n || reference->sets.empty() || reference->sets[0].size() != topology.set_size) {
    return fail(ErrorCode::kInternalError,
                "the drives were formatted as " + std::to_string(reference->sets.size()) +
                    " erasure set(s) of " +
                    std::to_string(reference->sets.empty() ? 0 : reference->sets[0].size()) +
                    " drives (" + std::to_string(ref_drives) +
                    " in all), but the command line gives " + std::to_string(n) +
                    " drives; start every node with the same endpoints as before");
  }
  std::vector<std::optional<Format>> formats(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& state = states[i];
    const auto& endpoint = topology.drives[i];
    const std::string& expected = reference->sets[i / topology.set_size][i % topology.set_size];
    DriveSlot slot{endpoint.display(), expected, false, true, false};
    if (state.format) {
      if (state.format->deployment_id != layout.deployment_id) {
        return fail(ErrorCode::kInternalError,
                    "drive " + slot.path + " belongs to another deployment (" +
                        state.format->deployment_id + "); remove it from the command line or "
                        "wipe it");
      }
      if (state.format->drive_id != expected) {
        return fail(ErrorCode::kInternalError,
                    "drive " + slot.path + " is not in the position it was formatted for; give "
                    "every node the endpoints in the same order as when they were first started");
      }
      formats[i] = state.format;
    } else if (state.kind == Kind::kEmpty && endpoint.local) {
      // An empty folder where a formatted drive was: a replaced drive.
      Format fresh{layout.deployment_id, expected, reference->sets};
      if (auto s = drives[i].write(fresh); !s) {
        return std::unexpected(wait_for("formatting drive " + slot.path + " failed: " +
                                        std::string(s.error().text()))
                                   .error());
      }
      formats[i] = fresh;
      slot.replaced = true;
      spdlog::warn("drive {} is new or was replaced: formatted it; it will be healed", slot.path);
    } else {
      // Another node's empty drive is its own to format; missing,
      // unreadable and unreachable drives are offline for now.
      slot.reachable = false;
      slot.missing = state.kind == Kind::kMissing;
    }
    layout.drives.push_back(std::move(slot));
  }
  if (auto absent = below_quorum(layout, formats, read_quorum); !absent.empty()) {
    return std::unexpected(wait_for("too few drives answer with this deployment's format:" +
                                    absent)
                               .error());
  }
  return layout;
}

}  // namespace silo::server
