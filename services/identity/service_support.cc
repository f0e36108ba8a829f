#include "services/identity/service_support.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/time_util.h"

namespace ironorg::identity {
namespace {

using v1::Principal;

std::string Etag(int64_t revision) { return absl::StrCat(revision); }

}  // namespace

bool IsUserCaller(const Principal& principal) {
  return principal.kind() == Principal::KIND_USER_ACCESS_TOKEN ||
         principal.kind() == Principal::KIND_USER_API_TOKEN;
}

std::string Actor(const Principal& principal) {
  switch (principal.kind()) {
    case Principal::KIND_USER_ACCESS_TOKEN:
    case Principal::KIND_USER_API_TOKEN:
      return principal.user();
    case Principal::KIND_OPERATOR:
      return "operator";
    case Principal::KIND_SERVICE:
      return "service";
    case Principal::KIND_CLUSTER_TOKEN:
      return principal.cluster();
    default:
      return "anonymous";
  }
}

absl::Status CheckOrganizationScope(const Principal& principal,
                                    absl::string_view organization_id) {
  const std::string organization = names::Organization(organization_id);
  if (IsUserCaller(principal)) {
    if (principal.organization() != organization) {
      return errors::PermissionDenied(absl::StrCat(
          "\"", organization, "\" is not the caller's organization"));
    }
    return absl::OkStatus();
  }
  if (principal.kind() == Principal::KIND_OPERATOR ||
      principal.kind() == Principal::KIND_SERVICE) {
    return absl::OkStatus();
  }
  return errors::PermissionDenied(
      absl::StrCat("this caller may not reach \"", organization, "\""));
}

v1::Organization ToProto(const OrganizationRecord& record) {
  v1::Organization organization;
  organization.set_name(names::Organization(record.id));
  organization.set_display_name(record.display_name);
  *organization.mutable_create_time() = ToTimestamp(record.create_time);
  *organization.mutable_update_time() = ToTimestamp(record.update_time);
  organization.set_etag(Etag(record.revision));
  return organization;
}

v1::User ToProto(const UserRecord& record) {
  v1::User user;
  user.set_name(names::Child(record.organization_id, "users", record.id));
  user.set_email(record.email);
  user.set_display_name(record.display_name);
  user.set_role(static_cast<v1::Role>(record.role));
  *user.mutable_create_time() = ToTimestamp(record.create_time);
  *user.mutable_update_time() = ToTimestamp(record.update_time);
  user.set_etag(Etag(record.revision));
  return user;
}

AuditRecord NewAuditRecord(absl::string_view actor,
                           absl::string_view organization_id,
                           absl::string_view action, absl::string_view resource,
                           absl::string_view request_id, int64_t now) {
  AuditRecord event;
  event.id = crypto::NewResourceId();
  event.organization_id = std::string(organization_id);
  event.actor = std::string(actor);
  event.action = std::string(action);
  event.resource = std::string(resource);
  event.request_id = std::string(request_id);
  event.create_time = now;
  return event;
}

absl::Status CheckAdmin(const Principal& principal, absl::string_view method) {
  if (IsUserCaller(principal) && principal.role() != v1::ROLE_ADMIN) {
    return errors::PermissionDenied(
        absl::StrCat(method, " needs ROLE_ADMIN"));
  }
  return absl::OkStatus();
}

bool CanReadOrganization(const Principal& principal) {
  return !IsUserCaller(principal) || principal.role() == v1::ROLE_ADMIN ||
         principal.role() == v1::ROLE_ADMIN_READ_ONLY;
}

std::string LoginThrottleKey(absl::string_view email) {
  return crypto::Sha256Hex(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(email)));
}

}  // namespace ironorg::identity
