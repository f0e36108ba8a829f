#include "common/grpc_status.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace ironorg {
namespace {

TEST(GrpcStatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, KeepsCodeAndMessage) {
  const grpc::Status sent =
      ToGrpcStatus(errors::NotFound("user", "organizations/o1/users/u1"));

  EXPECT_EQ(sent.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(sent.error_message(),
            "user \"organizations/o1/users/u1\" not found");
  EXPECT_TRUE(sent.error_details().empty());

  const absl::Status received = FromGrpcStatus(sent);
  EXPECT_EQ(received.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(received.message(), "user \"organizations/o1/users/u1\" not found");
}

TEST(GrpcStatusTest, BadRequestSurvivesRoundTrip) {
  const absl::Status original =
      errors::InvalidArgument("page_size", "page_size must be 0 to 1000");

  const grpc::Status sent = ToGrpcStatus(original);
  google::rpc::Status wire_status;
  ASSERT_TRUE(wire_status.ParseFromString(sent.error_details()));
  EXPECT_EQ(wire_status.code(), static_cast<int>(grpc::INVALID_ARGUMENT));
  ASSERT_EQ(wire_status.details_size(), 1);
  EXPECT_EQ(wire_status.details(0).type_url(), errors::kBadRequestTypeUrl);

  const absl::Status received = FromGrpcStatus(sent);
  EXPECT_EQ(received.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(received.message(), "page_size must be 0 to 1000");
  const auto payload = received.GetPayload(errors::kBadRequestTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "page_size");
  EXPECT_EQ(bad_request.field_violations(0).description(),
            "page_size must be 0 to 1000");
}

TEST(GrpcStatusTest, RetryInfoSurvivesRoundTrip) {
  const absl::Status original =
      errors::Throttled("too many logins", absl::Milliseconds(2500));

  const absl::Status received = FromGrpcStatus(ToGrpcStatus(original));

  EXPECT_EQ(received.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(received.message(), "too many logins");
  const auto payload = received.GetPayload(errors::kRetryInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::RetryInfo retry_info;
  ASSERT_TRUE(retry_info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(retry_info.retry_delay().seconds(), 2);
  EXPECT_EQ(retry_info.retry_delay().nanos(), 500000000);
}

TEST(GrpcStatusTest, IgnoresUnparsableDetails) {
  const grpc::Status sent(grpc::StatusCode::UNAVAILABLE, "try again",
                          "\xff\xff not a google.rpc.Status");

  const absl::Status received = FromGrpcStatus(sent);

  EXPECT_EQ(received.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(received.message(), "try again");
}

TEST(ErrorsTest, FactoriesUseDocumentedCodes) {
  EXPECT_EQ(errors::MissingField("parent").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(errors::MissingField("parent").message(), "parent is required");
  EXPECT_EQ(errors::AlreadyExists("taken").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(errors::Unauthenticated("who").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(errors::PermissionDenied("no").message(), "permission denied: no");
  EXPECT_EQ(errors::StaleEtag("organizations/o1", "3").code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(errors::FailedPrecondition("first").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::Unimplemented("a.b.v1.S/M").message(),
            "a.b.v1.S/M is not implemented yet");
  EXPECT_EQ(errors::Internal().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace ironorg
