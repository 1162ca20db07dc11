#include "auth/post_policy.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "auth/dates.h"
#include "auth/sigv4.h"
#include "common/hash.h"
#include "common/strings.h"
#include "common/time.h"

namespace silo::auth {

namespace {

using Json = nlohmann::json;

// Fields no condition has to allow.
// Fields no condition needs to allow: the signature's own, the file, and
// the file's checksum (checked against the file itself).
bool exempt(std::string_view name) {
  return name == "policy" || name == "x-amz-signature" || name == "signature" ||
         name == "awsaccesskeyid" || name == "file" || name.starts_with("x-ignore-") ||
         name.starts_with("x-amz-checksum-");
}

std::unexpected<Error> denied(std::string why) {
  return fail(ErrorCode::kAccessDenied, "Invalid according to Policy: " + why);
}

std::unexpected<Error> bad_policy(std::string why) {
  return fail(ErrorCode::kInvalidPolicyDocument, "Invalid Policy: " + why);
}

// A condition's field name: "$key" -> "key".
std::optional<std::string> field_name(const Json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string s = j.get<std::string>();
  if (!s.starts_with('$')) return std::nullopt;
  return to_lower(std::string_view(s).substr(1));
}

std::optional<uint64_t> as_size(const Json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer() && j.get<int64_t>() >= 0) return static_cast<uint64_t>(j.get<int64_t>());
  if (j.is_string()) return parse_u64(j.get<std::string>());
  return std::nullopt;
}

}  // namespace

const std::string* form_value(const FormFields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

Result<PostAuth> authenticate_post(const FormFields& fields, const SecretLookup& lookup,
                                   std::string_view server_region,
                                   std::chrono::system_clock::time_point now) {
  (void)now;  // the policy's expiration bounds the form's life, not x-amz-date
  PostAuth out;
  const std::string* policy = form_value(fields, "policy");
  const std::string* v4_signature = form_value(fields, "x-amz-signature");
  const std::string* v2_signature = form_value(fields, "signature");
  if (!v4_signature && !v2_signature) {
    if (policy) {
      return fail(ErrorCode::kInvalidArgument,
                  "Bucket POST must contain a field named 'x-amz-signature' or 'Signature'.");
    }
    return out;  // anonymous
  }
  if (!policy) {
    return fail(ErrorCode::kInvalidArgument, "Bucket POST must contain a field named 'policy'.");
  }
  std::string access_key;
  if (v4_signature) {
    const std::string* algorithm = form_value(fields, "x-amz-algorithm");
    const std::string* credential = form_value(fields, "x-amz-credential");
    const std::string* date = form_value(fields, "x-amz-date");
    if (!algorithm || !credential || !date) {
      return fail(ErrorCode::kInvalidArgument,
                  "Bucket POST with x-amz-signature must contain the fields x-amz-algorithm, "
                  "x-amz-credential and x-amz-date.");
    }
    if (*algorithm != "AWS4-HMAC-SHA256") {
      return fail(ErrorCode::kInvalidArgument, "Unsupported x-amz-algorithm " + *algorithm);
    }
    // ak/yyyymmdd/region/s3/aws4_request
    std::vector<std::string_view> parts;
    std::string_view rest = *credential;
    while (true) {
      size_t slash = rest.find('/');
      parts.push_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    if (parts.size() != 5 || parts[3] != "s3" || parts[4] != "aws4_request" ||
        !parse_amz_date(*date)) {
      return fail(ErrorCode::kInvalidArgument, "Invalid x-amz-credential or x-amz-date.");
    }
    if (!server_region.empty() && parts[2] != server_region) {
      return fail(ErrorCode::kAuthorizationQueryParametersError,
                  "Error parsing the X-Amz-Credential parameter; the region '" +
                      std::string(parts[2]) + "' is wrong; expecting '" +
                      std::string(server_region) + "'");
    }
    access_key = std::string(parts[0]);
    auto secret = lookup(access_key);
    if (!secret) return fail(ErrorCode::kInvalidAccessKeyId);
    std::string key = derive_signing_key(*secret, parts[1], parts[2]);
    if (signature_hex(key, *policy) != to_lower(*v4_signature)) {
      return fail(ErrorCode::kSignatureDoesNotMatch);
    }
    out.auth.scheme = Scheme::kSigV4;
    out.auth.region = std::string(parts[2]);
  } else {
    const std::string* key_id = form_value(fields, "awsaccesskeyid");
    if (!key_id) {
      return fail(ErrorCode::kInvalidArgument,
                  "Bucket POST must contain a field named 'AWSAccessKeyId'.");
    }
    access_key = *key_id;
    auto secret = lookup(access_key);
    if (!secret) return fail(ErrorCode::kInvalidAccessKeyId);
    if (base64_encode(hmac_sha1_raw(*secret, *policy)) != *v2_signature) {
      return fail(ErrorCode::kSignatureDoesNotMatch);
    }
    out.auth.scheme = Scheme::kSigV2;
  }
  out.auth.access_key = access_key;
  auto decoded = base64_decode(*policy);
  if (!decoded) return bad_policy("the policy is not base64");
  out.policy_json = std::move(*decoded);
  return out;
}

Result<PostLimits> check_post_policy(std::string_view policy_json, const FormFields& fields,
                                     std::string_view bucket,
                                     std::chrono::system_clock::time_point now) {
  Json doc = Json::parse(policy_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return bad_policy("Policy is not valid JSON.");
  auto exp = doc.find("expiration");
  if (exp == doc.end() || !exp->is_string()) return bad_policy("Policy missing expiration.");
  auto expires = parse_iso8601(exp->get<std::string>());
  if (!expires) return bad_policy("Invalid 'expiration' value: '" + exp->get<std::string>() + "'");
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  if (*expires < now_ns) return denied("Policy expired.");
  auto conditions = doc.find("conditions");
  if (conditions == doc.end() || !conditions->is_array()) {
    return bad_policy("Policy missing conditions.");
  }
  // The form as conditions see it: its fields and the request's bucket,
  // which a bucket field of the form cannot stand in for.
  FormFields form = fields;
  std::erase_if(form, [](const auto& f) { return iequals(f.first, "bucket"); });
  form.emplace_back("bucket", std::string(bucket));
  std::vector<std::string> allowed;
  PostLimits limits;
  auto value_of = [&](const std::string& name) -> std::string {
    const std::string* v = form_value(form, name);
    return v ? *v : std::string();
  };
  for (const auto& c : *conditions) {
    if (c.is_object()) {
      if (c.size() != 1) return bad_policy("a condition object must have one field.");
      std::string name = to_lower(c.begin().key());
      if (!c.begin()->is_string()) return bad_policy("condition values must be strings.");
      std::string want = c.begin()->get<std::string>();
      if (value_of(name) != want) {
        return denied("Policy Condition failed: [\"eq\", \"$" + name + "\", \"" + want + "\"]");
      }
      allowed.push_back(name);
      continue;
    }
    if (!c.is_array() || c.empty() || !c[0].is_string()) {
      return bad_policy("a condition must be an object or an array.");
    }
    std::string op = to_lower(c[0].get<std::string>());
    if (op == "content-length-range") {
      if (c.size() != 3) return bad_policy("content-length-range takes two numbers.");
      auto lo = as_size(c[1]);
      auto hi = as_size(c[2]);
      if (!lo || !hi) return bad_policy("content-length-range takes two numbers.");
      limits.min_size = *lo;
      limits.max_size = *hi;
      continue;
    }
    if (c.size() != 3 || !c[2].is_string()) return bad_policy("Invalid condition: " + c.dump());
    auto name = field_name(c[1]);
    if (!name) return bad_policy("Invalid condition field: " + c[1].dump());
    std::string want = c[2].get<std::string>();
    std::string have = value_of(*name);
    bool ok;
    if (op == "eq") {
      ok = have == want;
    } else if (op == "starts-with") {
      ok = std::string_view(have).starts_with(want);
    } else {
      return bad_policy("Invalid condition operator: " + op);
    }
    if (!ok) return denied("Policy Condition failed: " + c.dump());
    allowed.push_back(*name);
  }
  for (const auto& [name, value] : fields) {
    (void)value;
    if (exempt(name)) continue;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return denied("Extra input fields: " + name);
    }
  }
  return limits;
}

}  // namespace silo::auth
