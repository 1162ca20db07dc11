// Policy documents (the IAM JSON policy language) and their evaluation:
// bucket policies and identity policies (those attached to users, groups
// and access keys) through the same engine.
//
// A document is parsed once, when it is set (PutBucketPolicy answers
// MalformedPolicy with what is wrong), into statements that evaluate
// without allocating much: Effect, Principal/NotPrincipal,
// Action/NotAction, Resource/NotResource and Condition blocks. Actions and
// resources match with the * and ? wildcards; action names compare without
// case, as AWS does. Conditions support the string, numeric, date, Bool,
// IpAddress, Arn and Null operators, the IfExists suffix and the
// ForAnyValue:/ForAllValues: prefixes. Condition keys compare without case.
// Resources and condition values may use policy variables
// (${aws:username}, any condition key, ${*} for a literal *), filled in
// from the request's condition keys.
//
// Thread-safe once built (evaluation is const).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace silo::iam {

// The facts of a request that conditions test, by lower-case key
// ("aws:sourceip", "s3:prefix", ...), each with its values.
using ConditionValues = std::map<std::string, std::vector<std::string>, std::less<>>;

struct PolicyRequest {
  // Who asks: "*" matches every principal, so an anonymous request is
  // allowed only by statements whose principal is "*".
  bool anonymous = true;
  // The names a statement's Principal may give the caller when not
  // anonymous (its ARN, user name, ...).
  std::span<const std::string> principals;
  std::string_view action;  // "s3:GetObject"
  // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"; empty for an
  // action on no resource (admin:*), which any Resource matches.
  std::string_view resource;
  const ConditionValues* conditions = nullptr;
};

enum class Decision { kNoMatch, kAllow, kDeny };

class Policy {
 public:
  // A bucket policy for `bucket`: every statement names a principal and
  // S3 actions, and resources of this bucket only. MalformedPolicy (with
  // the reason) otherwise.
  static Result<Policy> parse_bucket_policy(std::string_view json, std::string_view bucket);
  // An identity policy: no principal (it applies to whoever holds it);
  // actions of s3:, admin:, sts: and kms:; resources "*" or S3 ARNs, and
  // optional when every action is an admin:, sts: or kms: one.
  static Result<Policy> parse_identity_policy(std::string_view json);

  // kDeny when a matching statement denies, else kAllow when one allows,
  // else kNoMatch.
  Decision evaluate(const PolicyRequest& request) const;

  // Whether some statement allows `action` to everyone ("*") on some
  // resource, with no condition: the bucket is public in that respect.
  bool grants_everyone(std::string_view action) const;

 private:
  enum class SetOp { kSingle, kForAnyValue, kForAllValues };
  struct Condition {
    std::string op;  // without its prefix and IfExists suffix, e.g. "StringLike"
    SetOp set = SetOp::kSingle;
    bool if_exists = false;
    std::string key;  // lower-case
    std::vector<std::string> values;
  };
  struct Statement {
    bool allow = true;
    bool not_principal = false;
    std::vector<std::string> principals;  // "*" or ARNs / account ids
    bool not_action = false;
    std::vector<std::string> actions;  // lower-case patterns
    bool not_resource = false;
    std::vector<std::string> resources;
    std::vector<Condition> conditions;
    bool has_variables = false;  // a resource names ${aws:username} or the like
  };
  // `bucket` null: an identity policy.
  static Result<Policy> parse(std::string_view json, const std::string_view* bucket);
  static bool principal_matches(const Statement& s, const PolicyRequest& r);
  static bool matches_resource(const Statement& s, const PolicyRequest& r);
  static bool conditions_hold(const Statement& s, const ConditionValues* values);
  static bool condition_holds(const Condition& c, const ConditionValues* values);

  std::vector<Statement> statements_;
};

// `pattern` with * (any run, also empty) and ? (one character) against `text`.
bool wildcard_match(std::string_view pattern, std::string_view text);

// The ARN of a bucket, or of an object in it when `key` is not empty.
std::string s3_arn(std::string_view bucket, std::string_view key = {});

}  // namespace silo::iam
