#include "common/names.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace ironorg::names {

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) {
    return false;
  }
  for (char c : id) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<std::string>> Parse(absl::string_view name,
                                               absl::string_view pattern,
                                               absl::string_view field) {
  if (name.empty()) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " is required, in the form ", pattern));
  }
  const std::vector<absl::string_view> name_parts = absl::StrSplit(name, '/');
  const std::vector<absl::string_view> pattern_parts =
      absl::StrSplit(pattern, '/');
  auto mismatch = [&] {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must have the form ", pattern, ", got \"",
                            name, "\""));
  };
  if (name_parts.size() != pattern_parts.size()) {
    return mismatch();
  }

  std::vector<std::string> ids;
  for (size_t i = 0; i < pattern_parts.size(); ++i) {
    const absl::string_view expected = pattern_parts[i];
    const bool is_variable = !expected.empty() && expected.front() == '{';
    if (is_variable) {
      if (!IsValidId(name_parts[i])) {
        return mismatch();
      }
      ids.emplace_back(name_parts[i]);
    } else if (name_parts[i] != expected) {
      return mismatch();
    }
  }
  return ids;
}

absl::StatusOr<std::string> ParseOrganization(absl::string_view name,
                                              absl::string_view field) {
  absl::StatusOr<std::vector<std::string>> ids =
      Parse(name, "organizations/{organization}", field);
  if (!ids.ok()) {
    return ids.status();
  }
  return (*ids)[0];
}

std::string Organization(absl::string_view organization_id) {
  return absl::StrCat("organizations/", organization_id);
}

std::string Child(absl::string_view organization_id,
                  absl::string_view collection, absl::string_view id) {
  return absl::StrCat("organizations/", organization_id, "/", collection, "/",
                      id);
}

std::string OrganizationOf(absl::string_view name) {
  constexpr absl::string_view kPrefix = "organizations/";
  if (name.substr(0, kPrefix.size()) != kPrefix) {
    return std::string();
  }
  const size_t end = name.find('/', kPrefix.size());
  const absl::string_view id = name.substr(
      kPrefix.size(),
      end == absl::string_view::npos ? absl::string_view::npos
                                    : end - kPrefix.size());
  if (!IsValidId(id)) {
    return std::string();
  }
  return absl::StrCat(kPrefix, id);
}

}  // namespace ironorg::names
