#include "common/internal_auth.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"

namespace ironorg {
namespace {

using ::ironorg::identity::v1::Principal;
using ::testing::HasSubstr;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";
constexpr char kOtherSecret[] = "fedcba9876543210fedcba9876543210";
constexpr char kMethod[] = "/ironorg.identity.v1.UserService/GetUser";

InternalCredential MakeCredential(const std::string& secret) {
  absl::StatusOr<InternalCredential> credential =
      InternalCredential::Create(secret);
  EXPECT_TRUE(credential.ok()) << credential.status();
  return *std::move(credential);
}

Principal UserPrincipal(const std::string& user) {
  Principal principal;
  principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization("organizations/o1");
  principal.set_user(user);
  principal.set_role(ironorg::identity::v1::ROLE_ADMIN);
  return principal;
}

int64_t UnixSecondsFromNow(int64_t seconds) {
  return absl::ToUnixSeconds(absl::Now()) + seconds;
}

// Builds the metadata of an incoming call on a ServerContext, as the
// client would have sent it.
class IncomingCall final {
 public:
  IncomingCall() : spouse_(&context_) {}

  void Add(const std::string& key, const std::string& value) {
    spouse_.AddClientMetadata(key, value);
  }

  const grpc::ServerContext& context() const { return context_; }

 private:
  grpc::ServerContext context_;
  grpc::testing::ServerContextTestSpouse spouse_;
};

TEST(InternalCredentialTest, RejectsShortSecret) {
  absl::StatusOr<InternalCredential> credential =
      InternalCredential::Create(std::string(31, 's'));

  ASSERT_EQ(credential.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(credential.status().message(), HasSubstr("at least 32 bytes"));
}

TEST(InternalCredentialTest, Accepts32ByteSecret) {
  EXPECT_TRUE(InternalCredential::Create(std::string(32, 's')).ok());
}

TEST(InternalCredentialTest, VerifiesSameMethodAndPrincipal) {
  const InternalCredential credential = MakeCredential(kSecret);
  const std::string principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  IncomingCall call;
  call.Add(kPrincipalMetadataKey, principal);
  call.Add(kSignatureMetadataKey,
           credential.Signature(kMethod, principal, UnixSecondsFromNow(60)));

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->user(), "organizations/o1/users/u1");
  EXPECT_EQ(verified->role(), ironorg::identity::v1::ROLE_ADMIN);
}

TEST(InternalCredentialTest, OtherMethodIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  const std::string principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  IncomingCall call;
  call.Add(kPrincipalMetadataKey, principal);
  call.Add(kSignatureMetadataKey,
           credential.Signature(kMethod, principal, UnixSecondsFromNow(60)));

  absl::StatusOr<Principal> verified = credential.Verify(
      "/ironorg.identity.v1.UserService/DeleteUser", call.context());

  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalCredentialTest, TamperedPrincipalIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  const std::string signed_principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  const std::string sent_principal =
      UserPrincipal("organizations/o1/users/u2").SerializeAsString();
  IncomingCall call;
  call.Add(kPrincipalMetadataKey, sent_principal);
  call.Add(
      kSignatureMetadataKey,
      credential.Signature(kMethod, signed_principal, UnixSecondsFromNow(60)));

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalCredentialTest, WrongSecretIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  const InternalCredential other = MakeCredential(kOtherSecret);
  const std::string principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  IncomingCall call;
  call.Add(kPrincipalMetadataKey, principal);
  call.Add(kSignatureMetadataKey,
           other.Signature(kMethod, principal, UnixSecondsFromNow(60)));

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalCredentialTest, ExpiredSignatureIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  const std::string principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  IncomingCall call;
  call.Add(kPrincipalMetadataKey, principal);
  call.Add(kSignatureMetadataKey,
           credential.Signature(kMethod, principal, UnixSecondsFromNow(-5)));

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  ASSERT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(verified.status().message(), HasSubstr("expired"));
}

TEST(InternalCredentialTest, EditedExpiryIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  const std::string principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  const int64_t expiry = UnixSecondsFromNow(-5);
  std::string signature = credential.Signature(kMethod, principal, expiry);
  // Moves the expiry into the future and keeps the MAC.
  const std::string old_expiry = absl::StrCat(".", expiry, ".");
  signature.replace(signature.find(old_expiry), old_expiry.size(),
                    absl::StrCat(".", UnixSecondsFromNow(3600), "."));
  IncomingCall call;
  call.Add(kPrincipalMetadataKey, principal);
  call.Add(kSignatureMetadataKey, signature);

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalCredentialTest, MissingSignatureIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  IncomingCall call;
  call.Add(kPrincipalMetadataKey,
           UserPrincipal("organizations/o1/users/u1").SerializeAsString());

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalCredentialTest, MissingPrincipalIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  const std::string principal =
      UserPrincipal("organizations/o1/users/u1").SerializeAsString();
  IncomingCall call;
  call.Add(kSignatureMetadataKey,
           credential.Signature(kMethod, principal, UnixSecondsFromNow(60)));

  absl::StatusOr<Principal> verified =
      credential.Verify(kMethod, call.context());

  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(InternalCredentialTest, MalformedSignatureIsUnauthenticated) {
  const InternalCredential credential = MakeCredential(kSecret);
  for (const std::string signature :
       {"v1", "v2.1.abc", "v1.soon.abc", "v1.1.abc.def", "garbage"}) {
    IncomingCall call;
    call.Add(kPrincipalMetadataKey, "");
    call.Add(kSignatureMetadataKey, signature);

    absl::StatusOr<Principal> verified =
        credential.Verify(kMethod, call.context());

    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated)
        << signature;
  }
}

TEST(InternalCredentialTest, DeriveKeyDependsOnPurposeAndSecret) {
  const InternalCredential credential = MakeCredential(kSecret);
  const InternalCredential other = MakeCredential(kOtherSecret);

  EXPECT_EQ(credential.DeriveKey("page-token"),
            credential.DeriveKey("page-token"));
  EXPECT_NE(credential.DeriveKey("page-token"),
            credential.DeriveKey("other-purpose"));
  EXPECT_NE(credential.DeriveKey("page-token"), other.DeriveKey("page-token"));
  EXPECT_EQ(credential.DeriveKey("page-token").size(), 32u);
}

TEST(MethodPathTest, JoinsServiceAndMethod) {
  EXPECT_EQ(MethodPath("ironorg.identity.v1.UserService", "GetUser"),
            "/ironorg.identity.v1.UserService/GetUser");
}

// Verifies each call and returns the verified principal's organization as
// the organization's name, so the client can see what the server trusted.
class EchoPrincipalService final
    : public ironorg::identity::v1::OrganizationService::Service {
 public:
  explicit EchoPrincipalService(const InternalCredential* credential)
      : credential_(credential) {}

  grpc::Status GetOrganization(
      grpc::ServerContext* context,
      const ironorg::identity::v1::GetOrganizationRequest*,
      ironorg::identity::v1::Organization* response) override {
    absl::StatusOr<Principal> principal = credential_->Verify(
        MethodPath(
            ironorg::identity::v1::OrganizationService::service_full_name(),
            "GetOrganization"),
        *context);
    if (!principal.ok()) {
      return ToGrpcStatus(principal.status());
    }
    response->set_name(principal->organization());
    response->set_display_name(principal->user());
    return grpc::Status::OK;
  }

 private:
  const InternalCredential* credential_;
};

class LoopbackTest : public testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = ironorg::identity::v1::OrganizationService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  const std::string method_ = MethodPath(
      ironorg::identity::v1::OrganizationService::service_full_name(),
      "GetOrganization");
  const InternalCredential credential_ = MakeCredential(kSecret);
  EchoPrincipalService service_{&credential_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ironorg::identity::v1::OrganizationService::Stub> stub_;
};

TEST_F(LoopbackTest, SignedCallCarriesPrincipal) {
  grpc::ClientContext context;
  credential_.Sign(method_, UserPrincipal("organizations/o1/users/u7"),
                   &context);
  ironorg::identity::v1::Organization response;

  grpc::Status status = stub_->GetOrganization(
      &context, ironorg::identity::v1::GetOrganizationRequest(), &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.name(), "organizations/o1");
  EXPECT_EQ(response.display_name(), "organizations/o1/users/u7");
}

TEST_F(LoopbackTest, CallSignedForOtherMethodIsUnauthenticated) {
  grpc::ClientContext context;
  credential_.Sign(kMethod, UserPrincipal("organizations/o1/users/u7"),
                   &context);
  ironorg::identity::v1::Organization response;

  grpc::Status status = stub_->GetOrganization(
      &context, ironorg::identity::v1::GetOrganizationRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(LoopbackTest, UnsignedCallIsUnauthenticated) {
  grpc::ClientContext context;
  ironorg::identity::v1::Organization response;

  grpc::Status status = stub_->GetOrganization(
      &context, ironorg::identity::v1::GetOrganizationRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace ironorg
