#include "services/clusters/cluster_service.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::CheckClusterAccessRequest;
using ::ironorg::clusters::v1::Cluster;
using ::ironorg::clusters::v1::CreateClusterRequest;
using ::ironorg::clusters::v1::DeleteClusterRequest;
using ::ironorg::clusters::v1::GetClusterRequest;
using ::ironorg::clusters::v1::GrantClusterAccessRequest;
using ::ironorg::clusters::v1::IntrospectClusterTokenRequest;
using ::ironorg::clusters::v1::ListAuditEventsRequest;
using ::ironorg::clusters::v1::ListClustersRequest;
using ::ironorg::clusters::v1::ListClustersResponse;
using ::ironorg::clusters::v1::ListUserClustersRequest;
using ::ironorg::clusters::v1::RevokeClusterAccessRequest;
using ::ironorg::clusters::v1::RotateClusterTokenRequest;
using ::ironorg::clusters::v1::UpdateClusterRequest;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::CountRows;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDeveloperName[] = "organizations/org1/users/dev1";

// Returns the field named by the BadRequest payload of `status`, or "".
std::string BadRequestField(const absl::Status& status) {
  const auto payload = status.GetPayload(errors::kBadRequestTypeUrl);
  if (!payload.has_value()) {
    return "";
  }
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload)) ||
      bad_request.field_violations_size() != 1) {
    return "";
  }
  return bad_request.field_violations(0).field();
}

UpdateClusterRequest MakeUpdateRequest(const Cluster& cluster,
                                       std::vector<std::string> paths) {
  UpdateClusterRequest request;
  request.mutable_cluster()->set_name(cluster.name());
  for (std::string& path : paths) {
    request.mutable_update_mask()->add_paths(std::move(path));
  }
  return request;
}

std::vector<std::string> NamesOf(const ListClustersResponse& response) {
  std::vector<std::string> names;
  for (const Cluster& cluster : response.clusters()) {
    names.push_back(cluster.name());
  }
  return names;
}

CreateClusterRequest MakeCreateRequest(
    absl::string_view display_name,
    std::optional<int32_t> memory_per_runner_mb = std::nullopt,
    std::optional<int32_t> disk_per_runner_gb = std::nullopt) {
  CreateClusterRequest request;
  request.set_parent("organizations/org1");
  request.mutable_cluster()->set_display_name(std::string(display_name));
  if (memory_per_runner_mb.has_value()) {
    request.mutable_cluster()->set_memory_per_runner_mb(*memory_per_runner_mb);
  }
  if (disk_per_runner_gb.has_value()) {
    request.mutable_cluster()->set_disk_per_runner_gb(*disk_per_runner_gb);
  }
  return request;
}

class ClusterServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(directory_.path().empty());
    absl::StatusOr<std::unique_ptr<ClusterStore>> store =
        ClusterStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<ClusterService>(
        store_.get(), &users_,
        pagination::PageTokenCodec(std::string(32, 'k')));
    users_.AddUser(kDeveloperName);
    service_caller_.set_kind(Principal::KIND_SERVICE);
  }

  Cluster Create(absl::string_view display_name) {
    absl::StatusOr<Cluster> cluster =
        service_->CreateCluster(admin_, MakeCreateRequest(display_name));
    EXPECT_TRUE(cluster.ok()) << cluster.status();
    return cluster.ok() ? *cluster : Cluster();
  }

  absl::Status Grant(absl::string_view cluster, absl::string_view user) {
    GrantClusterAccessRequest request;
    request.set_cluster(std::string(cluster));
    request.set_user(std::string(user));
    return service_->GrantClusterAccess(admin_, request).status();
  }

  absl::Status Revoke(absl::string_view cluster, absl::string_view user) {
    RevokeClusterAccessRequest request;
    request.set_cluster(std::string(cluster));
    request.set_user(std::string(user));
    return service_->RevokeClusterAccess(admin_, request).status();
  }

  absl::StatusOr<ListClustersResponse> List(const Principal& caller,
                                            int page_size = 0,
                                            absl::string_view page_token = "") {
    ListClustersRequest request;
    request.set_parent("organizations/org1");
    request.set_page_size(page_size);
    request.set_page_token(std::string(page_token));
    return service_->ListClusters(caller, request);
  }

  absl::StatusOr<Cluster> Get(const Principal& caller, absl::string_view name) {
    GetClusterRequest request;
    request.set_name(std::string(name));
    return service_->GetCluster(caller, request);
  }

  absl::StatusOr<Cluster> Rotate(const Principal& caller,
                                 absl::string_view name) {
    RotateClusterTokenRequest request;
    request.set_name(std::string(name));
    return service_->RotateClusterToken(caller, request);
  }

  absl::Status Delete(const Principal& caller, absl::string_view name,
                      absl::string_view etag = "") {
    DeleteClusterRequest request;
    request.set_name(std::string(name));
    request.set_etag(std::string(etag));
    return service_->DeleteCluster(caller, request).status();
  }

  std::string DatabasePath() const {
    return directory_.File(kDatabaseFileName);
  }

  absl::StatusOr<std::string> Introspect(absl::string_view token) {
    IntrospectClusterTokenRequest request;
    request.set_token(std::string(token));
    absl::StatusOr<v1::IntrospectClusterTokenResponse> response =
        service_->IntrospectClusterToken(service_caller_, request);
    if (!response.ok()) {
      return response.status();
    }
    return response->cluster();
  }

  ScopedTempDir directory_;
  FakeUserDirectory users_;
  std::unique_ptr<ClusterStore> store_;
  std::unique_ptr<ClusterService> service_;
  Principal service_caller_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
  const Principal developer_ = UserCaller("org1", "dev1", ROLE_DEVELOPER);
  const Principal read_only_ =
      UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY);
  const Principal accountant_ = UserCaller("org1", "acct1", ROLE_ACCOUNTANT);
};

TEST_F(ClusterServiceTest, CreateClusterAppliesDefaultSizes) {
  const Cluster cluster = Create("Edge");

  EXPECT_EQ(cluster.memory_per_runner_mb(), 512);
  EXPECT_EQ(cluster.disk_per_runner_gb(), 10);
  EXPECT_EQ(cluster.state(), Cluster::STATE_PROVISIONING);
  EXPECT_EQ(cluster.runners_total(), 0);
  EXPECT_EQ(cluster.runners_online(), 0);
  EXPECT_EQ(cluster.etag(), "1");
  EXPECT_THAT(cluster.cluster_token(), StartsWith("ioc_"));
}

TEST_F(ClusterServiceTest, CreateClusterKeepsExplicitSizes) {
  absl::StatusOr<Cluster> cluster =
      service_->CreateCluster(admin_, MakeCreateRequest("Edge", 128, 1024));

  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ(cluster->memory_per_runner_mb(), 128);
  EXPECT_EQ(cluster->disk_per_runner_gb(), 1024);
}

TEST_F(ClusterServiceTest, CreateClusterRejectsZeroMemory) {
  absl::StatusOr<Cluster> cluster =
      service_->CreateCluster(admin_, MakeCreateRequest("Edge", 0));

  EXPECT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cluster.status().message(),
            "cluster.memory_per_runner_mb must be between 128 and 65536, "
            "got 0");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 0);
}

TEST_F(ClusterServiceTest, CreateClusterRejectsMemoryOutOfRange) {
  for (int32_t memory : {64, 127, 65537, 70000}) {
    absl::StatusOr<Cluster> cluster =
        service_->CreateCluster(admin_, MakeCreateRequest("Edge", memory));

    EXPECT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument)
        << memory;
    EXPECT_THAT(cluster.status().message(),
                HasSubstr("cluster.memory_per_runner_mb"))
        << memory;
    EXPECT_THAT(cluster.status().message(),
                HasSubstr(absl::StrCat("got ", memory)))
        << memory;
  }
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 0);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"), 0);
}

TEST_F(ClusterServiceTest, CreateClusterRejectsZeroDisk) {
  absl::StatusOr<Cluster> cluster = service_->CreateCluster(
      admin_, MakeCreateRequest("Edge", std::nullopt, 0));

  EXPECT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cluster.status().message(),
            "cluster.disk_per_runner_gb must be between 1 and 1024, got 0");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 0);
}

TEST_F(ClusterServiceTest, CreateClusterRejectsDiskAboveMaximum) {
  absl::StatusOr<Cluster> cluster = service_->CreateCluster(
      admin_, MakeCreateRequest("Edge", std::nullopt, 1025));

  EXPECT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cluster.status().message(),
              HasSubstr("cluster.disk_per_runner_gb"));
}

TEST_F(ClusterServiceTest, CreateClusterRejectsLongDisplayName) {
  absl::StatusOr<Cluster> cluster =
      service_->CreateCluster(admin_, MakeCreateRequest(std::string(201, 'x')));

  EXPECT_EQ(cluster.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cluster.status().message(), HasSubstr("cluster.display_name"));
}

TEST_F(ClusterServiceTest, CreateClusterRejectsDuplicateDisplayName) {
  Create("Edge");

  absl::StatusOr<Cluster> second =
      service_->CreateCluster(admin_, MakeCreateRequest(" Edge "));

  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(second.status().message(),
            "a cluster named \"Edge\" already exists in organizations/org1");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 1);
}

TEST_F(ClusterServiceTest, CreateClusterByDeveloperIsPermissionDenied) {
  absl::StatusOr<Cluster> cluster =
      service_->CreateCluster(developer_, MakeCreateRequest("Edge"));

  EXPECT_EQ(cluster.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 0);
}

TEST_F(ClusterServiceTest, RequestIdRetryReturnsClusterWithoutToken) {
  CreateClusterRequest request = MakeCreateRequest("Edge");
  request.set_request_id("retry-1");

  absl::StatusOr<Cluster> first = service_->CreateCluster(admin_, request);
  absl::StatusOr<Cluster> second = service_->CreateCluster(admin_, request);

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->name(), first->name());
  EXPECT_FALSE(first->cluster_token().empty());
  EXPECT_TRUE(second->cluster_token().empty());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 1);
}

TEST_F(ClusterServiceTest, TokenIntrospectsToItsCluster) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<std::string> found = Introspect(cluster.cluster_token());

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, cluster.name());
}

TEST_F(ClusterServiceTest, WrongTokenIsUnauthenticated) {
  const Cluster cluster = Create("Edge");

  for (const std::string& token :
       {std::string("ioc_wrong"), std::string(""),
        cluster.cluster_token().substr(4), cluster.cluster_token() + "x"}) {
    absl::StatusOr<std::string> found = Introspect(token);

    EXPECT_EQ(found.status().code(), absl::StatusCode::kUnauthenticated)
        << token;
    EXPECT_EQ(found.status().message(), "invalid cluster token") << token;
  }
}

TEST_F(ClusterServiceTest, TokenIsNeverInGetOrList) {
  const Cluster created = Create("Edge");
  GetClusterRequest get_request;
  get_request.set_name(created.name());

  absl::StatusOr<Cluster> found = service_->GetCluster(admin_, get_request);
  absl::StatusOr<ListClustersResponse> listed = List(admin_);

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->cluster_token().empty());
  EXPECT_THAT(found->SerializeAsString(),
              ::testing::Not(HasSubstr(created.cluster_token())));
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->clusters_size(), 1);
  EXPECT_TRUE(listed->clusters(0).cluster_token().empty());
  EXPECT_THAT(listed->SerializeAsString(),
              ::testing::Not(HasSubstr(created.cluster_token())));
}

TEST_F(ClusterServiceTest, GetClusterOfOtherOrganizationIsPermissionDenied) {
  const Cluster created = Create("Edge");
  GetClusterRequest request;
  request.set_name(created.name());

  absl::StatusOr<Cluster> found =
      service_->GetCluster(UserCaller("org2", "admin9", ROLE_ADMIN), request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterServiceTest, DeveloperGetWithoutGrantIsPermissionDenied) {
  const Cluster created = Create("Edge");
  GetClusterRequest request;
  request.set_name(created.name());

  absl::StatusOr<Cluster> found = service_->GetCluster(developer_, request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterServiceTest, DeveloperListsOnlyGrantedClusters) {
  const Cluster granted = Create("Granted");
  Create("Hidden");
  ASSERT_TRUE(Grant(granted.name(), kDeveloperName).ok());

  absl::StatusOr<ListClustersResponse> listed = List(developer_);

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(NamesOf(*listed), ::testing::ElementsAre(granted.name()));
}

TEST_F(ClusterServiceTest, RevokedGrantDisappearsFromDeveloperList) {
  const Cluster granted = Create("Granted");
  ASSERT_TRUE(Grant(granted.name(), kDeveloperName).ok());

  ASSERT_TRUE(Revoke(granted.name(), kDeveloperName).ok());
  absl::StatusOr<ListClustersResponse> listed = List(developer_);

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->clusters().empty());
}

TEST_F(ClusterServiceTest, AdminReadOnlyListsAllClusters) {
  Create("One");
  Create("Two");

  absl::StatusOr<ListClustersResponse> listed =
      List(UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY));

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->clusters_size(), 2);
}

TEST_F(ClusterServiceTest, AccountantListClustersIsPermissionDenied) {
  absl::StatusOr<ListClustersResponse> listed =
      List(UserCaller("org1", "acct1", ROLE_ACCOUNTANT));

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterServiceTest, PagesReturnEachClusterOnce) {
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.insert(Create(absl::StrCat("Cluster ", i)).name());
  }

  std::multiset<std::string> listed;
  std::string page_token;
  int pages = 0;
  do {
    absl::StatusOr<ListClustersResponse> page = List(admin_, 2, page_token);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const std::string& name : NamesOf(*page)) {
      listed.insert(name);
    }
    page_token = page->next_page_token();
  } while (!page_token.empty());

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), created);
  EXPECT_EQ(listed.size(), created.size());
}

TEST_F(ClusterServiceTest, GrantingTwiceStoresOneGrant) {
  const Cluster cluster = Create("Edge");

  absl::Status first = Grant(cluster.name(), kDeveloperName);
  absl::Status second = Grant(cluster.name(), kDeveloperName);

  EXPECT_TRUE(first.ok()) << first;
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "cluster_grants"), 1);
}

TEST_F(ClusterServiceTest, GrantToOtherOrganizationUserIsDenied) {
  const Cluster cluster = Create("Edge");
  users_.AddUser("organizations/org2/users/dev2");

  absl::Status granted = Grant(cluster.name(), "organizations/org2/users/dev2");

  EXPECT_EQ(granted.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "cluster_grants"), 0);
}

TEST_F(ClusterServiceTest, GrantToUnknownUserIsNotFound) {
  const Cluster cluster = Create("Edge");

  absl::Status granted =
      Grant(cluster.name(), "organizations/org1/users/ghost");

  EXPECT_EQ(granted.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(granted.message(),
            "user \"organizations/org1/users/ghost\" not found");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "cluster_grants"), 0);
}

TEST_F(ClusterServiceTest, GrantWhileIdentityIsUnavailableIsUnavailable) {
  const Cluster cluster = Create("Edge");
  users_.SetUnavailable(true);

  absl::Status granted = Grant(cluster.name(), kDeveloperName);

  EXPECT_EQ(granted.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "cluster_grants"), 0);
}

TEST_F(ClusterServiceTest, GrantOnMissingClusterIsNotFound) {
  absl::Status granted =
      Grant("organizations/org1/clusters/missing", kDeveloperName);

  EXPECT_EQ(granted.code(), absl::StatusCode::kNotFound);
}

TEST_F(ClusterServiceTest, DeveloperListsOwnUserClusters) {
  const Cluster cluster = Create("Edge");
  ASSERT_TRUE(Grant(cluster.name(), kDeveloperName).ok());
  ListUserClustersRequest request;
  request.set_user(kDeveloperName);

  absl::StatusOr<v1::ListUserClustersResponse> listed =
      service_->ListUserClusters(developer_, request);

  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->clusters_size(), 1);
  EXPECT_EQ(listed->clusters(0).name(), cluster.name());
  EXPECT_TRUE(listed->clusters(0).cluster_token().empty());
}

TEST_F(ClusterServiceTest,
       DeveloperListingOtherUserClustersIsPermissionDenied) {
  ListUserClustersRequest request;
  request.set_user("organizations/org1/users/dev2");

  absl::StatusOr<v1::ListUserClustersResponse> listed =
      service_->ListUserClusters(developer_, request);

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterServiceTest, CheckClusterAccessReportsGrant) {
  const Cluster cluster = Create("Edge");
  ASSERT_TRUE(Grant(cluster.name(), kDeveloperName).ok());
  CheckClusterAccessRequest granted_request;
  granted_request.set_cluster(cluster.name());
  granted_request.set_user(kDeveloperName);
  CheckClusterAccessRequest other_request;
  other_request.set_cluster(cluster.name());
  other_request.set_user("organizations/org1/users/dev2");

  absl::StatusOr<v1::CheckClusterAccessResponse> granted =
      service_->CheckClusterAccess(service_caller_, granted_request);
  absl::StatusOr<v1::CheckClusterAccessResponse> other =
      service_->CheckClusterAccess(service_caller_, other_request);

  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_TRUE(granted->granted());
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->granted());
}

TEST_F(ClusterServiceTest, UpdateClusterChangesDisplayName) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest request = MakeUpdateRequest(cluster, {"display_name"});
  request.mutable_cluster()->set_display_name(" Core ");
  request.mutable_cluster()->set_etag(cluster.etag());

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Core");
  EXPECT_EQ(updated->memory_per_runner_mb(), 512);
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_TRUE(updated->cluster_token().empty());
}

TEST_F(ClusterServiceTest, UpdateClusterChangesRunnerSizes) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest request = MakeUpdateRequest(
      cluster, {"memory_per_runner_mb", "disk_per_runner_gb"});
  request.mutable_cluster()->set_memory_per_runner_mb(65536);
  request.mutable_cluster()->set_disk_per_runner_gb(1);
  request.mutable_cluster()->set_display_name("ignored without a path");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->memory_per_runner_mb(), 65536);
  EXPECT_EQ(updated->disk_per_runner_gb(), 1);
  EXPECT_EQ(updated->display_name(), "Edge");
}

TEST_F(ClusterServiceTest, UpdateClusterUnsetSizeTakesDefault) {
  absl::StatusOr<Cluster> cluster =
      service_->CreateCluster(admin_, MakeCreateRequest("Edge", 2048, 50));
  ASSERT_TRUE(cluster.ok()) << cluster.status();

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(
      admin_, MakeUpdateRequest(*cluster, {"memory_per_runner_mb"}));

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->memory_per_runner_mb(), 512);
  EXPECT_EQ(updated->disk_per_runner_gb(), 50);
}

TEST_F(ClusterServiceTest, UpdateClusterRejectsMemoryBelowMinimum) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest request =
      MakeUpdateRequest(cluster, {"memory_per_runner_mb"});
  request.mutable_cluster()->set_memory_per_runner_mb(64);

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(updated.status().message(),
            "cluster.memory_per_runner_mb must be between 128 and 65536, "
            "got 64");
  EXPECT_EQ(BadRequestField(updated.status()), "cluster.memory_per_runner_mb");
  absl::StatusOr<Cluster> unchanged = Get(admin_, cluster.name());
  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_EQ(unchanged->memory_per_runner_mb(), 512);
  EXPECT_EQ(unchanged->etag(), "1");
}

TEST_F(ClusterServiceTest, UpdateClusterRejectsDiskAboveMaximum) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest request =
      MakeUpdateRequest(cluster, {"disk_per_runner_gb"});
  request.mutable_cluster()->set_disk_per_runner_gb(1025);

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(updated.status().message(),
            "cluster.disk_per_runner_gb must be between 1 and 1024, got 1025");
  EXPECT_EQ(BadRequestField(updated.status()), "cluster.disk_per_runner_gb");
}

TEST_F(ClusterServiceTest, UpdateClusterRejectsEmptyDisplayName) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest request = MakeUpdateRequest(cluster, {"display_name"});
  request.mutable_cluster()->set_display_name("  ");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(updated.status()), "cluster.display_name");
}

TEST_F(ClusterServiceTest, UpdateClusterWithoutMaskNamesAllowedPaths) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest request = MakeUpdateRequest(cluster, {});
  request.mutable_cluster()->set_display_name("Core");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(updated.status().message(),
            "update_mask must list at least one of display_name, "
            "memory_per_runner_mb, disk_per_runner_gb");
  EXPECT_EQ(BadRequestField(updated.status()), "update_mask");
}

TEST_F(ClusterServiceTest, UpdateClusterRejectsUnknownPath) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(
      admin_, MakeUpdateRequest(cluster, {"display_name", "state"}));

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(updated.status().message(),
            "update_mask path \"state\" cannot be updated; allowed paths: "
            "display_name, memory_per_runner_mb, disk_per_runner_gb");
  EXPECT_EQ(BadRequestField(updated.status()), "update_mask");
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 1);
}

TEST_F(ClusterServiceTest, UpdateClusterWithStaleEtagChangesNothing) {
  const Cluster cluster = Create("Edge");
  UpdateClusterRequest first = MakeUpdateRequest(cluster, {"display_name"});
  first.mutable_cluster()->set_display_name("Core");
  ASSERT_TRUE(service_->UpdateCluster(admin_, first).ok());
  UpdateClusterRequest stale = MakeUpdateRequest(cluster, {"display_name"});
  stale.mutable_cluster()->set_display_name("Stale");
  stale.mutable_cluster()->set_etag(cluster.etag());

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, stale);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted);
  absl::StatusOr<Cluster> current = Get(admin_, cluster.name());
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->display_name(), "Core");
  EXPECT_EQ(current->etag(), "2");
}

TEST_F(ClusterServiceTest, UpdateClusterToTakenNameIsAlreadyExists) {
  Create("Edge");
  const Cluster other = Create("Core");
  UpdateClusterRequest request = MakeUpdateRequest(other, {"display_name"});
  request.mutable_cluster()->set_display_name("Edge");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(updated.status().message(),
            "a cluster named \"Edge\" already exists in organizations/org1");
}

TEST_F(ClusterServiceTest, UpdateMissingClusterIsNotFound) {
  UpdateClusterRequest request;
  request.mutable_cluster()->set_name("organizations/org1/clusters/missing");
  request.mutable_cluster()->set_display_name("Core");
  request.mutable_update_mask()->add_paths("display_name");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClusterServiceTest, UpdateClusterMalformedNameNamesField) {
  UpdateClusterRequest request;
  request.mutable_cluster()->set_name("clusters/c1");
  request.mutable_update_mask()->add_paths("display_name");

  absl::StatusOr<Cluster> updated = service_->UpdateCluster(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(updated.status()), "cluster.name");
}

// Every admin call denies the other roles and other organizations before
// it looks anything up, so a missing cluster reads the same as an
// existing one.
TEST_F(ClusterServiceTest, AdminCallsDenyOtherCallersBeforeLookup) {
  const Cluster cluster = Create("Edge");
  const std::vector<std::pair<std::string, Principal>> callers = {
      {"developer", developer_},
      {"read-only", read_only_},
      {"accountant", accountant_},
      {"other organization admin", UserCaller("org2", "admin9", ROLE_ADMIN)},
  };
  Principal runner;
  runner.set_kind(Principal::KIND_CLUSTER_TOKEN);
  runner.set_organization("organizations/org1");
  runner.set_cluster(cluster.name());

  for (const std::string& name :
       {cluster.name(), std::string("organizations/org1/clusters/missing")}) {
    for (const auto& [label, caller] : callers) {
      UpdateClusterRequest update =
          MakeUpdateRequest(cluster, {"display_name"});
      update.mutable_cluster()->set_name(name);
      update.mutable_cluster()->set_display_name("Taken over");

      EXPECT_EQ(service_->UpdateCluster(caller, update).status().code(),
                absl::StatusCode::kPermissionDenied)
          << label << " " << name;
      EXPECT_EQ(Delete(caller, name).code(),
                absl::StatusCode::kPermissionDenied)
          << label << " " << name;
      EXPECT_EQ(Rotate(caller, name).status().code(),
                absl::StatusCode::kPermissionDenied)
          << label << " " << name;
    }
    EXPECT_EQ(Rotate(runner, name).status().code(),
              absl::StatusCode::kPermissionDenied)
        << name;
  }
  EXPECT_EQ(CountRows(DatabasePath(), "clusters"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 1);
}

TEST_F(ClusterServiceTest, DeleteClusterRevokesTokenAndGrants) {
  const Cluster cluster = Create("Edge");
  ASSERT_TRUE(Grant(cluster.name(), kDeveloperName).ok());

  absl::Status deleted = Delete(admin_, cluster.name(), cluster.etag());

  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_EQ(Introspect(cluster.cluster_token()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Get(admin_, cluster.name()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Get(developer_, cluster.name()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CountRows(DatabasePath(), "cluster_grants"), 0);
}

TEST_F(ClusterServiceTest, DeleteClusterWithStaleEtagIsAborted) {
  const Cluster cluster = Create("Edge");

  absl::Status deleted = Delete(admin_, cluster.name(), "2");

  EXPECT_EQ(deleted.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Introspect(cluster.cluster_token()).status().code(),
            absl::StatusCode::kOk);
  EXPECT_TRUE(Get(admin_, cluster.name()).ok());
}

TEST_F(ClusterServiceTest, DeleteMissingClusterIsNotFound) {
  absl::Status deleted = Delete(admin_, "organizations/org1/clusters/missing");

  EXPECT_EQ(deleted.code(), absl::StatusCode::kNotFound);
}

TEST_F(ClusterServiceTest, DeletedClusterNameIsFreeAgain) {
  const Cluster cluster = Create("Edge");
  ASSERT_TRUE(Delete(admin_, cluster.name()).ok());

  absl::StatusOr<Cluster> again =
      service_->CreateCluster(admin_, MakeCreateRequest("Edge"));

  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(ClusterServiceTest, RotateClusterTokenReplacesToken) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<Cluster> rotated = Rotate(admin_, cluster.name());

  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_THAT(rotated->cluster_token(), StartsWith("ioc_"));
  EXPECT_NE(rotated->cluster_token(), cluster.cluster_token());
  EXPECT_EQ(rotated->etag(), "2");
  EXPECT_EQ(Introspect(cluster.cluster_token()).status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::StatusOr<std::string> found = Introspect(rotated->cluster_token());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, cluster.name());
  absl::StatusOr<Cluster> read = Get(admin_, cluster.name());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->cluster_token().empty());
}

TEST_F(ClusterServiceTest, RotatedTokenIsNeverAudited) {
  const Cluster cluster = Create("Edge");
  absl::StatusOr<Cluster> rotated = Rotate(admin_, cluster.name());
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  ListAuditEventsRequest request;
  request.set_parent("organizations/org1");

  absl::StatusOr<v1::ListAuditEventsResponse> events =
      service_->ListAuditEvents(admin_, request);

  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 2);
  EXPECT_EQ(events->audit_events(0).action(), "RotateClusterToken");
  EXPECT_EQ(events->audit_events(0).resource(), cluster.name());
  EXPECT_THAT(events->SerializeAsString(),
              ::testing::Not(HasSubstr(rotated->cluster_token())));
  EXPECT_THAT(events->SerializeAsString(),
              ::testing::Not(HasSubstr(cluster.cluster_token())));
}

TEST_F(ClusterServiceTest, RotateMissingClusterIsNotFound) {
  absl::StatusOr<Cluster> rotated =
      Rotate(admin_, "organizations/org1/clusters/missing");

  EXPECT_EQ(rotated.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ironorg::clusters
