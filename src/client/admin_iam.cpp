#include "client/admin_iam.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/units.h"

namespace silo::client {

namespace {

using json = nlohmann::json;

// What to send for one command, and how to show the answer.
struct AdminCall {
  std::string method, path, query, body;
  std::function<void(const json&)> print;
};

std::string q(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + uri_encode(value, false);
}

std::string join(const json& list, std::string_view none = "none") {
  std::string out;
  if (list.is_array()) {
    for (const auto& e : list) {
      if (!out.empty()) out += ", ";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
  }
  return out.empty() ? std::string(none) : out;
}

Result<std::string> read_file(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return fail(ErrorCode::kInvalidArgument, "cannot read " + path);
  return std::move(*text);
}

void print_user(const json& u) {
  std::cout << "AccessKey: " << u.value("accessKey", "") << "\n"
            << "Status:    " << u.value("status", "") << "\n"
            << "Policies:  " << join(u.value("policies", json::array())) << "\n"
            << "MemberOf:  " << join(u.value("memberOf", json::array())) << "\n";
}

void print_key(const json& k) {
  std::cout << "AccessKey:   " << k.value("accessKey", "") << "\n"
            << "ParentUser:  " << k.value("parent", "") << "\n"
            << "Status:      " << k.value("status", "") << "\n"
            << "Name:        " << k.value("name", "") << "\n"
            << "Description: " << k.value("description", "") << "\n"
            << "Expiration:  "
            << (k.contains("expiration") && k["expiration"].is_string()
                    ? k["expiration"].get<std::string>()
                    : std::string("no expiry"))
            << "\n";
  if (k.contains("policy")) {
    std::cout << "Policy:      "
              << (k["policy"].is_null() ? std::string("implied (the parent user's)")
                                        : k["policy"].dump(2))
              << "\n";
  }
}

Result<AdminCall> user_call(const AdminOptions& o, const std::vector<std::string>& args) {
  const std::string& sub = o.iam_action;
  auto need = [&](size_t n, const char* usage) -> Status {
    if (args.size() != n) return fail(ErrorCode::kInvalidArgument, std::string("usage: ") + usage);
    return {};
  };
  if (sub == "add") {
    if (auto s = need(2, "silo admin user add ALIAS USER SECRET"); !s) return std::unexpected(s.error());
    return AdminCall{"PUT", "add-user", q("accessKey", args[0]),
                     json{{"secretKey", args[1]}, {"status", "enabled"}}.dump(),
                     [](const json& j) {
                       std::cout << "Added user `" << j.value("accessKey", "") << "` successfully.\n";
                     }};
  }
  if (sub == "remove") {
    if (auto s = need(1, "silo admin user remove ALIAS USER"); !s) return std::unexpected(s.error());
    return AdminCall{"DELETE", "remove-user", q("accessKey", args[0]), {}, [](const json& j) {
                       std::cout << "Removed user `" << j.value("accessKey", "") << "` successfully.\n";
                     }};
  }
  if (sub == "enable" || sub == "disable") {
    if (auto s = need(1, "silo admin user enable|disable ALIAS USER"); !s) {
      return std::unexpected(s.error());
    }
    return AdminCall{"PUT", "set-user-status",
                     q("accessKey", args[0]) + "&" + q("status", sub + "d"), {},
                     [sub](const json& j) {
                       std::cout << (sub == "enable" ? "Enabled" : "Disabled") << " user `"
                                 << j.value("accessKey", "") << "` successfully.\n";
                     }};
  }
  if (sub == "list") {
    if (auto s = need(0, "silo admin user list ALIAS"); !s) return std::unexpected(s.error());
    return AdminCall{"GET", "list-users", {}, {}, [](const json& j) {
                       for (const auto& u : j.value("users", json::array())) {
                         std::cout << u.value("status", "") << "  " << u.value("accessKey", "")
                                   << "  policies: " << join(u.value("policies", json::array()))
                                   << "\n";
                       }
                     }};
  }
  if (sub == "info") {
    if (auto s = need(1, "silo admin user info ALIAS USER"); !s) return std::unexpected(s.error());
    return AdminCall{"GET", "user-info", q("accessKey", args[0]), {}, print_user};
  }
  return fail(ErrorCode::kInvalidArgument, "silo admin user takes add, remove, enable, disable, list or info");
}

Result<AdminCall> group_call(const AdminOptions& o, const std::vector<std::string>& args) {
  const std::string& sub = o.iam_action;
  if (sub == "add" || sub == "remove") {
    if (args.empty() || (sub == "add" && args.size() < 2)) {
      return fail(ErrorCode::kInvalidArgument,
                  sub == "add" ? "usage: silo admin group add ALIAS GROUP USER..."
                               : "usage: silo admin group remove ALIAS GROUP [USER...]");
    }
    std::vector<std::string> members(args.begin() + 1, args.end());
    bool remove = sub == "remove";
    return AdminCall{"PUT", "update-group-members", {},
                     json{{"group", args[0]}, {"members", members}, {"isRemove", remove}}.dump(),
                     [remove, members](const json& j) {
                       std::string group = j.value("group", "");
                       if (!remove) {
                         std::cout << "Added members " << join(json(members)) << " to group "
                                   << group << " successfully.\n";
                       } else if (members.empty()) {
                         std::cout << "Removed group " << group << " successfully.\n";
                       } else {
                         std::cout << "Removed members " << join(json(members)) << " from group "
                                   << group << " successfully.\n";
                       }
                     }};
  }
  if (sub == "enable" || sub == "disable") {
    if (args.size() != 1) {
      return fail(ErrorCode::kInvalidArgument, "usage: silo admin group enable|disable ALIAS GROUP");
    }
    return AdminCall{"PUT", "set-group-status", q("group", args[0]) + "&" + q("status", sub + "d"),
                     {}, [sub](const json& j) {
                       std::cout << (sub == "enable" ? "Enabled" : "Disabled") << " group `"
                                 << j.value("group", "") << "` successfully.\n";
                     }};
  }
  if (sub == "list") {
    if (!args.empty()) return fail(ErrorCode::kInvalidArgument, "usage: silo admin group list ALIAS");
    return AdminCall{"GET", "groups", {}, {}, [](const json& j) {
                       for (const auto& g : j.value("groups", json::array())) {
                         std::cout << g.get<std::string>() << "\n";
                       }
                     }};
  }
  if (sub == "info") {
    if (args.size() != 1) return fail(ErrorCode::kInvalidArgument, "usage: silo admin group info ALIAS GROUP");
    return AdminCall{"GET", "group", q("group", args[0]), {}, [](const json& j) {
                       std::cout << "Group:    " << j.value("group", "") << "\n"
                                 << "Status:   " << j.value("status", "") << "\n"
                                 << "Policies: " << join(j.value("policies", json::array())) << "\n"
                                 << "Members:  " << join(j.value("members", json::array())) << "\n";
                     }};
  }
  return fail(ErrorCode::kInvalidArgument,
              "silo admin group takes add, remove, enable, disable, list or info");
}

Result<AdminCall> policy_call(const AdminOptions& o, const std::vector<std::string>& args) {
  const std::string& sub = o.iam_action;
  if (sub == "create") {
    if (args.size() != 2) return fail(ErrorCode::kInvalidArgument, "usage: silo admin policy create ALIAS NAME FILE");
    auto doc = read_file(args[1]);
    if (!doc) return std::unexpected(doc.error());
    return AdminCall{"PUT", "add-canned-policy", q("name", args[0]), std::move(*doc),
                     [](const json& j) {
                       std::cout << "Created policy `" << j.value("name", "") << "` successfully.\n";
                     }};
  }
  if (sub == "remove") {
    if (args.size() != 1) return fail(ErrorCode::kInvalidArgument, "usage: silo admin policy remove ALIAS NAME");
    return AdminCall{"DELETE", "remove-canned-policy", q("name", args[0]), {}, [](const json& j) {
                       std::cout << "Removed policy `" << j.value("name", "") << "` successfully.\n";
                     }};
  }
  if (sub == "list") {
    if (!args.empty()) return fail(ErrorCode::kInvalidArgument, "usage: silo admin policy list ALIAS");
    return AdminCall{"GET", "list-canned-policies", {}, {}, [](const json& j) {
                       for (const auto& p : j.value("policies", json::array())) {
                         std::cout << p.value("name", "")
                                   << (p.value("builtin", false) ? "  (built-in)" : "") << "\n";
                       }
                     }};
  }
  if (sub == "info") {
    if (args.size() != 1) return fail(ErrorCode::kInvalidArgument, "usage: silo admin policy info ALIAS NAME");
    return AdminCall{"GET", "info-canned-policy", q("name", args[0]), {}, [](const json& j) {
                       std::cout << j.value("policy", json::object()).dump(2) << "\n";
                     }};
  }
  if (sub == "attach" || sub == "detach") {
    if (args.empty() || o.iam_user.empty() == o.iam_group.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "usage: silo admin policy " + sub + " ALIAS POLICY... --user USER | --group GROUP");
    }
    json body = {{"policies", args}};
    if (!o.iam_user.empty()) body["user"] = o.iam_user;
    else body["group"] = o.iam_group;
    bool detach = sub == "detach";
    return AdminCall{"POST", "idp/builtin/policy/" + sub, {}, body.dump(), [detach](const json& j) {
                       std::string who = j.contains("user") ? "user `" + j.value("user", "") + "`"
                                                            : "group `" + j.value("group", "") + "`";
                       std::cout << (detach ? "Detached " : "Attached ")
                                 << join(j.value("policies", json::array()))
                                 << (detach ? " from " : " to ") << who << " successfully.\n";
                     }};
  }
  return fail(ErrorCode::kInvalidArgument,
              "silo admin policy takes create, remove, list, info, attach or detach");
}

Result<AdminCall> accesskey_call(const AdminOptions& o, const std::vector<std::string>& args) {
  const std::string& sub = o.iam_action;
  if (sub == "create") {
    if (args.size() > 1) {
      return fail(ErrorCode::kInvalidArgument, "usage: silo admin accesskey create ALIAS [USER]");
    }
    json body = json::object();
    if (!args.empty()) body["targetUser"] = args[0];
    if (!o.new_access_key.empty()) body["accessKey"] = o.new_access_key;
    if (!o.new_secret_key.empty()) body["secretKey"] = o.new_secret_key;
    if (!o.key_name.empty()) body["name"] = o.key_name;
    if (!o.key_description.empty()) body["description"] = o.key_description;
    if (!o.policy_file.empty()) {
      auto doc = read_file(o.policy_file);
      if (!doc) return std::unexpected(doc.error());
      body["policy"] = *doc;
    }
    if (!o.expiry.empty()) {
      if (!parse_iso8601(o.expiry)) {
        return fail(ErrorCode::kInvalidArgument, "--expiry takes a date such as 2030-01-01T00:00:00Z");
      }
      body["expiration"] = o.expiry;
    } else if (!o.expiry_duration.empty()) {
      auto d = parse_duration(o.expiry_duration);
      if (!d) return fail(ErrorCode::kInvalidArgument, "--expiry-duration takes a duration such as 24h");
      body["expiration"] = format_iso8601(
          now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(*d).count());
    }
    return AdminCall{"PUT", "add-service-account", {}, body.dump(), [](const json& j) {
                       std::cout << "Access Key: " << j.value("accessKey", "") << "\n"
                                 << "Secret Key: " << j.value("secretKey", "") << "\n"
                                 << "Expiration: "
                                 << (j["expiration"].is_string() ? j["expiration"].get<std::string>()
                                                                 : std::string("NONE"))
                                 << "\n";
                     }};
  }
  if (sub == "list") {
    if (args.size() > 1) return fail(ErrorCode::kInvalidArgument, "usage: silo admin accesskey list ALIAS [USER]");
    return AdminCall{"GET", "list-service-accounts", args.empty() ? "" : q("user", args[0]), {},
                     [](const json& j) {
                       for (const auto& k : j.value("accessKeys", json::array())) {
                         std::cout << k.value("status", "") << "  " << k.value("accessKey", "")
                                   << "  " << k.value("name", "") << "\n";
                       }
                     }};
  }
  if (sub == "remove") {
    if (args.size() != 1) return fail(ErrorCode::kInvalidArgument, "usage: silo admin accesskey remove ALIAS KEY");
    return AdminCall{"DELETE", "delete-service-account", q("accessKey", args[0]), {},
                     [](const json& j) {
                       std::cout << "Removed access key `" << j.value("accessKey", "")
                                 << "` successfully.\n";
                     }};
  }
  if (sub == "info") {
    if (args.size() != 1) return fail(ErrorCode::kInvalidArgument, "usage: silo admin accesskey info ALIAS KEY");
    return AdminCall{"GET", "info-service-account", q("accessKey", args[0]), {}, print_key};
  }
  return fail(ErrorCode::kInvalidArgument, "silo admin accesskey takes create, list, remove or info");
}

}  // namespace

bool is_iam_admin_action(std::string_view action) {
  return action == "user" || action == "group" || action == "policy" || action == "accesskey";
}

S3Result<int> run_admin_iam(const AdminOptions& o, const std::vector<std::string>& args,
                            S3Client& client) {
  Result<AdminCall> call = o.action == "user"    ? user_call(o, args)
                           : o.action == "group" ? group_call(o, args)
                           : o.action == "policy" ? policy_call(o, args)
                                                  : accesskey_call(o, args);
  if (!call) {
    S3Error e;
    e.code = "LocalError";
    e.message = std::string(call.error().text());
    return std::unexpected(e);
  }
  auto body = client.admin(call->method, call->path, call->query, call->body);
  if (!body) return std::unexpected(body.error());
  auto j = json::parse(*body, nullptr, false);
  if (!j.is_object()) j = json::object();
  if (o.json) {
    j["status"] = "success";
    std::cout << j.dump() << "\n";
  } else {
    call->print(j);
  }
  return 0;
}

}  // namespace silo::client
