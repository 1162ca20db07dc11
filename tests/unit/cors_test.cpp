#include "s3/cors.h"

#include <gtest/gtest.h>

namespace silo::s3 {
namespace {

constexpr std::string_view kRules =
    "<CORSConfiguration>"
    "<CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
    "<AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader>"
    "<MaxAgeSeconds>60</MaxAgeSeconds></CORSRule>"
    "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"
    "</CORSConfiguration>";

TEST(Cors, TheFirstMatchingRuleDecides) {
  auto rules = parse_cors_xml(kRules);
  ASSERT_TRUE(rules) << rules.error().text();
  const CorsRule* r = match_cors(*rules, "https://app.example.com", "PUT", {"x-amz-date", "content-type"});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r, &(*rules)[0]);
  EXPECT_EQ(match_cors(*rules, "https://app.example.com", "PUT", {"authorization"}), nullptr);
  EXPECT_EQ(match_cors(*rules, "https://evil.org", "GET", {}), &(*rules)[1]);
  EXPECT_EQ(match_cors(*rules, "https://evil.org", "PUT", {}), nullptr);
  auto h = cors_headers(*r, "https://app.example.com", true, {"content-type"});
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"Access-Control-Allow-Origin",
                                                        "https://app.example.com"}));
}

TEST(Cors, RulesRoundTripTheirStoredForm) {
  auto rules = parse_cors_xml(kRules);
  ASSERT_TRUE(rules);
  auto again = parse_cors_xml(cors_xml(*rules));
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].headers, (std::vector<std::string>{"x-amz-*", "content-type"}));
  EXPECT_EQ((*again)[0].max_age_seconds, 60);
}

TEST(Cors, InvalidRulesAreRefused) {
  auto code = [](std::string_view body) {
    auto r = parse_cors_xml(body);
    return r ? ErrorCode::kInternalError : r.error().code;
  };
  EXPECT_EQ(code("<CORSConfiguration/>"), ErrorCode::kMalformedXML);
  EXPECT_EQ(code("<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>"
                 "</CORSConfiguration>"),
            ErrorCode::kMalformedXML);
  EXPECT_EQ(code("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                 "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(split_header_list(" A, b ,,c"), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace silo::s3
