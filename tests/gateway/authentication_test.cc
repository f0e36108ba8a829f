// Unit tests of reading the caller's token from authorization metadata.
#include "services/gateway/authentication.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace ironorg::gateway {
namespace {

TEST(ParseAuthorization, AcceptsBearer) {
  absl::StatusOr<std::string> token = ParseAuthorization("Bearer ioa_abc");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "ioa_abc");
}

TEST(ParseAuthorization, AcceptsOAuthScheme) {
  absl::StatusOr<std::string> token = ParseAuthorization("OAuth iok_abc");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "iok_abc");
}

TEST(ParseAuthorization, SchemeIsCaseInsensitive) {
  absl::StatusOr<std::string> bearer = ParseAuthorization("bEARER ioa_abc");
  absl::StatusOr<std::string> oauth = ParseAuthorization("oauth ioa_abc");
  ASSERT_TRUE(bearer.ok()) << bearer.status();
  ASSERT_TRUE(oauth.ok()) << oauth.status();
  EXPECT_EQ(*bearer, "ioa_abc");
  EXPECT_EQ(*oauth, "ioa_abc");
}

TEST(ParseAuthorization, RejectsOtherSchemes) {
  EXPECT_EQ(ParseAuthorization("Basic dXNlcjpwYXNz").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ParseAuthorization, RejectsMissingToken) {
  EXPECT_EQ(ParseAuthorization("Bearer").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ParseAuthorization("Bearer   ").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ParseAuthorization("").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ParseAuthorization, RejectsTokenWithSpaces) {
  EXPECT_EQ(ParseAuthorization("Bearer two parts").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ClassifyToken, RecognizesOperatorToken) {
  EXPECT_EQ(ClassifyToken("operator-secret", "operator-secret"),
            TokenIssuer::kOperator);
}

TEST(ClassifyToken, EmptyOperatorTokenMatchesNothing) {
  EXPECT_EQ(ClassifyToken("anything", ""), TokenIssuer::kIdentity);
}

TEST(ClassifyToken, SendsClusterTokensToClusters) {
  EXPECT_EQ(ClassifyToken("ioc_abc", "operator-secret"),
            TokenIssuer::kClusters);
}

TEST(ClassifyToken, SendsOtherTokensToIdentity) {
  EXPECT_EQ(ClassifyToken("ioa_abc", "operator-secret"),
            TokenIssuer::kIdentity);
  EXPECT_EQ(ClassifyToken("iok_abc", "operator-secret"),
            TokenIssuer::kIdentity);
}

}  // namespace
}  // namespace ironorg::gateway
