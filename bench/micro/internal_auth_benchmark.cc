// Signing the caller's Principal, which the gateway does for every call it
// forwards, and verifying it, which the owning service does on receipt.

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "common/internal_auth.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg {
namespace {

using ::ironorg::identity::v1::Principal;

constexpr char kMethod[] = "/ironorg.projects.v1.ProjectService/GetProject";

Principal DeveloperCaller() {
  Principal principal;
  principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization("organizations/o4kq9mz2x7c1vb");
  principal.set_user("organizations/o4kq9mz2x7c1vb/users/u8w2rj5n0hq3te");
  principal.set_role(ironorg::identity::v1::ROLE_DEVELOPER);
  principal.set_token_id("t3m8x1c7v0b2nq");
  return principal;
}

InternalCredential MakeCredential() {
  return *InternalCredential::Create(std::string(32, 's'));
}

// The HMAC and its encoding alone, on an already serialized Principal.
void BM_InternalSignature(benchmark::State& state) {
  const InternalCredential credential = MakeCredential();
  const std::string principal = DeveloperCaller().SerializeAsString();
  const int64_t expiry = absl::ToUnixSeconds(absl::Now()) + 60;
  for (auto _ : state) {
    benchmark::DoNotOptimize(credential.Signature(kMethod, principal, expiry));
  }
}
BENCHMARK(BM_InternalSignature);

// Sign as the gateway calls it: serializing the Principal, signing it and
// adding both to the metadata of a new ClientContext. The context's own
// construction and destruction are part of the figure.
void BM_InternalSign(benchmark::State& state) {
  const InternalCredential credential = MakeCredential();
  const Principal principal = DeveloperCaller();
  for (auto _ : state) {
    grpc::ClientContext context;
    credential.Sign(kMethod, principal, &context);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_InternalSign);

// Verify as a service calls it on an incoming call's metadata: checking the
// signature and expiry, and parsing the Principal.
void BM_InternalVerify(benchmark::State& state) {
  const InternalCredential credential = MakeCredential();
  const std::string principal = DeveloperCaller().SerializeAsString();
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse incoming(&context);
  incoming.AddClientMetadata(kPrincipalMetadataKey, principal);
  incoming.AddClientMetadata(
      kSignatureMetadataKey,
      credential.Signature(kMethod, principal,
                           absl::ToUnixSeconds(absl::Now()) + 3600));
  if (!credential.Verify(kMethod, context).ok()) {
    state.SkipWithError("a fresh signature did not verify");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(credential.Verify(kMethod, context));
  }
}
BENCHMARK(BM_InternalVerify);

// Verify of a signature made with another secret: UNAUTHENTICATED.
void BM_InternalVerifyWrongSignature(benchmark::State& state) {
  const InternalCredential credential = MakeCredential();
  const InternalCredential other =
      *InternalCredential::Create(std::string(32, 'o'));
  const std::string principal = DeveloperCaller().SerializeAsString();
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse incoming(&context);
  incoming.AddClientMetadata(kPrincipalMetadataKey, principal);
  incoming.AddClientMetadata(
      kSignatureMetadataKey,
      other.Signature(kMethod, principal,
                      absl::ToUnixSeconds(absl::Now()) + 3600));
  for (auto _ : state) {
    benchmark::DoNotOptimize(credential.Verify(kMethod, context));
  }
}
BENCHMARK(BM_InternalVerifyWrongSignature);

}  // namespace
}  // namespace ironorg
