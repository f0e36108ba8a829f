#include "common/access_rules.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace ironorg::access {

using ::ironorg::identity::v1::Principal;

bool IsUser(const Principal& caller) {
  return caller.kind() == Principal::KIND_USER_ACCESS_TOKEN ||
         caller.kind() == Principal::KIND_USER_API_TOKEN;
}

bool IsService(const Principal& caller) {
  return caller.kind() == Principal::KIND_SERVICE;
}

std::string AuditActor(const Principal& caller) {
  return IsUser(caller) ? caller.user() : std::string("service");
}

absl::Status CheckOrganization(const Principal& caller,
                               absl::string_view organization_id,
                               absl::string_view service_name) {
  if (IsService(caller)) {
    return absl::OkStatus();
  }
  if (!IsUser(caller)) {
    return errors::PermissionDenied(
        absl::StrCat("the ", service_name,
                     " service serves users of an organization and peer "
                     "services only"));
  }
  const std::string organization = names::Organization(organization_id);
  if (caller.organization() != organization) {
    return errors::PermissionDenied(absl::StrCat(
        "\"", caller.user(), "\" cannot reach resources of ", organization));
  }
  return absl::OkStatus();
}

absl::Status RequireAdmin(const Principal& caller, absl::string_view method) {
  if (IsService(caller) || caller.role() == identity::v1::ROLE_ADMIN) {
    return absl::OkStatus();
  }
  return errors::PermissionDenied(
      absl::StrCat(method, " needs the ROLE_ADMIN role"));
}

bool SeesWholeOrganization(const Principal& caller) {
  return IsService(caller) || caller.role() == identity::v1::ROLE_ADMIN ||
         caller.role() == identity::v1::ROLE_ADMIN_READ_ONLY;
}

absl::StatusOr<std::string> ParseUserOrganization(absl::string_view name,
                                                  absl::string_view field) {
  IRONORG_ASSIGN_OR_RETURN(
      const std::vector<std::string> ids,
      names::Parse(name, "organizations/{organization}/users/{user}", field));
  return ids[0];
}

absl::Status GrantRules::Grant(const Principal& caller,
                               absl::string_view method,
                               absl::string_view organization_id,
                               absl::string_view resource_id,
                               absl::string_view user_name) {
  IRONORG_RETURN_IF_ERROR(
      AuthorizeGrantChange(caller, method, organization_id, user_name,
                           absl::StrCat("; grant a ", config_.resource_kind,
                                        " only to users of its organization")));

  // An existing grant needs no lookups, so a repeated grant succeeds even
  // while identity is unreachable.
  IRONORG_ASSIGN_OR_RETURN(
      const bool granted,
      store_->HasAccess(organization_id, resource_id, user_name));
  if (granted) {
    return absl::OkStatus();
  }
  // The resource is checked first, so that a missing one is reported
  // without a call to identity.
  IRONORG_RETURN_IF_ERROR(
      store_->CheckResourceExists(organization_id, resource_id));
  IRONORG_RETURN_IF_ERROR(users_->CheckUserExists(user_name));

  const Mutation mutation{AuditActor(caller), std::string(method),
                          /*request_id=*/"", NowMicros()};
  return store_->GrantAccess(organization_id, resource_id, user_name, mutation)
      .status();
}

absl::Status GrantRules::Revoke(const Principal& caller,
                                absl::string_view method,
                                absl::string_view organization_id,
                                absl::string_view resource_id,
                                absl::string_view user_name) {
  IRONORG_RETURN_IF_ERROR(AuthorizeGrantChange(caller, method, organization_id,
                                               user_name, /*denial_hint=*/""));

  const Mutation mutation{AuditActor(caller), std::string(method),
                          /*request_id=*/"", NowMicros()};
  return store_->RevokeAccess(organization_id, resource_id, user_name, mutation)
      .status();
}

absl::StatusOr<std::string> GrantRules::AuthorizeUserListing(
    const Principal& caller, absl::string_view method,
    absl::string_view user_name) const {
  IRONORG_ASSIGN_OR_RETURN(std::string organization_id,
                           ParseUserOrganization(user_name, "user"));
  IRONORG_RETURN_IF_ERROR(
      CheckOrganization(caller, organization_id, config_.service_name));

  if (!SeesWholeOrganization(caller) && caller.user() != user_name) {
    return errors::PermissionDenied(absl::StrCat(
        method,
        " of another user needs the ROLE_ADMIN or ROLE_ADMIN_READ_ONLY "
        "role; other users may list only their own ",
        config_.collection));
  }
  return organization_id;
}

absl::StatusOr<MemberListing> GrantRules::ListMembers(
    const Principal& caller, absl::string_view method,
    absl::string_view resource_name, int32_t page_size,
    absl::string_view page_token,
    const pagination::PageTokenCodec& page_tokens) const {
  IRONORG_ASSIGN_OR_RETURN(
      const std::vector<std::string> ids,
      ParseResourceName(resource_name, config_.resource_kind));
  IRONORG_RETURN_IF_ERROR(
      CheckOrganization(caller, ids[0], config_.service_name));
  if (!SeesWholeOrganization(caller)) {
    return errors::PermissionDenied(absl::StrCat(
        method, " needs the ROLE_ADMIN or ROLE_ADMIN_READ_ONLY role"));
  }

  IRONORG_ASSIGN_OR_RETURN(const int size,
                           pagination::NormalizePageSize(page_size));
  const std::string scope =
      absl::StrCat(method, "\n", resource_name, "\n", AuditActor(caller));
  std::string after_user;
  if (!page_token.empty()) {
    IRONORG_ASSIGN_OR_RETURN(after_user, page_tokens.Decode(scope, page_token));
  }

  IRONORG_ASSIGN_OR_RETURN(
      GrantMemberPage page,
      store_->ListMembers(ids[0], ids[1], after_user, size));
  MemberListing listing;
  if (page.has_more && !page.user_names.empty()) {
    listing.next_page_token = page_tokens.Encode(scope, page.user_names.back());
  }
  listing.user_names = std::move(page.user_names);
  return listing;
}

absl::StatusOr<std::vector<std::string>> GrantRules::SetUserGrants(
    const Principal& caller, absl::string_view method,
    absl::string_view user_name,
    const std::vector<std::string>& resource_names) {
  IRONORG_ASSIGN_OR_RETURN(const std::string organization_id,
                           ParseUserOrganization(user_name, "user"));
  IRONORG_RETURN_IF_ERROR(
      CheckOrganization(caller, organization_id, config_.service_name));
  IRONORG_RETURN_IF_ERROR(RequireAdmin(caller, method));

  if (resource_names.size() > static_cast<size_t>(kMaxSetGrantsNames)) {
    return errors::InvalidArgument(
        config_.collection,
        absl::StrCat(config_.collection, " lists ", resource_names.size(),
                     " names; at most ", kMaxSetGrantsNames,
                     " are allowed in one call"));
  }
  // Every name is parsed before any organization is compared, so that a
  // malformed name is reported the same wherever it appears in the list.
  std::vector<std::vector<std::string>> parsed;
  parsed.reserve(resource_names.size());
  for (size_t i = 0; i < resource_names.size(); ++i) {
    IRONORG_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        ParseResourceName(resource_names[i],
                          absl::StrCat(config_.collection, "[", i, "]")));
    parsed.push_back(std::move(ids));
  }
  std::vector<std::string> resource_ids;
  resource_ids.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (parsed[i][0] != organization_id) {
      return errors::PermissionDenied(absl::StrCat(
          config_.resource_kind, " \"", resource_names[i], "\" is not in ",
          names::Organization(organization_id), "; grant a ",
          config_.resource_kind, " only to users of its organization"));
    }
    resource_ids.push_back(std::move(parsed[i][1]));
  }

  if (!resource_ids.empty()) {
    // Resources first, so that a missing one is reported without a call
    // to identity.
    IRONORG_RETURN_IF_ERROR(
        store_->CheckResourcesExist(organization_id, resource_ids));
    IRONORG_RETURN_IF_ERROR(users_->CheckUserExists(user_name));
  }

  const Mutation mutation{AuditActor(caller), std::string(method),
                          /*request_id=*/"", NowMicros()};
  IRONORG_ASSIGN_OR_RETURN(GrantSetResult result,
                           store_->SetUserGrants(organization_id, user_name,
                                                 resource_ids, mutation));
  return std::move(result.resource_names);
}

absl::StatusOr<std::vector<std::string>> GrantRules::ParseResourceName(
    absl::string_view name, absl::string_view field) const {
  return names::Parse(
      name,
      absl::StrCat("organizations/{organization}/", config_.collection, "/{",
                   config_.resource_kind, "}"),
      field);
}

absl::Status GrantRules::AuthorizeGrantChange(
    const Principal& caller, absl::string_view method,
    absl::string_view organization_id, absl::string_view user_name,
    absl::string_view denial_hint) const {
  IRONORG_ASSIGN_OR_RETURN(const std::string user_organization_id,
                           ParseUserOrganization(user_name, "user"));

  IRONORG_RETURN_IF_ERROR(
      CheckOrganization(caller, organization_id, config_.service_name));
  IRONORG_RETURN_IF_ERROR(RequireAdmin(caller, method));
  if (user_organization_id != organization_id) {
    return errors::PermissionDenied(
        absl::StrCat("user \"", user_name, "\" is not in ",
                     names::Organization(organization_id), denial_hint));
  }
  return absl::OkStatus();
}

}  // namespace ironorg::access
