#include "common/internal_auth.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/errors.h"

namespace ironorg {
namespace {

// How long a signature stays valid. Long enough for clock differences
// between hosts and for a call's whole deadline.
constexpr int64_t kSignatureLifetimeSeconds = 60;

absl::string_view FindMetadata(const grpc::ServerContextBase& context,
                              absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) {
    return absl::string_view();
  }
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<InternalCredential> InternalCredential::Create(
    std::string secret) {
  if (secret.size() < kMinInternalSecretBytes) {
    return errors::InvalidArgument(
        "internal_secret",
        absl::StrCat("the internal secret must be at least ",
                     kMinInternalSecretBytes, " bytes, got ", secret.size()));
  }
  return InternalCredential(std::move(secret));
}

std::string InternalCredential::DeriveKey(absl::string_view purpose) const {
  return crypto::HmacSha256(secret_, absl::StrCat("ironorg key: ", purpose));
}

std::string InternalCredential::Signature(absl::string_view method,
                                          absl::string_view principal,
                                          int64_t expiry_unix_seconds) const {
  const std::string data =
      absl::StrCat("v1\n", method, "\n", expiry_unix_seconds, "\n", principal);
  return absl::StrCat("v1.", expiry_unix_seconds, ".",
                      crypto::Base64UrlEncode(signing_key_.Mac(data)));
}

void InternalCredential::Sign(absl::string_view method,
                              const ironorg::identity::v1::Principal& principal,
                              grpc::ClientContext* context) const {
  const std::string serialized = principal.SerializeAsString();
  const int64_t expiry = absl::ToUnixSeconds(absl::Now()) +
                         kSignatureLifetimeSeconds;
  context->AddMetadata(kPrincipalMetadataKey, serialized);
  context->AddMetadata(kSignatureMetadataKey,
                       Signature(method, serialized, expiry));
}

absl::StatusOr<ironorg::identity::v1::Principal> InternalCredential::Verify(
    absl::string_view method, const grpc::ServerContextBase& context) const {
  const absl::string_view signature =
      FindMetadata(context, kSignatureMetadataKey);
  const absl::string_view principal_bytes =
      FindMetadata(context, kPrincipalMetadataKey);
  if (signature.empty()) {
    return errors::Unauthenticated(
        "this service accepts calls only from the ironorg gateway or a peer "
        "service; call the gateway instead");
  }

  const std::vector<absl::string_view> parts = absl::StrSplit(signature, '.');
  int64_t expiry = 0;
  if (parts.size() != 3 || parts[0] != "v1" ||
      !absl::SimpleAtoi(parts[1], &expiry)) {
    return errors::Unauthenticated("malformed internal signature");
  }
  if (!crypto::ConstantTimeEquals(signature,
                                  Signature(method, principal_bytes, expiry))) {
    return errors::Unauthenticated("invalid internal signature");
  }
  if (expiry < absl::ToUnixSeconds(absl::Now())) {
    return errors::Unauthenticated(
        "expired internal signature; check that the hosts' clocks agree");
  }

  ironorg::identity::v1::Principal principal;
  if (!principal.ParseFromArray(principal_bytes.data(),
                                static_cast<int>(principal_bytes.size()))) {
    return errors::Unauthenticated("malformed principal");
  }
  return principal;
}

std::string MethodPath(absl::string_view service_full_name,
                       absl::string_view method) {
  return absl::StrCat("/", service_full_name, "/", method);
}

}  // namespace ironorg
