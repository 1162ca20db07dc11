// Cross-origin resource sharing: a bucket's CORS rules (PutBucketCors's
// CORSConfiguration), the rule that matches a browser's request, and the
// Access-Control-* headers it earns.
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered from the rules alone, with no credentials, as AWS does: 200 with
// the allow headers when a rule matches the origin, the method and every
// requested header, 403 otherwise. An actual request with an Origin header
// gets the same headers on its response when a rule matches.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace silo::s3 {

struct CorsRule {
  std::string id;
  std::vector<std::string> origins;  // may hold one '*' each
  std::vector<std::string> methods;  // GET, PUT, HEAD, POST, DELETE
  std::vector<std::string> headers;  // allowed request headers, lower-case, may hold '*'
  std::vector<std::string> expose;   // response headers the browser may read
  std::optional<int64_t> max_age_seconds;
};

// A CORSConfiguration, validated: 1 to 100 rules, each with at least one
// origin and one method, methods among GET PUT HEAD POST DELETE
// (InvalidRequest names the one that is not), origins and allowed headers
// with at most one '*'. MalformedXML for anything off the schema.
Result<std::vector<CorsRule>> parse_cors_xml(std::string_view body);
// The CORSConfiguration document of `rules` (what GetBucketCors answers
// and what is stored).
std::string cors_xml(const std::vector<CorsRule>& rules);

// The first rule that allows `origin` to use `method` with the request
// headers `request_headers` (lower-case names); null when none does.
const CorsRule* match_cors(const std::vector<CorsRule>& rules, std::string_view origin,
                           std::string_view method,
                           const std::vector<std::string>& request_headers);

using HeaderList = std::vector<std::pair<std::string, std::string>>;
// The Access-Control-* headers `rule` gives a request from `origin`; a
// preflight also gets the allowed methods, the requested headers it allows
// and the max age.
HeaderList cors_headers(const CorsRule& rule, std::string_view origin, bool preflight,
                        const std::vector<std::string>& request_headers);

// "a, B ,c" -> {"a", "b", "c"} (Access-Control-Request-Headers).
std::vector<std::string> split_header_list(std::string_view value);

}  // namespace silo::s3
