// Tests of naming the field that contains invalid UTF-8 in a request.
#include "services/gateway/invalid_utf8.h"

#include <string>

#include "gtest/gtest.h"
#include "ironorg/identity/v1/user.pb.h"

namespace ironorg::gateway {
namespace {

// Serializes a CreateUserRequest whose user.display_name contains `bytes`,
// bypassing protobuf's own UTF-8 check by writing it as a bytes-typed
// field with the same number.
std::string CreateUserRequestWithDisplayName(const std::string& bytes) {
  identity::v1::User user;
  user.set_email("dev@example.com");
  std::string user_bytes = user.SerializeAsString();
  // Field 3 (display_name), wire type 2 (length-delimited).
  user_bytes += static_cast<char>((3 << 3) | 2);
  user_bytes += static_cast<char>(bytes.size());
  user_bytes += bytes;

  identity::v1::CreateUserRequest request;
  request.set_parent("organizations/org1");
  std::string request_bytes = request.SerializeAsString();
  // Field 2 (user), wire type 2.
  request_bytes += static_cast<char>((2 << 3) | 2);
  request_bytes += static_cast<char>(user_bytes.size());
  request_bytes += user_bytes;
  return request_bytes;
}

TEST(FindInvalidUtf8FieldTest, NamesNestedField) {
  const std::string bytes = CreateUserRequestWithDisplayName("bad \xff name");

  EXPECT_EQ(FindInvalidUtf8Field(
                bytes, identity::v1::CreateUserRequest::descriptor()),
            "user.display_name");
}

TEST(FindInvalidUtf8FieldTest, ValidRequestHasNone) {
  const std::string bytes = CreateUserRequestWithDisplayName("Zoë");

  EXPECT_EQ(FindInvalidUtf8Field(
                bytes, identity::v1::CreateUserRequest::descriptor()),
            "");
}

TEST(FindInvalidUtf8FieldTest, GarbageHasNone) {
  EXPECT_EQ(FindInvalidUtf8Field(
                "\xff\xff\xff", identity::v1::CreateUserRequest::descriptor()),
            "");
}

}  // namespace
}  // namespace ironorg::gateway
