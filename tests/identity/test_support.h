// Shared pieces of the identity tests: a cheap password cost and
// ready-made principals.
#ifndef IRONORG_TESTS_IDENTITY_TEST_SUPPORT_H_
#define IRONORG_TESTS_IDENTITY_TEST_SUPPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/crypto.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"

namespace ironorg::identity::testing {

// libsodium's minimum Argon2id cost (8 KiB, 1 pass), so that tests hash in
// microseconds. Production uses the PasswordCost defaults.
inline crypto::PasswordCost FastPasswordCost() {
  crypto::PasswordCost cost;
  cost.memory_bytes = 8 * 1024;
  cost.passes = 1;
  return cost;
}

inline v1::Principal OperatorPrincipal() {
  v1::Principal principal;
  principal.set_kind(v1::Principal::KIND_OPERATOR);
  return principal;
}

inline v1::Principal ServicePrincipal() {
  v1::Principal principal;
  principal.set_kind(v1::Principal::KIND_SERVICE);
  return principal;
}

// A user calling with an access token; `user` is the user's resource name.
inline v1::Principal UserPrincipal(absl::string_view organization,
                                   absl::string_view user, v1::Role role) {
  v1::Principal principal;
  principal.set_kind(v1::Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization(std::string(organization));
  principal.set_user(std::string(user));
  principal.set_role(role);
  principal.set_token_id("t0");
  return principal;
}

}  // namespace ironorg::identity::testing

#endif  // IRONORG_TESTS_IDENTITY_TEST_SUPPORT_H_
