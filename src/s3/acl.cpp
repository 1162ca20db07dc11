#include "s3/acl.h"

#include <algorithm>

#include "common/strings.h"
#include "s3/xml.h"

namespace silo::s3 {

namespace {

constexpr size_t kMaxGrants = 100;
constexpr const char* kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

struct PermissionName {
  AclPermission permission;
  std::string_view name;
  std::string_view header;  // the x-amz-grant-* header that gives it
};

constexpr PermissionName kPermissions[] = {
    {kAclRead, "READ", "x-amz-grant-read"},
    {kAclWrite, "WRITE", "x-amz-grant-write"},
    {kAclReadAcp, "READ_ACP", "x-amz-grant-read-acp"},
    {kAclWriteAcp, "WRITE_ACP", "x-amz-grant-write-acp"},
    {kAclFullControl, "FULL_CONTROL", "x-amz-grant-full-control"},
};

std::optional<AclPermission> permission_named(std::string_view name) {
  for (const auto& p : kPermissions) {
    if (p.name == name) return p.permission;
  }
  return std::nullopt;
}

std::string_view permission_name(AclPermission permission) {
  for (const auto& p : kPermissions) {
    if (p.permission == permission) return p.name;
  }
  return "FULL_CONTROL";
}

bool known_group(std::string_view uri) {
  return uri == kAllUsersGroup || uri == kAuthenticatedUsersGroup || uri == kLogDeliveryGroup;
}

Error unresolvable_email() { return Error(ErrorCode::kUnresolvableGrantByEmailAddress); }

// A grantee named by id or group URI, checked against what exists.
Result<AclGrantee> checked_grantee(AclGrantee::Type type, std::string_view value,
                                   const CanonicalUsers& users) {
  if (type == AclGrantee::Type::kGroup) {
    if (!known_group(value)) return fail(ErrorCode::kInvalidArgument, "Invalid group uri");
  } else if (!users(value)) {
    return fail(ErrorCode::kInvalidArgument, "Invalid id");
  }
  return AclGrantee{type, std::string(value)};
}

void add_grant(Acl& acl, AclGrantee grantee, AclPermission permission) {
  acl.grants.push_back({std::move(grantee), permission});
}

// One x-amz-grant-* header: comma-separated `id="..."`, `uri="..."` or
// `emailAddress="..."` grantees.
Status grants_from_header(std::string_view value, AclPermission permission,
                          const CanonicalUsers& users, Acl& acl) {
  for (auto item : split(value, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument, "Invalid grant header: " + std::string(item));
    }
    std::string type = to_lower(trim(item.substr(0, eq)));
    std::string_view v = trim(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (type == "emailaddress") return std::unexpected(unresolvable_email());
    AclGrantee::Type kind;
    if (type == "id") {
      kind = AclGrantee::Type::kCanonicalUser;
    } else if (type == "uri") {
      kind = AclGrantee::Type::kGroup;
    } else {
      return fail(ErrorCode::kInvalidArgument, "Invalid grantee type: " + type);
    }
    auto grantee = checked_grantee(kind, v, users);
    if (!grantee) return std::unexpected(grantee.error());
    add_grant(acl, std::move(*grantee), permission);
  }
  return {};
}

// The grantee's xsi:type attribute, whatever prefix the namespace has.
std::string_view grantee_type(const pugi::xml_node& grantee) {
  for (auto attr : grantee.attributes()) {
    std::string_view name = attr.name();
    size_t colon = name.find(':');
    if ((colon != std::string_view::npos ? name.substr(colon + 1) : name) == "type") {
      return attr.value();
    }
  }
  return {};
}

Error malformed() { return Error(ErrorCode::kMalformedACLError); }

}  // namespace

Acl private_acl(std::string_view owner_id) {
  Acl acl{std::string(owner_id), {}};
  add_grant(acl, {AclGrantee::Type::kCanonicalUser, std::string(owner_id)}, kAclFullControl);
  return acl;
}

Result<Acl> canned_acl(std::string_view name, std::string_view owner_id,
                       std::string_view bucket_owner_id) {
  // The owner's FULL_CONTROL goes last, after what the name adds, in the
  // order S3 lists a canned ACL's grants.
  Acl acl{std::string(owner_id), {}};
  auto group = [&](std::string_view uri, AclPermission p) {
    add_grant(acl, {AclGrantee::Type::kGroup, std::string(uri)}, p);
  };
  auto bucket_owner = [&](AclPermission p) {
    if (bucket_owner_id == owner_id) return;
    add_grant(acl, {AclGrantee::Type::kCanonicalUser, std::string(bucket_owner_id)}, p);
  };
  if (name == "private" || name == "aws-exec-read") {
  } else if (name == "public-read") {
    group(kAllUsersGroup, kAclRead);
  } else if (name == "public-read-write") {
    group(kAllUsersGroup, kAclRead);
    group(kAllUsersGroup, kAclWrite);
  } else if (name == "authenticated-read") {
    group(kAuthenticatedUsersGroup, kAclRead);
  } else if (name == "bucket-owner-read") {
    bucket_owner(kAclRead);
  } else if (name == "bucket-owner-full-control") {
    bucket_owner(kAclFullControl);
  } else if (name == "log-delivery-write") {
    group(kLogDeliveryGroup, kAclWrite);
    group(kLogDeliveryGroup, kAclReadAcp);
  } else {
    return fail(ErrorCode::kInvalidArgument, "Invalid canned ACL: " + std::string(name));
  }
  add_grant(acl, {AclGrantee::Type::kCanonicalUser, std::string(owner_id)}, kAclFullControl);
  return acl;
}

Result<std::optional<Acl>> acl_from_headers(const HeaderLookup& header, std::string_view owner_id,
                                            std::string_view bucket_owner_id,
                                            const CanonicalUsers& users) {
  auto canned = header("x-amz-acl");
  Acl granted{std::string(owner_id), {}};
  bool any_grant = false;
  for (const auto& p : kPermissions) {
    auto value = header(p.header);
    if (!value) continue;
    any_grant = true;
    if (canned) {
      return fail(ErrorCode::kInvalidRequest,
                  "Specifying both Canned ACLs and Header Grants is not allowed");
    }
    if (auto s = grants_from_header(*value, p.permission, users, granted); !s) {
      return std::unexpected(s.error());
    }
  }
  if (canned) {
    auto acl = canned_acl(trim(*canned), owner_id, bucket_owner_id);
    if (!acl) return std::unexpected(acl.error());
    return std::optional<Acl>(std::move(*acl));
  }
  if (!any_grant) return std::optional<Acl>();
  return std::optional<Acl>(std::move(granted));
}

Result<Acl> parse_acl_xml(std::string_view body, const CanonicalUsers& users) {
  auto doc = parse_xml(body);
  if (!doc) return std::unexpected(malformed());
  auto root = doc->document_element();
  if (local_name(root) != "AccessControlPolicy") return std::unexpected(malformed());
  auto owner = xml_child(root, "Owner");
  std::string owner_id(trim(xml_child(owner, "ID").child_value()));
  if (!owner || owner_id.empty()) return std::unexpected(malformed());
  Acl acl{owner_id, {}};
  for (auto grant : xml_child(root, "AccessControlList").children()) {
    if (grant.type() != pugi::node_element) continue;
    if (local_name(grant) != "Grant" || acl.grants.size() == kMaxGrants) {
      return std::unexpected(malformed());
    }
    auto grantee = xml_child(grant, "Grantee");
    auto permission = permission_named(trim(xml_child(grant, "Permission").child_value()));
    if (!grantee || !permission) return std::unexpected(malformed());
    std::string_view type = grantee_type(grantee);
    std::string id(trim(xml_child(grantee, "ID").child_value()));
    std::string uri(trim(xml_child(grantee, "URI").child_value()));
    bool email = !trim(xml_child(grantee, "EmailAddress").child_value()).empty();
    if (type == "AmazonCustomerByEmail" || (type.empty() && email)) {
      return std::unexpected(unresolvable_email());
    }
    Result<AclGrantee> checked = std::unexpected(malformed());
    if (type == "CanonicalUser" || (type.empty() && !id.empty())) {
      if (id.empty()) return std::unexpected(malformed());
      checked = checked_grantee(AclGrantee::Type::kCanonicalUser, id, users);
    } else if (type == "Group" || (type.empty() && !uri.empty())) {
      if (uri.empty()) return std::unexpected(malformed());
      checked = checked_grantee(AclGrantee::Type::kGroup, uri, users);
    }
    if (!checked) return std::unexpected(checked.error());
    add_grant(acl, std::move(*checked), *permission);
  }
  return acl;
}

std::string acl_xml(const Acl& acl, const CanonicalUsers& users) {
  XmlDoc doc("AccessControlPolicy");
  auto owner = doc.root().append_child("Owner");
  add_text(owner, "ID", acl.owner_id);
  add_text(owner, "DisplayName", users(acl.owner_id).value_or(""));
  auto list = doc.root().append_child("AccessControlList");
  for (const auto& g : acl.grants) {
    auto grant = list.append_child("Grant");
    auto grantee = grant.append_child("Grantee");
    grantee.append_attribute("xmlns:xsi") = kXsiNamespace;
    if (g.grantee.type == AclGrantee::Type::kGroup) {
      grantee.append_attribute("xsi:type") = "Group";
      add_text(grantee, "URI", g.grantee.value);
    } else {
      grantee.append_attribute("xsi:type") = "CanonicalUser";
      add_text(grantee, "ID", g.grantee.value);
      if (auto name = users(g.grantee.value)) add_text(grantee, "DisplayName", *name);
    }
    add_text(grant, "Permission", permission_name(g.permission));
  }
  return doc.str();
}

std::string encode_acl(const Acl& acl) {
  std::string out;
  out.push_back('O');
  out.append(acl.owner_id);
  out.push_back('\n');
  for (const auto& g : acl.grants) {
    out.push_back("0123456789abcdef"[g.permission & 15]);
    out.push_back(static_cast<char>(g.grantee.type));
    out.append(g.grantee.value);
    out.push_back('\n');
  }
  return out;
}

std::optional<Acl> decode_acl(std::string_view stored) {
  Acl acl;
  bool first = true;
  for (auto line : split(stored, '\n')) {
    if (line.empty()) continue;
    if (first) {
      if (line.front() != 'O') return std::nullopt;
      acl.owner_id = std::string(line.substr(1));
      first = false;
      continue;
    }
    if (line.size() < 3) return std::nullopt;
    int bits = line[0] >= 'a' ? line[0] - 'a' + 10 : line[0] - '0';
    if (bits < 1 || bits > 15) return std::nullopt;
    if (line[1] != 'C' && line[1] != 'G') return std::nullopt;
    add_grant(acl, {static_cast<AclGrantee::Type>(line[1]), std::string(line.substr(2))},
              static_cast<AclPermission>(bits));
  }
  if (first) return std::nullopt;
  return acl;
}

bool acl_is_owner_only(const Acl& acl, std::string_view bucket_owner_id) {
  return std::all_of(acl.grants.begin(), acl.grants.end(), [&](const AclGrant& g) {
    return g.grantee.type == AclGrantee::Type::kCanonicalUser &&
           g.permission == kAclFullControl &&
           (g.grantee.value == acl.owner_id || g.grantee.value == bucket_owner_id);
  });
}

bool acl_is_public(const Acl& acl) {
  return std::any_of(acl.grants.begin(), acl.grants.end(), [](const AclGrant& g) {
    return g.grantee.type == AclGrantee::Type::kGroup &&
           (g.grantee.value == kAllUsersGroup || g.grantee.value == kAuthenticatedUsersGroup);
  });
}

bool acl_grants(const Acl& acl, AclPermission needed, std::string_view caller_id,
                bool ignore_public) {
  for (const auto& g : acl.grants) {
    if ((g.permission & needed) != needed) continue;
    if (g.grantee.type == AclGrantee::Type::kCanonicalUser) {
      if (!caller_id.empty() && g.grantee.value == caller_id) return true;
      continue;
    }
    if (ignore_public) continue;
    if (g.grantee.value == kAllUsersGroup) return true;
    if (g.grantee.value == kAuthenticatedUsersGroup && !caller_id.empty()) return true;
  }
  return false;
}

std::optional<AclNeed> acl_need(std::string_view action) {
  struct Entry {
    std::string_view action;
    AclNeed need;
  };
  static constexpr Entry kNeeds[] = {
      {"s3:ListBucket", {false, kAclRead}},
      {"s3:ListBucketVersions", {false, kAclRead}},
      {"s3:ListBucketMultipartUploads", {false, kAclRead}},
      {"s3:PutObject", {false, kAclWrite}},
      {"s3:DeleteObject", {false, kAclWrite}},
      {"s3:DeleteObjectVersion", {false, kAclWrite}},
      {"s3:AbortMultipartUpload", {false, kAclWrite}},
      {"s3:ListMultipartUploadParts", {false, kAclWrite}},
      {"s3:GetBucketAcl", {false, kAclReadAcp}},
      {"s3:PutBucketAcl", {false, kAclWriteAcp}},
      {"s3:GetObject", {true, kAclRead}},
      {"s3:GetObjectVersion", {true, kAclRead}},
      {"s3:GetObjectAcl", {true, kAclReadAcp}},
      {"s3:GetObjectVersionAcl", {true, kAclReadAcp}},
      {"s3:PutObjectAcl", {true, kAclWriteAcp}},
      {"s3:PutObjectVersionAcl", {true, kAclWriteAcp}},
  };
  for (const auto& e : kNeeds) {
    if (e.action == action) return e.need;
  }
  return std::nullopt;
}

}  // namespace silo::s3
