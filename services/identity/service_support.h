// Helpers shared by the two source files of IdentityService:
// identity_service.cc (organizations, users, audit events) and
// identity_auth.cc (logins, tokens, introspection). Not for other callers.
#ifndef IRONORG_SERVICES_IDENTITY_SERVICE_SUPPORT_H_
#define IRONORG_SERVICES_IDENTITY_SERVICE_SUPPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ironorg/identity/v1/organization.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "services/identity/identity_store.h"

namespace ironorg::identity {

inline constexpr char kUserPattern[] =
    "organizations/{organization}/users/{user}";

// True for the two kinds of user token.
bool IsUserCaller(const v1::Principal& principal);

// Returns the caller as recorded in audit events and request-id keys.
std::string Actor(const v1::Principal& principal);

// Checks that the caller may reach resources of `organization_id`. Runs
// before any lookup, so that a name in another organization and a name
// that does not exist get the same error.
absl::Status CheckOrganizationScope(const v1::Principal& principal,
                                    absl::string_view organization_id);

// Checks that a user caller has ROLE_ADMIN. The operator and peer services
// pass, as they do the organization scope check.
absl::Status CheckAdmin(const v1::Principal& principal,
                        absl::string_view method);

// True for callers that may read everything of their organization: Admins,
// Admins read-only, the operator and peer services.
bool CanReadOrganization(const v1::Principal& principal);

// Returns the key under which failed logins for `email` are counted: the
// SHA-256 of the trimmed, lower-cased address. Hashing keeps the key short
// and keeps arbitrary guessed strings out of the database. A malformed
// address gets a key too, so that it is throttled like any other.
std::string LoginThrottleKey(absl::string_view email);

v1::Organization ToProto(const OrganizationRecord& record);
v1::User ToProto(const UserRecord& record);

// Returns a new audit event with a random id.
AuditRecord NewAuditRecord(absl::string_view actor,
                           absl::string_view organization_id,
                           absl::string_view action, absl::string_view resource,
                           absl::string_view request_id, int64_t now);

}  // namespace ironorg::identity

#endif  // IRONORG_SERVICES_IDENTITY_SERVICE_SUPPORT_H_
