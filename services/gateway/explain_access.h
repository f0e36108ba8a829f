// AccessService.ExplainAccess: the gateway's decision for one user, method
// and resource, with the rule that made it, so that an admin can find out
// why a user can or cannot reach a project.
//
// The explanation runs the same permission table and the same grant
// lookups as a real call by that user with an access token from Login.
#ifndef IRONORG_SERVICES_GATEWAY_EXPLAIN_ACCESS_H_
#define IRONORG_SERVICES_GATEWAY_EXPLAIN_ACCESS_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "ironorg/gateway/v1/access.pb.h"
#include "services/gateway/gateway_call.h"
#include "services/gateway/policy.h"

namespace ironorg::gateway {

// Returns an empty request of `rule`'s method whose target field names
// `resource`. For a rule whose self case needs one update_mask path, the
// request's update_mask lists that path, so the explanation covers the
// case the rule admits. INVALID_ARGUMENT naming `resource` when the method
// names no resource but `resource` is set.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> NewRequestNaming(
    const MethodRule& rule, absl::string_view resource);

// Explains `request` and calls `done` exactly once with the response or
// with the error: INVALID_ARGUMENT for a missing `user` or `method` or a
// malformed `resource`, NOT_FOUND for an unknown user, UNAVAILABLE when
// identity, projects or clusters cannot be reached. The caller must
// already have passed ExplainAccess's own permission rule, which confines
// `user` to the caller's organization.
void ExplainAccess(
    const ironorg::gateway::v1::ExplainAccessRequest& request,
    LocalCallTools& tools,
    std::function<void(absl::StatusOr<ironorg::gateway::v1::ExplainAccessResponse>)>
        done);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_EXPLAIN_ACCESS_H_
