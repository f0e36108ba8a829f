// Parsing and building of resource names such as
// `organizations/o1/projects/p1`.
//
// A resource id is 1 to 63 characters of lower-case letters, digits and
// hyphens. Ids this suite creates come from crypto::NewResourceId.
#ifndef IRONORG_COMMON_NAMES_H_
#define IRONORG_COMMON_NAMES_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace ironorg::names {

// Matches `name` against `pattern`, such as
// "organizations/{organization}/users/{user}", and returns the ids in
// order. Returns INVALID_ARGUMENT naming `field` when `name` is empty or
// does not match.
absl::StatusOr<std::vector<std::string>> Parse(absl::string_view name,
                                               absl::string_view pattern,
                                               absl::string_view field);

// Parses `organizations/{organization}` and returns the organization id.
absl::StatusOr<std::string> ParseOrganization(absl::string_view name,
                                              absl::string_view field);

// Returns "organizations/{id}".
std::string Organization(absl::string_view organization_id);

// Returns "organizations/{organization_id}/{collection}/{id}".
std::string Child(absl::string_view organization_id,
                  absl::string_view collection, absl::string_view id);

// Returns the `organizations/{organization}` prefix of any name inside an
// organization, or an empty string when `name` has none.
std::string OrganizationOf(absl::string_view name);

// Returns true if `id` is a well-formed resource id.
bool IsValidId(absl::string_view id);

}  // namespace ironorg::names

#endif  // IRONORG_COMMON_NAMES_H_
