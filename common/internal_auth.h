// Trust between ironorg processes.
//
// The gateway authenticates callers and passes the resulting Principal to
// the owning service. Every process shares one internal secret. The sender
// signs each call with HMAC-SHA-256 over the method, an expiry time and the
// serialized Principal, and the receiver verifies that signature before it
// trusts the Principal. A caller without the secret cannot
// forge or alter an identity, nor move a signature to another method, and
// a captured signature stops working after its expiry (60 seconds).
//
// Metadata sent with each internal call:
//   x-ironorg-principal-bin  the serialized ironorg.identity.v1.Principal
//   x-ironorg-signature      "v1.<expiry unix seconds>.<base64url HMAC>"
//
// Thread-safe.
#ifndef IRONORG_COMMON_INTERNAL_AUTH_H_
#define IRONORG_COMMON_INTERNAL_AUTH_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg {

inline constexpr char kPrincipalMetadataKey[] = "x-ironorg-principal-bin";
inline constexpr char kSignatureMetadataKey[] = "x-ironorg-signature";

// The minimum length of the internal secret, in bytes.
inline constexpr size_t kMinInternalSecretBytes = 32;

class InternalCredential final {
 public:
  // Returns INVALID_ARGUMENT if `secret` is shorter than 32 bytes.
  static absl::StatusOr<InternalCredential> Create(std::string secret);

  // Signs `principal` for a call of `method` (the full path, such as
  // "/ironorg.identity.v1.UserService/GetUser") and adds both to
  // `context`'s metadata.
  void Sign(absl::string_view method,
            const ironorg::identity::v1::Principal& principal,
            grpc::ClientContext* context) const;

  // Returns the Principal of an incoming call of `method` after checking
  // its signature and expiry; UNAUTHENTICATED if either is missing, wrong
  // or expired.
  absl::StatusOr<ironorg::identity::v1::Principal> Verify(
      absl::string_view method, const grpc::ServerContextBase& context) const;

  // Derives a key for one purpose, such as "page-token", from the shared
  // secret, so that every replica of a service derives the same key and
  // the secret itself is used for nothing else.
  std::string DeriveKey(absl::string_view purpose) const;

  // Returns the same signature Sign would add; exposed for tests and for
  // forwarding without a ClientContext.
  std::string Signature(absl::string_view method, absl::string_view principal,
                        int64_t expiry_unix_seconds) const;

 private:
  explicit InternalCredential(std::string secret)
      : secret_(std::move(secret)), signing_key_(secret_) {}

  std::string secret_;
  // The secret's keyed HMAC state, computed once for every signature.
  crypto::HmacSha256Key signing_key_;
};

// Returns "/<service full name>/<method>", the path gRPC uses on the wire.
std::string MethodPath(absl::string_view service_full_name,
                       absl::string_view method);

}  // namespace ironorg

#endif  // IRONORG_COMMON_INTERNAL_AUTH_H_
