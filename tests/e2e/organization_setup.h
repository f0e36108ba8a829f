// Sets up the data that most end-to-end tests start from: an organization
// created through the operator, one logged-in user of each role, and
// projects and clusters created and granted by the organization's Admin.
// Every call goes through the gateway of a running Suite.
#ifndef IRONORG_TESTS_E2E_ORGANIZATION_SETUP_H_
#define IRONORG_TESTS_E2E_ORGANIZATION_SETUP_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/cluster_access.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {

// The password of every user that OrganizationSetup creates.
inline constexpr char kPassword[] = "correct horse battery";

// One organization with its first Admin and one more user of each other
// role, all logged in with access tokens from Login.
struct TestOrganization {
  // The organization's resource name, such as "organizations/o4kq9".
  std::string name;
  std::string admin_email;
  std::string admin_token;
  std::string read_only_token;
  std::string developer_token;
  std::string accountant_token;
  identity::v1::User admin;
  identity::v1::User read_only;
  identity::v1::User developer;
  identity::v1::User accountant;
};

// Returns an email address that no other test uses: `label`, a random
// resource id and "@example.com".
std::string UniqueEmail(const std::string& label);

// Creates organizations, users, projects and clusters through the gateway.
// A create or login that fails records a gtest failure (EXPECT, so the test
// goes on) and returns an empty message or token, so the test's own asserts
// fail on it next. The grant methods return their status instead.
// It keeps a reference to the Suite, so create it after the Suite has
// started, typically in SetUp, and destroy it before the Suite.
class OrganizationSetup final {
 public:
  // Opens one channel to the gateway of `suite`.
  explicit OrganizationSetup(const Suite& suite);

  // Logs in `email` with kPassword and returns the access token.
  std::string Login(const std::string& email);

  // Creates a user of `role` with `email` and kPassword in `organization`,
  // using the Admin's `admin_token`, and returns the user.
  identity::v1::User CreateUser(const std::string& admin_token,
                                const std::string& organization,
                                const std::string& email,
                                identity::v1::Role role);

  // Creates a user of `role` in `org`, logs it in, stores its access token
  // in `token` and returns the user.
  identity::v1::User CreateLoggedInUser(const TestOrganization& org,
                                        identity::v1::Role role,
                                        std::string* token);

  // Creates an organization named `display_name` with the operator token
  // and logs its first Admin in. Fills `name`, `admin`, `admin_email` and
  // `admin_token` of the result, and the organization has no other user.
  TestOrganization CreateOrganizationWithAdmin(const std::string& display_name);

  // Creates an organization as CreateOrganizationWithAdmin does, then one
  // user of ROLE_ADMIN_READ_ONLY, ROLE_DEVELOPER and ROLE_ACCOUNTANT, and
  // logs them in too.
  TestOrganization CreateOrganization(const std::string& display_name);

  // Creates a project in `org` with the Admin's token.
  projects::v1::Project CreateProject(const TestOrganization& org,
                                      const std::string& display_name);

  // Creates a cluster in `org` with the Admin's token. The response contains
  // the cluster token, which no later read returns.
  clusters::v1::Cluster CreateCluster(const TestOrganization& org,
                                      const std::string& display_name);

  // Grants `user` access to `project` with `token` and returns the status,
  // because some tests expect the grant to fail.
  grpc::Status GrantProject(const std::string& token,
                            const std::string& project,
                            const std::string& user);

  // Grants `user` access to `cluster` with `token` and returns the status.
  grpc::Status GrantCluster(const std::string& token,
                            const std::string& cluster,
                            const std::string& user);

 private:
  const Suite& suite_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<identity::v1::OrganizationService::Stub> organizations_;
  std::unique_ptr<identity::v1::UserService::Stub> users_;
  std::unique_ptr<identity::v1::AuthService::Stub> auth_;
  std::unique_ptr<projects::v1::ProjectService::Stub> projects_;
  std::unique_ptr<projects::v1::ProjectAccessService::Stub> project_access_;
  std::unique_ptr<clusters::v1::ClusterService::Stub> clusters_;
  std::unique_ptr<clusters::v1::ClusterAccessService::Stub> cluster_access_;
};

}  // namespace ironorg::testing

#endif  // IRONORG_TESTS_E2E_ORGANIZATION_SETUP_H_
