// Caller checks that the services owning organization resources share, and
// the rules of granting a user access to such a resource.
//
// A user principal (access or API token) may act only inside its own
// organization. A KIND_SERVICE principal is a peer holding the internal
// credential and may act in any organization. Other kinds (operator,
// cluster token) get PERMISSION_DENIED. Every denial comes before any
// lookup, so a name in another organization gets the same status whether
// or not it exists.
//
// Thread-safe: the free functions keep no state, and GrantRules is
// thread-safe if its store and user directory are.
#ifndef IRONORG_COMMON_ACCESS_RULES_H_
#define IRONORG_COMMON_ACCESS_RULES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/grant_store.h"
#include "common/pagination.h"
#include "common/user_directory.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg::access {

// Returns true for a caller holding a user access token or API token.
bool IsUser(const ironorg::identity::v1::Principal& caller);

// Returns true for a peer service holding the internal credential.
bool IsService(const ironorg::identity::v1::Principal& caller);

// Returns the audit actor of `caller`: the user name, or "service" for
// any other caller.
std::string AuditActor(const ironorg::identity::v1::Principal& caller);

// Returns OK if `caller` may act in the organization `organization_id`.
// Returns PERMISSION_DENIED for a user of another organization and for a
// caller that is neither a user nor a service. `service_name`, such as
// "projects", names the service in that message.
absl::Status CheckOrganization(const ironorg::identity::v1::Principal& caller,
                               absl::string_view organization_id,
                               absl::string_view service_name);

// Returns OK for a service or a user with ROLE_ADMIN, and
// PERMISSION_DENIED "<method> needs the ROLE_ADMIN role" otherwise.
absl::Status RequireAdmin(const ironorg::identity::v1::Principal& caller,
                          absl::string_view method);

// Returns true if `caller` may read every resource of its organization: a
// service, or a user with ROLE_ADMIN or ROLE_ADMIN_READ_ONLY.
bool SeesWholeOrganization(const ironorg::identity::v1::Principal& caller);

// Parses a user name `organizations/{organization}/users/{user}` and
// returns its organization id. INVALID_ARGUMENT naming `field` if the name
// is malformed.
absl::StatusOr<std::string> ParseUserOrganization(absl::string_view name,
                                                  absl::string_view field);

// The maximum number of resource names in one Set<Kind>s request, such
// as SetUserProjects.
inline constexpr int kMaxSetGrantsNames = 1000;

// One page of GrantRules::ListMembers.
struct MemberListing {
  // The names of the granted users, in name order.
  std::vector<std::string> user_names;
  // The token of the next page, or empty on the last page.
  std::string next_page_token;
};

// The names GrantRules uses in its messages.
struct GrantRulesConfig {
  // The service, such as "projects".
  std::string service_name;
  // The resource kind, such as "project".
  std::string resource_kind;
  // The resource collection, such as "projects". It is also the name of
  // the request field that lists resources in Set<Kind>s calls.
  std::string collection;
};

// The Grant<Kind>Access, Revoke<Kind>Access, List<Kind>Members,
// ListUser<Kinds> and SetUser<Kinds> rules of a service whose resources
// belong to an organization, such as GrantProjectAccess and
// SetUserProjects. Resource names have the form
// `organizations/{organization}/<collection>/{id}`.
class GrantRules final {
 public:
  // `store` and `users` must outlive the rules.
  GrantRules(GrantRulesConfig config, GrantStore* store, UserDirectory* users)
      : config_(std::move(config)), store_(store), users_(users) {}

  // Grants `user_name` access to the resource `resource_id` of the
  // organization `organization_id`, for the call `method` (the audit
  // action). The caller must be an admin of that organization and the user
  // must belong to it, or the call gets PERMISSION_DENIED. A malformed
  // `user_name` is INVALID_ARGUMENT on the field "user". A repeated grant
  // succeeds and changes nothing without asking identity, so it succeeds
  // even while identity is unreachable. Otherwise the resource must exist and
  // identity must have the user, or the call gets NOT_FOUND. UNAVAILABLE
  // if storage is busy or identity cannot be reached.
  absl::Status Grant(const ironorg::identity::v1::Principal& caller,
                     absl::string_view method,
                     absl::string_view organization_id,
                     absl::string_view resource_id,
                     absl::string_view user_name);

  // Removes the grant under the same caller checks as Grant. Revoking a
  // missing grant succeeds and changes nothing. NOT_FOUND if the resource
  // does not exist. The user is not looked up, so grants of deleted users
  // can still be removed.
  absl::Status Revoke(const ironorg::identity::v1::Principal& caller,
                      absl::string_view method,
                      absl::string_view organization_id,
                      absl::string_view resource_id,
                      absl::string_view user_name);

  // Checks that `caller` may call `method` to list the resources granted
  // to `user_name`, and returns the user's organization id. A service and
  // an admin or read-only admin may name any user of their organization,
  // other users only themselves. INVALID_ARGUMENT on the field "user" for
  // a malformed name, PERMISSION_DENIED otherwise.
  absl::StatusOr<std::string> AuthorizeUserListing(
      const ironorg::identity::v1::Principal& caller, absl::string_view method,
      absl::string_view user_name) const;

  // Lists the users granted the resource `resource_name`, for the call
  // `method` with the request's `page_size` and `page_token`, in user
  // name order. A service, an admin and a read-only admin of the
  // resource's organization may list. A page token is sealed to the
  // method, the resource name and the caller. Returns, in this order of
  // checks:
  //   INVALID_ARGUMENT  a malformed name, on the field named after the
  //                     resource kind, such as "project";
  //   PERMISSION_DENIED any other caller;
  //   INVALID_ARGUMENT  "page_size" or "page_token", as
  //                     common/pagination.h describes;
  //   NOT_FOUND         the resource does not exist.
  absl::StatusOr<MemberListing> ListMembers(
      const ironorg::identity::v1::Principal& caller, absl::string_view method,
      absl::string_view resource_name, int32_t page_size,
      absl::string_view page_token,
      const pagination::PageTokenCodec& page_tokens) const;

  // Replaces the whole set of grants of `user_name` with grants on
  // exactly `resource_names`, for the call `method` (the audit action),
  // in one transaction. Repeated names count once. Returns the sorted
  // names the user has grants on afterwards. On any error nothing
  // changes. Returns, in this order of checks:
  //   INVALID_ARGUMENT  "user" is malformed;
  //   PERMISSION_DENIED the caller is not an admin of the user's
  //                     organization nor a service;
  //   INVALID_ARGUMENT  more than kMaxSetGrantsNames names, on the field
  //                     <collection>; a malformed name, on the field
  //                     <collection>[i];
  //   PERMISSION_DENIED a name in another organization;
  //   NOT_FOUND         the first resource that does not exist, then the
  //                     user if identity does not have it;
  //   UNAVAILABLE       storage is busy or identity cannot be reached.
  // Identity is asked only when the list is not empty, so an empty list
  // removes the grants of a user that identity already deleted.
  absl::StatusOr<std::vector<std::string>> SetUserGrants(
      const ironorg::identity::v1::Principal& caller, absl::string_view method,
      absl::string_view user_name,
      const std::vector<std::string>& resource_names);

 private:
  // Runs the caller checks shared by Grant and Revoke. `denial_hint` ends
  // the message for a user of another organization.
  absl::Status AuthorizeGrantChange(
      const ironorg::identity::v1::Principal& caller, absl::string_view method,
      absl::string_view organization_id, absl::string_view user_name,
      absl::string_view denial_hint) const;

  // Parses a resource name of this service and returns the organization
  // id and the resource id. INVALID_ARGUMENT naming `field` if malformed.
  absl::StatusOr<std::vector<std::string>> ParseResourceName(
      absl::string_view name, absl::string_view field) const;

  GrantRulesConfig config_;
  GrantStore* store_;
  UserDirectory* users_;
};

}  // namespace ironorg::access

#endif  // IRONORG_COMMON_ACCESS_RULES_H_
