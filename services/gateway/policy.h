// The gateway's permission table and the decision made for each call.
//
// Each public method has exactly one MethodRule: which callers may call
// it, which request field names the resource it acts on, and how that
// resource is checked. The gateway reads the field from the parsed request
// through protobuf reflection, so the rules are data. A method without a
// rule is denied.
//
// Order of checks, so that a caller learns nothing about resources outside
// their reach: the caller's kind and role first (PERMISSION_DENIED), then
// the form of the target name (INVALID_ARGUMENT naming the field), then its
// organization (PERMISSION_DENIED), then self and grants. Permission is
// decided before any service looks the resource up, so a name in another
// organization and a name that does not exist read the same.
//
// Thread-safe: the table is immutable after first use.
#ifndef IRONORG_SERVICES_GATEWAY_POLICY_H_
#define IRONORG_SERVICES_GATEWAY_POLICY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg::gateway {

// The callers a rule admits; a rule's `callers` is a bitwise OR of these.
enum Caller : uint32_t {
  kAdmin = 1u << 0,          // a user with ROLE_ADMIN
  kAdminReadOnly = 1u << 1,  // a user with ROLE_ADMIN_READ_ONLY
  kDeveloper = 1u << 2,      // a user with ROLE_DEVELOPER
  kAccountant = 1u << 3,     // a user with ROLE_ACCOUNTANT
  // A user of any role, when the target names that user (or a resource
  // under it, such as one of their API tokens).
  kSelf = 1u << 4,
  // A ROLE_DEVELOPER user holding a grant on the target project or
  // cluster.
  kGrantedDeveloper = 1u << 5,
  kOperator = 1u << 6,  // the platform operator credential
  // A cluster token, when the target is that cluster or under it.
  kClusterToken = 1u << 7,
  // Anyone, with or without a token; a token sent is ignored.
  kAnonymous = 1u << 8,
};

inline constexpr uint32_t kAnyRole =
    kAdmin | kAdminReadOnly | kDeveloper | kAccountant;

// The service that stores the grants a kGrantedDeveloper rule checks.
enum class GrantKind { kNone, kProject, kCluster };

// One row of the permission table.
struct MethodRule {
  // The full method name, "<package>.<Service>/<Method>".
  std::string method;

  // A bitwise OR of Caller values.
  uint32_t callers = 0;

  // The request field naming the target resource, such as "name" or
  // "user.name", a path through singular message fields to a string. Empty
  // when the method names no resource.
  std::string target_field;

  // The form the target must have, in names::Parse notation, such as
  // "organizations/{organization}/users/{user}".
  std::string target_pattern;

  // For kGrantedDeveloper: where the grant on the target is stored.
  GrantKind grant = GrantKind::kNone;

  // Another string field, singular or repeated, whose well-formed names
  // must also lie in the caller's organization, such as the `user` of
  // GrantProjectAccess. Malformed names are left to the owning service.
  std::string also_in_organization;

  // Set when only an access token from Login may call the method; an API
  // token gets PERMISSION_DENIED.
  bool access_token_only = false;

  // When set, kSelf admits only requests whose `update_mask` is not empty
  // and lists this field alone, such as "display_name" for UpdateUser.
  std::string self_update_mask_only;
};

// Returns every rule, one per public method.
const std::vector<MethodRule>& AllRules();

// Returns the rule of `method` ("<package>.<Service>/<Method>"), or nullptr
// when the table has none, in which case the call is denied.
const MethodRule* FindRule(absl::string_view method);

// Describes the callers a rule admits, such as "ROLE_ADMIN or
// ROLE_ADMIN_READ_ONLY, or the caller's own user in name".
std::string DescribeCallers(const MethodRule& rule);

// The decision on one call before any grant lookup.
struct Decision {
  // OK to allow (subject to `required_grant`), or the error to return:
  // UNAUTHENTICATED, PERMISSION_DENIED or INVALID_ARGUMENT.
  absl::Status status;

  // When not kNone, the call is allowed only if the caller has a grant
  // of this kind on `resource`; otherwise it is denied with
  // `status_if_no_grant`.
  GrantKind required_grant = GrantKind::kNone;
  std::string resource;
  absl::Status status_if_no_grant;
};

// Decides a call of `rule`'s method by `caller` with `request`, which must
// be of the method's input type. An anonymous caller (kind
// KIND_UNSPECIFIED) gets UNAUTHENTICATED unless the rule admits
// kAnonymous.
Decision Decide(const MethodRule& rule,
                const ironorg::identity::v1::Principal& caller,
                const google::protobuf::Message& request);

// Looks up grants for kGrantedDeveloper rules. The gateway calls the
// owning service, and tests use a double.
class GrantChecker {
 public:
  virtual ~GrantChecker() = default;

  // Calls `done` exactly once, possibly on another thread, with whether
  // `user` has a grant on `resource` (a project or cluster name), or
  // with the error that prevented the lookup, such as UNAVAILABLE.
  virtual void CheckGrant(GrantKind kind, const std::string& user,
                          const std::string& resource,
                          std::function<void(absl::StatusOr<bool>)> done) = 0;
};

// Decides a call as Decide does and, when the rule needs a grant, calls
// `grants`. Calls `done` exactly once with OK when the call may proceed,
// or with the error to return. `grants` must outlive the call of `done`.
void Authorize(const MethodRule& rule,
               const ironorg::identity::v1::Principal& caller,
               const google::protobuf::Message& request, GrantChecker& grants,
               std::function<void(absl::Status)> done);

// Returns the caller as the access log names it: the user name,
// "operator", the cluster name, or "anonymous".
std::string DescribePrincipal(const ironorg::identity::v1::Principal& caller);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_POLICY_H_
