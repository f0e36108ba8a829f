#include "services/gateway/cache_invalidation.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"

namespace ironorg::gateway {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::ironorg::identity::v1::Principal;

// The request field or caller that names what a changing call changes.
enum class Source {
  kUserField,      // `field` contains a user name
  kUserPrefix,     // `field` contains a name under a user, as an API token
  kCaller,         // the calling user
  kResourceField,  // `field` contains a project or cluster name
  kGrantFields,    // `user` contains a user, `field` a project or cluster
};

struct ChangingCall {
  Source source;
  const char* field;
};

const absl::flat_hash_map<std::string, ChangingCall>& ChangingCalls() {
  static const auto* const calls =
      new absl::flat_hash_map<std::string, ChangingCall>{
          {"ironorg.identity.v1.UserService/UpdateUser",
           {Source::kUserField, "user.name"}},
          {"ironorg.identity.v1.UserService/SetUserRole",
           {Source::kUserField, "name"}},
          {"ironorg.identity.v1.UserService/ResetUserPassword",
           {Source::kUserField, "name"}},
          {"ironorg.identity.v1.UserService/DeleteUser",
           {Source::kUserField, "name"}},
          {"ironorg.identity.v1.AuthService/Logout", {Source::kCaller, ""}},
          {"ironorg.identity.v1.AuthService/ChangePassword",
           {Source::kCaller, ""}},
          {"ironorg.identity.v1.AuthService/RevokeApiToken",
           {Source::kUserPrefix, "name"}},
          {"ironorg.projects.v1.ProjectService/DeleteProject",
           {Source::kResourceField, "name"}},
          {"ironorg.projects.v1.ProjectAccessService/GrantProjectAccess",
           {Source::kGrantFields, "project"}},
          {"ironorg.projects.v1.ProjectAccessService/RevokeProjectAccess",
           {Source::kGrantFields, "project"}},
          {"ironorg.projects.v1.ProjectAccessService/SetUserProjects",
           {Source::kUserField, "user"}},
          {"ironorg.clusters.v1.ClusterService/DeleteCluster",
           {Source::kResourceField, "name"}},
          {"ironorg.clusters.v1.ClusterService/RotateClusterToken",
           {Source::kResourceField, "name"}},
          {"ironorg.clusters.v1.ClusterAccessService/GrantClusterAccess",
           {Source::kGrantFields, "cluster"}},
          {"ironorg.clusters.v1.ClusterAccessService/RevokeClusterAccess",
           {Source::kGrantFields, "cluster"}},
          {"ironorg.clusters.v1.ClusterAccessService/SetUserClusters",
           {Source::kUserField, "user"}},
      };
  return *calls;
}

// Reads the singular string at `path`, such as "user.name", or returns an
// empty string when the path crosses an unset message or names no string.
std::string ReadString(const Message& request, absl::string_view path) {
  const Message* current = &request;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || field->is_repeated()) {
      return std::string();
    }
    const auto* reflection = current->GetReflection();
    if (i + 1 == parts.size()) {
      return field->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                 ? reflection->GetString(*current, field)
                 : std::string();
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        !reflection->HasField(*current, field)) {
      return std::string();
    }
    current = &reflection->GetMessage(*current, field);
  }
  return std::string();
}

// Returns organizations/{organization}/users/{user} of a name under a
// user, or an empty string when `name` is shorter.
std::string UserOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 4 || parts[2] != "users") {
    return std::string();
  }
  parts.resize(4);
  return absl::StrJoin(parts, "/");
}

void AddIfSet(std::string value, std::vector<std::string>* out) {
  if (!value.empty()) {
    out->push_back(std::move(value));
  }
}

}  // namespace

CacheDrops DropsOfCall(absl::string_view method, const Principal& caller,
                       const Message& request) {
  CacheDrops drops;
  const auto& calls = ChangingCalls();
  const auto it = calls.find(method);
  if (it == calls.end()) {
    return drops;
  }

  const ChangingCall& call = it->second;
  switch (call.source) {
    case Source::kUserField:
      AddIfSet(ReadString(request, call.field), &drops.users);
      break;
    case Source::kUserPrefix:
      AddIfSet(UserOf(ReadString(request, call.field)), &drops.users);
      break;
    case Source::kCaller:
      AddIfSet(caller.user(), &drops.users);
      break;
    case Source::kResourceField:
      AddIfSet(ReadString(request, call.field), &drops.resources);
      break;
    case Source::kGrantFields:
      AddIfSet(ReadString(request, "user"), &drops.users);
      AddIfSet(ReadString(request, call.field), &drops.resources);
      break;
  }
  return drops;
}

CacheDrops DropsOfChange(const ironorg::changes::v1::Change& change) {
  CacheDrops drops;
  const std::string& type = change.type();
  if (type == "user.updated" || type == "user.role_changed" ||
      type == "user.deleted" || type == "user.tokens_revoked") {
    AddIfSet(change.resource(), &drops.users);
    return drops;
  }
  const bool resource_change = absl::EndsWith(type, ".access_granted") ||
                               absl::EndsWith(type, ".access_revoked") ||
                               absl::EndsWith(type, ".deleted") ||
                               type == "cluster.token_rotated";
  if (resource_change &&
      (absl::StartsWith(type, "project.") ||
       absl::StartsWith(type, "cluster."))) {
    AddIfSet(change.resource(), &drops.resources);
  }
  return drops;
}

void ApplyDrops(const CacheDrops& drops, AccessCache& cache) {
  for (const std::string& user : drops.users) {
    cache.DropUser(user);
  }
  for (const std::string& resource : drops.resources) {
    cache.DropResource(resource);
  }
}

}  // namespace ironorg::gateway
