// A generated permission matrix: every public method of the five services,
// found by walking the generated descriptor pool, called through the
// gateway by ten kinds of caller. The expectations are this test's own
// transcription of the product's permission table, independent of the
// gateway's policy code, so the test checks that code instead of
// repeating it.
//
// Allowed mutations are aimed so that they fail after authorization (a
// stale etag, a too-short password, a token id that does not exist, an
// email that exists) and leave the fixture intact. Logout runs last,
// because it revokes the token it is called with.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/billing_account.grpc.pb.h"
#include "ironorg/billing/v1/catalog.pb.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/billing/v1/subscription.grpc.pb.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/cluster_access.grpc.pb.h"
#include "ironorg/clusters/v1/internal.pb.h"
#include "ironorg/clusters/v1/runner.grpc.pb.h"
#include "ironorg/gateway/v1/access.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/internal.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/internal.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/organization_setup.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace billing = ::ironorg::billing::v1;
namespace clusters = ::ironorg::clusters::v1;
namespace gateway = ::ironorg::gateway::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::Reflection;
using ::google::protobuf::ServiceDescriptor;

// Shorter than the 12-byte minimum of common/validation.h, so that an
// allowed password change fails with INVALID_ARGUMENT and changes nothing.
constexpr char kTooShortPassword[] = "x";
// An etag that no resource of the fixture reaches, so that an allowed
// update or delete fails with ABORTED and changes nothing.
constexpr char kStaleEtag[] = "999999";

// The ten kinds of caller of the matrix.
enum Caller : int {
  kAnonymous = 0,
  kOperator,
  kAdmin,
  kReadOnly,
  kGrantedDeveloper,
  kUngrantedDeveloper,
  kAccountant,
  kClusterToken,
  kDeveloperApiToken,
  kOtherOrganizationAdmin,
  kCallerCount,
};

// The short name of a status code, for the printed matrix.
const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTH";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "PRECOND";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPL";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "EXHAUSTED";
    default:
      return "OTHER";
  }
}

const char* CallerName(Caller caller) {
  switch (caller) {
    case kAnonymous:
      return "anonymous";
    case kOperator:
      return "operator";
    case kAdmin:
      return "Admin";
    case kReadOnly:
      return "Admin read-only";
    case kGrantedDeveloper:
      return "Developer with grant";
    case kUngrantedDeveloper:
      return "Developer without grant";
    case kAccountant:
      return "Accountant";
    case kClusterToken:
      return "cluster token";
    case kDeveloperApiToken:
      return "API token of the Developer with grant";
    case kOtherOrganizationAdmin:
      return "Admin of another organization";
    case kCallerCount:
      break;
  }
  return "unknown caller";
}

using CallerSet = std::set<Caller>;

// Caller sets named after the letters of the product's permission table.
const CallerSet kAdminOnly = {kAdmin};
const CallerSet kAdminOrReadOnly = {kAdmin, kReadOnly};
// "A R, D granted": the API token acts as the granted Developer.
const CallerSet kAdminReadOnlyOrGranted = {kAdmin, kReadOnly, kGrantedDeveloper,
                                           kDeveloperApiToken};
// "A R, D" for lists that the service filters down to the granted
// resources, so a Developer without a grant gets an empty list.
const CallerSet kAdminReadOnlyOrDeveloper = {
    kAdmin, kReadOnly, kGrantedDeveloper, kUngrantedDeveloper,
    kDeveloperApiToken};
// Every user of organization A, with any user token. Self rules are aimed
// at the caller's own user, so each of them is "self".
const CallerSet kOrganizationUsers = {
    kAdmin,      kReadOnly,         kGrantedDeveloper, kUngrantedDeveloper,
    kAccountant, kDeveloperApiToken};
// Users of organization A holding an access token from Login: "self, with
// an access token from Login".
const CallerSet kOrganizationLoginUsers = {kAdmin, kReadOnly, kGrantedDeveloper,
                                           kUngrantedDeveloper, kAccountant};
const CallerSet kBillingReaders = {kAdmin, kReadOnly, kAccountant};
const CallerSet kBillingWriters = {kAdmin, kAccountant};

// Sets the field at `path` (such as "user.display_name" or
// "update_mask.paths") of `message` through reflection. A string field
// takes `value`, an enum field the value named `value`, and a repeated
// field gets `value` appended. Reports a test failure for a path that the
// message type does not have.
void SetField(Message* message, const std::string& path,
              const std::string& value) {
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor* type = message->GetDescriptor();
    const Reflection* reflection = message->GetReflection();
    const FieldDescriptor* field = type->FindFieldByName(parts[i]);
    if (field == nullptr) {
      ADD_FAILURE() << type->full_name() << " has no field " << parts[i]
                    << " (request path " << path << ")";
      return;
    }
    if (i + 1 < parts.size()) {
      message = reflection->MutableMessage(message, field);
      continue;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      const auto* enum_value = field->enum_type()->FindValueByName(value);
      if (enum_value == nullptr) {
        ADD_FAILURE() << field->full_name() << " has no value " << value;
        return;
      }
      reflection->SetEnum(message, field, enum_value);
    } else if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      ADD_FAILURE() << field->full_name() << " is not a string or enum field";
    } else if (field->is_repeated()) {
      reflection->AddString(message, field, value);
    } else {
      reflection->SetString(message, field, value);
    }
  }
}

// Sends `request` as raw bytes to `method_path` ("/<service>/<method>")
// on `channel` with `token` (none when empty). Stores the response bytes
// in `response` when the call succeeds.
grpc::Status CallMethod(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& method_path,
                        const std::string& token, const Message& request,
                        std::string* response) {
  const std::string request_bytes = request.SerializeAsString();
  grpc::Slice request_slice(request_bytes);
  grpc::ByteBuffer request_buffer(&request_slice, 1);
  grpc::ByteBuffer response_buffer;
  std::unique_ptr<grpc::ClientContext> context = ContextWithToken(token);
  grpc::GenericStub stub(channel);
  std::promise<grpc::Status> done;
  stub.UnaryCall(context.get(), method_path, grpc::StubOptions(),
                 &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (status.ok() && response != nullptr) {
    std::vector<grpc::Slice> slices;
    response->clear();
    if (response_buffer.Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        response->append(reinterpret_cast<const char*>(slice.begin()),
                         slice.size());
      }
    }
  }
  return status;
}

// The full name of a method as the expectation table keys it, such as
// "ironorg.identity.v1.UserService/GetUser".
std::string MethodKey(const MethodDescriptor& method) {
  return absl::StrCat(method.service()->full_name(), "/", method.name());
}

// The proto files of the five services' public APIs. Each entry names a
// message of the file too, so that the file's generated code is linked
// and registered in the generated pool.
std::vector<std::pair<std::string, const Descriptor*>> ProtoFiles() {
  return {
      {"ironorg/identity/v1/auth.proto", identity::LoginRequest::descriptor()},
      {"ironorg/identity/v1/internal.proto",
       identity::IntrospectTokenRequest::descriptor()},
      {"ironorg/identity/v1/organization.proto",
       identity::Organization::descriptor()},
      {"ironorg/identity/v1/principal.proto",
       identity::Principal::descriptor()},
      {"ironorg/identity/v1/user.proto", identity::User::descriptor()},
      {"ironorg/projects/v1/internal.proto",
       projects::CheckProjectAccessRequest::descriptor()},
      {"ironorg/projects/v1/project.proto", projects::Project::descriptor()},
      {"ironorg/projects/v1/project_access.proto",
       projects::GrantProjectAccessRequest::descriptor()},
      {"ironorg/clusters/v1/cluster.proto", clusters::Cluster::descriptor()},
      {"ironorg/clusters/v1/cluster_access.proto",
       clusters::GrantClusterAccessRequest::descriptor()},
      {"ironorg/clusters/v1/internal.proto",
       clusters::CheckClusterAccessRequest::descriptor()},
      {"ironorg/clusters/v1/runner.proto", clusters::Runner::descriptor()},
      {"ironorg/billing/v1/billing_account.proto",
       billing::BillingAccount::descriptor()},
      {"ironorg/billing/v1/catalog.proto", billing::PlanCatalog::descriptor()},
      {"ironorg/billing/v1/plan.proto", billing::Plan::descriptor()},
      {"ironorg/billing/v1/subscription.proto",
       billing::Subscription::descriptor()},
      {"ironorg/gateway/v1/access.proto",
       gateway::ExplainAccessRequest::descriptor()},
  };
}

// Every method of every service in ProtoFiles() whose service name does
// not start with "Internal".
std::vector<const MethodDescriptor*> PublicMethods() {
  std::vector<const MethodDescriptor*> methods;
  for (const auto& [file_name, anchor] : ProtoFiles()) {
    const FileDescriptor* file =
        DescriptorPool::generated_pool()->FindFileByName(file_name);
    EXPECT_NE(file, nullptr)
        << file_name << " is missing from the generated pool";
    if (file == nullptr) {
      continue;
    }
    EXPECT_EQ(anchor->file(), file) << file_name;
    for (int s = 0; s < file->service_count(); ++s) {
      const ServiceDescriptor* service = file->service(s);
      if (absl::StartsWith(service->name(), "Internal")) {
        continue;
      }
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back(service->method(m));
      }
    }
  }
  return methods;
}

// The resources and tokens of the matrix: organization A with one user of
// each role, a project and a cluster granted to one Developer, a spare
// user and cluster that allowed mutations aim at, and organization B.
struct Fixture {
  std::string organization;
  std::string other_organization;
  std::string admin;
  std::string admin_email;
  std::string read_only;
  std::string granted_developer;
  std::string ungranted_developer;
  std::string accountant;
  std::string other_admin;
  // A Developer that Login, CreateUser (as the existing email) and the
  // Admin-only user mutations aim at.
  std::string spare_user;
  std::string spare_email;
  std::string project;
  std::string cluster;
  // The name of cluster K as the audit log of identity records it.
  std::string cluster_actor;
  // A second cluster that RotateClusterToken aims at, so that the cluster
  // token caller keeps a valid token.
  std::string spare_cluster;
  std::string runner;
  std::string subscription;
  std::string plan;
  std::string billing_account;
  std::vector<std::string> tokens = std::vector<std::string>(kCallerCount);
};

// The audit actor of each caller: the user name, "operator" or the
// cluster name.
std::string ActorOf(const Fixture& fixture, Caller caller) {
  switch (caller) {
    case kAnonymous:
      return "anonymous";
    case kOperator:
      return "operator";
    case kAdmin:
      return fixture.admin;
    case kReadOnly:
      return fixture.read_only;
    case kGrantedDeveloper:
    case kDeveloperApiToken:
      return fixture.granted_developer;
    case kUngrantedDeveloper:
      return fixture.ungranted_developer;
    case kAccountant:
      return fixture.accountant;
    case kClusterToken:
      return fixture.cluster_actor;
    case kOtherOrganizationAdmin:
      return fixture.other_admin;
    case kCallerCount:
      break;
  }
  return "";
}

// The user that a "self" request of `caller` names: the caller's own user
// for users of organization A, else the granted Developer of A.
std::string SelfTarget(const Fixture& fixture, Caller caller) {
  switch (caller) {
    case kAdmin:
      return fixture.admin;
    case kReadOnly:
      return fixture.read_only;
    case kGrantedDeveloper:
    case kDeveloperApiToken:
      return fixture.granted_developer;
    case kUngrantedDeveloper:
      return fixture.ungranted_developer;
    case kAccountant:
      return fixture.accountant;
    default:
      return fixture.granted_developer;
  }
}

// One row of the expectation table: who may call the method, and how to
// fill its request for a caller.
struct Expectation {
  CallerSet allowed;
  std::function<void(Caller, Message*)> fill;
};

// The expectation table, keyed by MethodKey(), transcribed from the
// product's "Who may call what" table. Login is public because the table
// allows anonymous callers, and a caller that sends a token may log in too.
std::map<std::string, Expectation> ExpectationTable(const Fixture& fixture) {
  auto counter = std::make_shared<int>(0);
  auto unique = [counter](const std::string& label) {
    return absl::StrCat(label, " ", ++*counter, " ", crypto::NewResourceId());
  };
  const CallerSet all_callers = {kAnonymous,
                                 kOperator,
                                 kAdmin,
                                 kReadOnly,
                                 kGrantedDeveloper,
                                 kUngrantedDeveloper,
                                 kAccountant,
                                 kClusterToken,
                                 kDeveloperApiToken,
                                 kOtherOrganizationAdmin};
  const CallerSet plan_readers = {kOperator,           kAdmin,
                                  kReadOnly,           kGrantedDeveloper,
                                  kUngrantedDeveloper, kAccountant,
                                  kDeveloperApiToken,  kOtherOrganizationAdmin};
  const CallerSet user_token_holders = {kAdmin,
                                        kReadOnly,
                                        kGrantedDeveloper,
                                        kUngrantedDeveloper,
                                        kAccountant,
                                        kDeveloperApiToken,
                                        kOtherOrganizationAdmin};
  const CallerSet login_token_holders = {kAdmin,
                                         kReadOnly,
                                         kGrantedDeveloper,
                                         kUngrantedDeveloper,
                                         kAccountant,
                                         kOtherOrganizationAdmin};
  const std::string organization = fixture.organization;

  auto parent_is_organization = [organization](Caller, Message* request) {
    SetField(request, "parent", organization);
  };

  std::map<std::string, Expectation> table;

  // OrganizationService.
  table["ironorg.identity.v1.OrganizationService/CreateOrganization"] = {
      {kOperator}, [unique](Caller, Message* request) {
        SetField(request, "organization.display_name", unique("Matrix org"));
        SetField(
            request, "admin_email",
            absl::StrCat("matrix-", crypto::NewResourceId(), "@example.com"));
        SetField(request, "admin_display_name", "Matrix Admin");
        SetField(request, "admin_password", kPassword);
      }};
  table["ironorg.identity.v1.OrganizationService/GetOrganization"] = {
      kOrganizationUsers, [organization](Caller, Message* request) {
        SetField(request, "name", organization);
      }};

  // UserService.
  table["ironorg.identity.v1.UserService/CreateUser"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "parent", fixture.organization);
        SetField(request, "user.email", fixture.spare_email);
        SetField(request, "user.display_name", "Duplicate");
        SetField(request, "user.role", "ROLE_DEVELOPER");
        SetField(request, "password", kPassword);
      }};
  table["ironorg.identity.v1.UserService/GetUser"] = {
      kOrganizationUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "name", SelfTarget(fixture, caller));
      }};
  table["ironorg.identity.v1.UserService/ListUsers"] = {kAdminOrReadOnly,
                                                        parent_is_organization};
  table["ironorg.identity.v1.UserService/UpdateUser"] = {
      kOrganizationUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "user.name", SelfTarget(fixture, caller));
        SetField(request, "user.display_name", "Renamed by the matrix");
        SetField(request, "user.etag", kStaleEtag);
        SetField(request, "update_mask.paths", "display_name");
      }};
  table["ironorg.identity.v1.UserService/SetUserRole"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.spare_user);
        SetField(request, "role", "ROLE_ACCOUNTANT");
        SetField(request, "etag", kStaleEtag);
      }};
  table["ironorg.identity.v1.UserService/ResetUserPassword"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.spare_user);
        SetField(request, "new_password", kTooShortPassword);
      }};
  table["ironorg.identity.v1.UserService/DeleteUser"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.spare_user);
        SetField(request, "etag", kStaleEtag);
      }};
  table["ironorg.identity.v1.UserService/ListAuditEvents"] = {
      kAdminOrReadOnly, parent_is_organization};

  // AuthService.
  table["ironorg.identity.v1.AuthService/Login"] = {
      all_callers, [&fixture](Caller, Message* request) {
        SetField(request, "email", fixture.spare_email);
        SetField(request, "password", kPassword);
      }};
  table["ironorg.identity.v1.AuthService/Logout"] = {user_token_holders,
                                                     [](Caller, Message*) {}};
  // The other organization's Admin is allowed, because ChangePassword names
  // no user and so changes the caller's own password.
  table["ironorg.identity.v1.AuthService/ChangePassword"] = {
      login_token_holders, [](Caller, Message* request) {
        SetField(request, "current_password", kPassword);
        SetField(request, "new_password", kTooShortPassword);
      }};
  table["ironorg.identity.v1.AuthService/CreateApiToken"] = {
      kOrganizationLoginUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "parent", SelfTarget(fixture, caller));
        SetField(request, "api_token.display_name", "Matrix token");
      }};
  table["ironorg.identity.v1.AuthService/ListApiTokens"] = {
      kOrganizationUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "parent", SelfTarget(fixture, caller));
      }};
  table["ironorg.identity.v1.AuthService/RevokeApiToken"] = {
      kOrganizationUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "name",
                 absl::StrCat(SelfTarget(fixture, caller), "/apiTokens/",
                              crypto::NewResourceId()));
      }};

  // ProjectService.
  table["ironorg.projects.v1.ProjectService/CreateProject"] = {
      kAdminOnly, [&fixture, unique](Caller, Message* request) {
        SetField(request, "parent", fixture.organization);
        SetField(request, "project.display_name", unique("Matrix project"));
      }};
  table["ironorg.projects.v1.ProjectService/GetProject"] = {
      kAdminReadOnlyOrGranted, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.project);
      }};
  table["ironorg.projects.v1.ProjectService/ListProjects"] = {
      kAdminReadOnlyOrDeveloper, parent_is_organization};
  table["ironorg.projects.v1.ProjectService/UpdateProject"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "project.name", fixture.project);
        SetField(request, "project.display_name", "Renamed by the matrix");
        SetField(request, "project.etag", kStaleEtag);
        SetField(request, "update_mask.paths", "display_name");
      }};
  table["ironorg.projects.v1.ProjectService/DeleteProject"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.project);
        SetField(request, "etag", kStaleEtag);
      }};
  table["ironorg.projects.v1.ProjectService/ListAuditEvents"] = {
      kAdminOrReadOnly, parent_is_organization};

  // ProjectAccessService. Grant and set repeat the fixture's grant, and
  // revoke names a user without one, so that none of them changes it.
  table["ironorg.projects.v1.ProjectAccessService/GrantProjectAccess"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "project", fixture.project);
        SetField(request, "user", fixture.granted_developer);
      }};
  table["ironorg.projects.v1.ProjectAccessService/RevokeProjectAccess"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "project", fixture.project);
        SetField(request, "user", fixture.ungranted_developer);
      }};
  table["ironorg.projects.v1.ProjectAccessService/ListProjectMembers"] = {
      kAdminOrReadOnly, [&fixture](Caller, Message* request) {
        SetField(request, "project", fixture.project);
      }};
  table["ironorg.projects.v1.ProjectAccessService/ListUserProjects"] = {
      kOrganizationUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "user", SelfTarget(fixture, caller));
      }};
  table["ironorg.projects.v1.ProjectAccessService/SetUserProjects"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "user", fixture.granted_developer);
        SetField(request, "projects", fixture.project);
      }};

  // ClusterService.
  table["ironorg.clusters.v1.ClusterService/CreateCluster"] = {
      kAdminOnly, [&fixture, unique](Caller, Message* request) {
        SetField(request, "parent", fixture.organization);
        SetField(request, "cluster.display_name", unique("Matrix cluster"));
      }};
  table["ironorg.clusters.v1.ClusterService/GetCluster"] = {
      kAdminReadOnlyOrGranted, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.cluster);
      }};
  table["ironorg.clusters.v1.ClusterService/ListClusters"] = {
      kAdminReadOnlyOrDeveloper, parent_is_organization};
  table["ironorg.clusters.v1.ClusterService/UpdateCluster"] = {
      kAdminOnly, [&fixture, unique](Caller, Message* request) {
        SetField(request, "cluster.name", fixture.cluster);
        SetField(request, "cluster.display_name", unique("Renamed cluster"));
        SetField(request, "cluster.etag", kStaleEtag);
        SetField(request, "update_mask.paths", "display_name");
      }};
  table["ironorg.clusters.v1.ClusterService/DeleteCluster"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.cluster);
        SetField(request, "etag", kStaleEtag);
      }};
  table["ironorg.clusters.v1.ClusterService/RotateClusterToken"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.spare_cluster);
      }};
  table["ironorg.clusters.v1.ClusterService/ListAuditEvents"] = {
      kAdminOrReadOnly, parent_is_organization};

  // ClusterAccessService, aimed as the project rows are.
  table["ironorg.clusters.v1.ClusterAccessService/GrantClusterAccess"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "cluster", fixture.cluster);
        SetField(request, "user", fixture.granted_developer);
      }};
  table["ironorg.clusters.v1.ClusterAccessService/RevokeClusterAccess"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "cluster", fixture.cluster);
        SetField(request, "user", fixture.ungranted_developer);
      }};
  table["ironorg.clusters.v1.ClusterAccessService/ListClusterMembers"] = {
      kAdminOrReadOnly, [&fixture](Caller, Message* request) {
        SetField(request, "cluster", fixture.cluster);
      }};
  table["ironorg.clusters.v1.ClusterAccessService/ListUserClusters"] = {
      kOrganizationUsers, [&fixture](Caller caller, Message* request) {
        SetField(request, "user", SelfTarget(fixture, caller));
      }};
  table["ironorg.clusters.v1.ClusterAccessService/SetUserClusters"] = {
      kAdminOnly, [&fixture](Caller, Message* request) {
        SetField(request, "user", fixture.granted_developer);
        SetField(request, "clusters", fixture.cluster);
      }};

  // RunnerService. Registering the fixture's hostname again returns the
  // fixture's runner, so RegisterRunner creates nothing new.
  table["ironorg.clusters.v1.RunnerService/RegisterRunner"] = {
      {kClusterToken}, [&fixture](Caller, Message* request) {
        SetField(request, "cluster", fixture.cluster);
        SetField(request, "hostname", "matrix-runner");
      }};
  table["ironorg.clusters.v1.RunnerService/Heartbeat"] = {
      {kClusterToken}, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.runner);
      }};
  table["ironorg.clusters.v1.RunnerService/ListRunners"] = {
      kAdminReadOnlyOrGranted, [&fixture](Caller, Message* request) {
        SetField(request, "parent", fixture.cluster);
      }};

  // PlanService, SubscriptionService and BillingAccountService.
  table["ironorg.billing.v1.PlanService/ListPlans"] = {plan_readers,
                                                       [](Caller, Message*) {}};
  table["ironorg.billing.v1.PlanService/GetPlan"] = {
      plan_readers, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.plan);
      }};
  table["ironorg.billing.v1.SubscriptionService/ListSubscriptions"] = {
      kBillingReaders, parent_is_organization};
  table["ironorg.billing.v1.SubscriptionService/ChangePlan"] = {
      kBillingWriters, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.subscription);
        SetField(request, "plan", fixture.plan);
      }};
  table["ironorg.billing.v1.SubscriptionService/ListPlanChanges"] = {
      kBillingReaders, [&fixture](Caller, Message* request) {
        SetField(request, "parent", fixture.subscription);
      }};
  table["ironorg.billing.v1.BillingAccountService/GetBillingAccount"] = {
      kBillingReaders, [&fixture](Caller, Message* request) {
        SetField(request, "name", fixture.billing_account);
      }};
  table["ironorg.billing.v1.BillingAccountService/UpdateBillingAccount"] = {
      kBillingWriters, [&fixture](Caller, Message* request) {
        SetField(request, "billing_account.name", fixture.billing_account);
        SetField(request, "billing_account.company_name", "Matrix Inc.");
        SetField(request, "billing_account.etag", kStaleEtag);
        SetField(request, "update_mask.paths", "company_name");
      }};
  table["ironorg.billing.v1.BillingAccountService/ListAuditEvents"] = {
      kBillingReaders, parent_is_organization};

  // The gateway's own AccessService.
  table["ironorg.gateway.v1.AccessService/ExplainAccess"] = {
      kAdminOrReadOnly, [&fixture](Caller, Message* request) {
        SetField(request, "user", fixture.granted_developer);
        SetField(request, "method",
                 "ironorg.projects.v1.ProjectService/GetProject");
        SetField(request, "resource", fixture.project);
      }};
  return table;
}

class PermissionMatrixEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    channel_ = suite_->GatewayChannel();
    setup_ = std::make_unique<OrganizationSetup>(*suite_);
  }

  // Creates an organization through the operator and returns its name.
  // Stores the Admin's email, user name and access token.
  std::string CreateOrganization(std::string* email, std::string* admin,
                                 std::string* token) {
    const TestOrganization org =
        setup_->CreateOrganizationWithAdmin("Matrix Hybrid");
    *email = org.admin_email;
    *admin = org.admin.name();
    *token = org.admin_token;
    return org.name;
  }

  // Creates a user of `role` in `organization` and returns its user name.
  // Stores its access token in `token` unless that is null.
  std::string CreateUser(const std::string& admin_token,
                         const std::string& organization,
                         const std::string& email, identity::Role role,
                         std::string* token) {
    const identity::User user =
        setup_->CreateUser(admin_token, organization, email, role);
    if (token != nullptr) {
      *token = setup_->Login(email);
    }
    return user.name();
  }

  clusters::Cluster CreateCluster(const std::string& admin_token,
                                  const std::string& organization,
                                  const std::string& display_name) {
    clusters::CreateClusterRequest request;
    request.set_parent(organization);
    request.mutable_cluster()->set_display_name(display_name);
    clusters::Cluster cluster;
    grpc::Status status =
        clusters::ClusterService::NewStub(channel_)->CreateCluster(
            ContextWithToken(admin_token).get(), request, &cluster);
    EXPECT_TRUE(status.ok()) << "CreateCluster: " << status.error_message();
    return cluster;
  }

  // Builds organization A with every caller, organization B with its
  // Admin, the granted project and cluster, a runner, and the billing
  // names.
  void BuildFixture(Fixture* fixture) {
    std::vector<std::string>& tokens = fixture->tokens;
    tokens[kOperator] = suite_->operator_token();
    fixture->organization = CreateOrganization(
        &fixture->admin_email, &fixture->admin, &tokens[kAdmin]);
    std::string other_admin_email;
    fixture->other_organization =
        CreateOrganization(&other_admin_email, &fixture->other_admin,
                           &tokens[kOtherOrganizationAdmin]);
    const std::string& admin_token = tokens[kAdmin];

    fixture->read_only =
        CreateUser(admin_token, fixture->organization, UniqueEmail("auditor"),
                   identity::ROLE_ADMIN_READ_ONLY, &tokens[kReadOnly]);
    fixture->granted_developer =
        CreateUser(admin_token, fixture->organization, UniqueEmail("granted"),
                   identity::ROLE_DEVELOPER, &tokens[kGrantedDeveloper]);
    fixture->ungranted_developer =
        CreateUser(admin_token, fixture->organization, UniqueEmail("ungranted"),
                   identity::ROLE_DEVELOPER, &tokens[kUngrantedDeveloper]);
    fixture->accountant = CreateUser(
        admin_token, fixture->organization, UniqueEmail("accountant"),
        identity::ROLE_ACCOUNTANT, &tokens[kAccountant]);
    fixture->spare_email = UniqueEmail("spare");
    fixture->spare_user =
        CreateUser(admin_token, fixture->organization, fixture->spare_email,
                   identity::ROLE_DEVELOPER, nullptr);

    identity::CreateApiTokenRequest api_token_request;
    api_token_request.set_parent(fixture->granted_developer);
    api_token_request.mutable_api_token()->set_display_name("Matrix caller");
    identity::ApiToken api_token;
    grpc::Status status =
        identity::AuthService::NewStub(channel_)->CreateApiToken(
            ContextWithToken(tokens[kGrantedDeveloper]).get(),
            api_token_request, &api_token);
    EXPECT_TRUE(status.ok()) << "CreateApiToken: " << status.error_message();
    tokens[kDeveloperApiToken] = api_token.secret();

    projects::CreateProjectRequest project_request;
    project_request.set_parent(fixture->organization);
    project_request.mutable_project()->set_display_name("Matrix project");
    projects::Project project;
    status = projects::ProjectService::NewStub(channel_)->CreateProject(
        ContextWithToken(admin_token).get(), project_request, &project);
    EXPECT_TRUE(status.ok()) << "CreateProject: " << status.error_message();
    fixture->project = project.name();
    projects::GrantProjectAccessRequest project_grant;
    project_grant.set_project(fixture->project);
    project_grant.set_user(fixture->granted_developer);
    projects::GrantProjectAccessResponse project_granted;
    status =
        projects::ProjectAccessService::NewStub(channel_)->GrantProjectAccess(
            ContextWithToken(admin_token).get(), project_grant,
            &project_granted);
    EXPECT_TRUE(status.ok())
        << "GrantProjectAccess: " << status.error_message();

    clusters::Cluster cluster =
        CreateCluster(admin_token, fixture->organization, "Matrix cluster K");
    fixture->cluster = cluster.name();
    fixture->cluster_actor = cluster.name();
    tokens[kClusterToken] = cluster.cluster_token();
    fixture->spare_cluster = CreateCluster(admin_token, fixture->organization,
                                           "Matrix spare cluster")
                                 .name();
    clusters::GrantClusterAccessRequest cluster_grant;
    cluster_grant.set_cluster(fixture->cluster);
    cluster_grant.set_user(fixture->granted_developer);
    clusters::GrantClusterAccessResponse cluster_granted;
    status =
        clusters::ClusterAccessService::NewStub(channel_)->GrantClusterAccess(
            ContextWithToken(admin_token).get(), cluster_grant,
            &cluster_granted);
    EXPECT_TRUE(status.ok())
        << "GrantClusterAccess: " << status.error_message();

    clusters::RegisterRunnerRequest runner_request;
    runner_request.set_cluster(fixture->cluster);
    runner_request.set_hostname("matrix-runner");
    clusters::RegisterRunnerResponse runner;
    status = clusters::RunnerService::NewStub(channel_)->RegisterRunner(
        ContextWithToken(tokens[kClusterToken]).get(), runner_request, &runner);
    EXPECT_TRUE(status.ok()) << "RegisterRunner: " << status.error_message();
    fixture->runner = runner.runner().name();

    billing::ListPlansRequest plans_request;
    plans_request.set_product(billing::PRODUCT_IRON_WORKER);
    billing::ListPlansResponse plans;
    status = billing::PlanService::NewStub(channel_)->ListPlans(
        ContextWithToken(admin_token).get(), plans_request, &plans);
    EXPECT_TRUE(status.ok()) << "ListPlans: " << status.error_message();
    EXPECT_GT(plans.plans_size(), 0)
        << "the plan catalog has no IronWorker plan";
    if (plans.plans_size() > 0) {
      fixture->plan = plans.plans(plans.plans_size() - 1).name();
    }
    fixture->subscription =
        absl::StrCat(fixture->organization, "/subscriptions/iron-worker");
    fixture->billing_account =
        absl::StrCat(fixture->organization, "/billingAccount");
  }

  // Calls `method` as `caller` with a request that `expectation` fills,
  // and checks the status against the expectation.
  // Returns the status code of the call.
  grpc::StatusCode CheckCell(
      const Fixture& fixture, const MethodDescriptor& method,
      const Expectation& expectation, Caller caller,
      std::set<std::pair<std::string, std::string>>* allowed_pairs,
      std::set<std::pair<std::string, std::string>>* denied_pairs) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            method.input_type());
    EXPECT_NE(prototype, nullptr) << method.input_type()->full_name();
    if (prototype == nullptr) {
      return grpc::StatusCode::UNKNOWN;
    }
    std::unique_ptr<Message> request(prototype->New());
    expectation.fill(caller, request.get());

    const std::string key = MethodKey(method);
    grpc::Status status = CallMethod(channel_, absl::StrCat("/", key),
                                     fixture.tokens[caller], *request, nullptr);
    const bool allowed = expectation.allowed.count(caller) > 0;
    const std::pair<std::string, std::string> audit_pair = {
        ActorOf(fixture, caller), method.name()};
    const grpc::StatusCode code = status.error_code();
    if (allowed) {
      allowed_pairs->insert(audit_pair);
      EXPECT_NE(code, grpc::StatusCode::UNIMPLEMENTED)
          << key << " as " << CallerName(caller)
          << ": got UNIMPLEMENTED: " << status.error_message();
      EXPECT_NE(code, grpc::StatusCode::PERMISSION_DENIED)
          << key << " as " << CallerName(caller)
          << ": got PERMISSION_DENIED, expected allowed: "
          << status.error_message();
      EXPECT_NE(code, grpc::StatusCode::UNAUTHENTICATED)
          << key << " as " << CallerName(caller)
          << ": got UNAUTHENTICATED, expected allowed: "
          << status.error_message();
      return code;
    }
    denied_pairs->insert(audit_pair);
    const grpc::StatusCode expected = caller == kAnonymous
                                          ? grpc::StatusCode::UNAUTHENTICATED
                                          : grpc::StatusCode::PERMISSION_DENIED;
    EXPECT_EQ(code, expected)
        << key << " as " << CallerName(caller) << ": got code " << code
        << ", expected "
        << (caller == kAnonymous ? "UNAUTHENTICATED" : "PERMISSION_DENIED")
        << ": " << status.error_message();
    return code;
  }

  // Returns every (actor, action) pair of organization A's audit events
  // that `method_key` ("<service>/ListAuditEvents") lists, following page
  // tokens.
  std::vector<std::pair<std::string, std::string>> ListAuditPairs(
      const std::string& method_key, const std::string& organization,
      const std::string& token) {
    std::vector<std::pair<std::string, std::string>> pairs;
    const std::vector<std::string> parts = absl::StrSplit(method_key, '/');
    const ServiceDescriptor* service =
        DescriptorPool::generated_pool()->FindServiceByName(parts[0]);
    EXPECT_NE(service, nullptr) << parts[0];
    if (service == nullptr) {
      return pairs;
    }
    const MethodDescriptor* method = service->FindMethodByName(parts[1]);
    EXPECT_NE(method, nullptr) << method_key;
    if (method == nullptr) {
      return pairs;
    }
    auto* factory = google::protobuf::MessageFactory::generated_factory();
    std::string page_token;
    do {
      std::unique_ptr<Message> request(
          factory->GetPrototype(method->input_type())->New());
      SetField(request.get(), "parent", organization);
      if (!page_token.empty()) {
        SetField(request.get(), "page_token", page_token);
      }
      std::string response_bytes;
      grpc::Status status = CallMethod(channel_, absl::StrCat("/", method_key),
                                       token, *request, &response_bytes);
      EXPECT_TRUE(status.ok()) << method_key << ": " << status.error_message();
      if (!status.ok()) {
        return pairs;
      }
      std::unique_ptr<Message> response(
          factory->GetPrototype(method->output_type())->New());
      EXPECT_TRUE(response->ParseFromString(response_bytes)) << method_key;
      const Reflection* reflection = response->GetReflection();
      const FieldDescriptor* events =
          response->GetDescriptor()->FindFieldByName("audit_events");
      const FieldDescriptor* next =
          response->GetDescriptor()->FindFieldByName("next_page_token");
      EXPECT_NE(events, nullptr) << method_key;
      EXPECT_NE(next, nullptr) << method_key;
      if (events == nullptr || next == nullptr) {
        return pairs;
      }
      for (int i = 0; i < reflection->FieldSize(*response, events); ++i) {
        const Message& event =
            reflection->GetRepeatedMessage(*response, events, i);
        const Reflection* event_reflection = event.GetReflection();
        const Descriptor* event_type = event.GetDescriptor();
        pairs.emplace_back(event_reflection->GetString(
                               event, event_type->FindFieldByName("actor")),
                           event_reflection->GetString(
                               event, event_type->FindFieldByName("action")));
      }
      page_token = reflection->GetString(*response, next);
    } while (!page_token.empty());
    return pairs;
  }

  static Suite* suite_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<OrganizationSetup> setup_;
};

Suite* PermissionMatrixEndToEndTest::suite_ = nullptr;

TEST_F(PermissionMatrixEndToEndTest, EveryMethodAndCallerMatchesTable) {
  Fixture fixture;
  BuildFixture(&fixture);
  ASSERT_FALSE(::testing::Test::HasFailure())
      << "the fixture could not be built";
  const std::map<std::string, Expectation> table = ExpectationTable(fixture);
  const std::vector<const MethodDescriptor*> methods = PublicMethods();
  ASSERT_FALSE(methods.empty());

  // Every public method needs a row, and every row a method, so that a new
  // RPC cannot ship without an expectation and a stale row is noticed.
  std::set<std::string> method_keys;
  std::vector<std::pair<const MethodDescriptor*, const Expectation*>> rows;
  for (const MethodDescriptor* method : methods) {
    const std::string key = MethodKey(*method);
    method_keys.insert(key);
    auto row = table.find(key);
    EXPECT_TRUE(row != table.end())
        << key << " has no row in the expectation table; add who may call it";
    if (row != table.end()) {
      rows.emplace_back(method, &row->second);
    }
  }
  for (const auto& [key, expectation] : table) {
    EXPECT_EQ(method_keys.count(key), 1u)
        << "the expectation table has a row for " << key
        << ", which no public service of the protos defines";
  }

  // Logout revokes the token it is called with, so its column of calls
  // runs after every other method.
  std::set<std::pair<std::string, std::string>> allowed_pairs;
  std::set<std::pair<std::string, std::string>> denied_pairs;
  const MethodDescriptor* logout = nullptr;
  const Expectation* logout_expectation = nullptr;
  // The status code of every call, one row per method, printed so that a
  // reader sees what each caller got.
  std::map<std::string, std::vector<grpc::StatusCode>> codes;
  int cells = 0;
  for (const auto& [method, expectation] : rows) {
    if (MethodKey(*method) == "ironorg.identity.v1.AuthService/Logout") {
      logout = method;
      logout_expectation = expectation;
      continue;
    }
    for (int caller = 0; caller < kCallerCount; ++caller) {
      codes[MethodKey(*method)].push_back(
          CheckCell(fixture, *method, *expectation, static_cast<Caller>(caller),
                    &allowed_pairs, &denied_pairs));
      ++cells;
    }
  }
  ASSERT_NE(logout, nullptr) << "AuthService/Logout is missing";
  for (int caller = 0; caller < kCallerCount; ++caller) {
    codes[MethodKey(*logout)].push_back(
        CheckCell(fixture, *logout, *logout_expectation,
                  static_cast<Caller>(caller), &allowed_pairs, &denied_pairs));
    ++cells;
  }

  std::cout << "columns:";
  for (int caller = 0; caller < kCallerCount; ++caller) {
    std::cout << " " << CallerName(static_cast<Caller>(caller)) << ";";
  }
  std::cout << "\n";
  for (const auto& [key, row] : codes) {
    std::cout << key << ":";
    for (grpc::StatusCode code : row) {
      std::cout << " " << CodeName(code);
    }
    std::cout << "\n";
  }
  std::cout << "permission matrix: " << rows.size() << " methods x "
            << kCallerCount << " callers = " << cells << " calls" << std::endl;
  RecordProperty("methods", static_cast<int>(rows.size()));
  RecordProperty("callers", static_cast<int>(kCallerCount));
  RecordProperty("cells", cells);
  EXPECT_EQ(cells, static_cast<int>(methods.size()) * kCallerCount);

  // A denied call must not reach the owning service, so no audit event
  // may carry a (actor, action) pair that the matrix only sent denied.
  // The API token shares its actor with the granted Developer, so pairs
  // that some caller with the same actor was allowed are left out.
  std::set<std::pair<std::string, std::string>> never_allowed;
  for (const auto& pair : denied_pairs) {
    if (allowed_pairs.count(pair) == 0) {
      never_allowed.insert(pair);
    }
  }
  // The matrix logged the Admin out; a new login reads the audit logs.
  const std::string auditor_token = setup_->Login(fixture.admin_email);
  ASSERT_FALSE(auditor_token.empty())
      << "cannot log the Admin in again to read the audit logs";

  int events_checked = 0;
  for (const std::string& method_key :
       {std::string("ironorg.identity.v1.UserService/ListAuditEvents"),
        std::string("ironorg.projects.v1.ProjectService/ListAuditEvents"),
        std::string("ironorg.clusters.v1.ClusterService/ListAuditEvents"),
        std::string(
            "ironorg.billing.v1.BillingAccountService/ListAuditEvents")}) {
    const std::vector<std::pair<std::string, std::string>> pairs =
        ListAuditPairs(method_key, fixture.organization, auditor_token);
    for (const auto& pair : pairs) {
      ++events_checked;
      EXPECT_EQ(never_allowed.count(pair), 0u)
          << method_key << " lists an event of action " << pair.second << " by "
          << pair.first
          << ", but every such call of the matrix was expected to be denied";
    }
  }
  std::cout << "audit events checked: " << events_checked << std::endl;
  EXPECT_GT(events_checked, 0);
}

}  // namespace
}  // namespace ironorg::testing
