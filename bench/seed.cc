// ironorg-bench-seed: fills a fresh data folder with large stores for the
// benchmarks, through the stores' own Open (so the services' migrations
// create the schema) and their databases in big transactions.
//
// identity.db gets two organizations:
//   small  an Admin, two Developers and fillers, --small_users in all
//   large  an Admin and fillers, --large_users in all (none if 0)
// projects.db gets max(--few_grants, --many_grants) projects in the small
// organization. One Developer is granted the first --few_grants of them,
// and the other the first --many_grants.
//
// Every user has the same password, hashed once with Argon2id at the
// identity service's default cost, so that seeding a million users takes
// seconds rather than hours. The filler users and projects are written
// without audit events or change-feed rows, because no call of the
// benchmarks reads those for them. The grants go through the grant table,
// which writes both.
//
// Prints one JSON line with the names a benchmark needs and the time each
// store took. The folder must not hold seeded stores already: a second run
// fails with ALREADY_EXISTS on the first email.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/sqlite.h"
#include "common/status_macros.h"
#include "common/store_records.h"
#include "ironorg/identity/v1/user.pb.h"
#include "services/identity/identity_store.h"
#include "services/projects/project_store.h"

ABSL_FLAG(std::string, data_dir, "", "the folder to seed; must exist");
ABSL_FLAG(int64_t, small_users, 1000,
          "users of the small organization, 3-10000000");
ABSL_FLAG(int64_t, large_users, 0,
          "users of the large organization, 0-10000000; 0 skips it");
ABSL_FLAG(int, few_grants, 10, "project grants of the first Developer");
ABSL_FLAG(int, many_grants, 10000, "project grants of the second Developer");
ABSL_FLAG(std::string, password, "bench-password-not-secret",
          "the password of every seeded user, at least 12 bytes");

namespace {

using ironorg::sqlite::Connection;
using ironorg::sqlite::Statement;

// Users inserted per write transaction: large enough that commits cost
// little, small enough that one transaction's journal stays modest.
constexpr int64_t kUsersPerTransaction = 50000;

constexpr char kSmallDomain[] = "small.bench.example";
constexpr char kLargeDomain[] = "large.bench.example";

struct SeededUser {
  std::string name;
  std::string email;
};

struct IdentitySeed {
  std::string small_organization;
  std::string large_organization;
  SeededUser small_admin;
  SeededUser large_admin;
  SeededUser few_grants_developer;
  SeededUser many_grants_developer;
  std::string small_organization_id;
};

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

absl::Status InsertOrganization(Connection& connection, const std::string& id,
                                const std::string& display_name) {
  const int64_t now = NowMicros();
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("INSERT INTO organizations (id, display_name, "
                         "create_time, update_time, revision) "
                         "VALUES (?1, ?2, ?3, ?3, 1)"));
  return statement->Bind(1, id).Bind(2, display_name).Bind(3, now).Run();
}

// Inserts one user and returns its resource name.
absl::StatusOr<std::string> InsertUser(Connection& connection,
                                       const std::string& organization_id,
                                       const std::string& email, int role,
                                       const std::string& password_hash) {
  const std::string id = ironorg::crypto::NewResourceId();
  const int64_t now = NowMicros();
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare(
          "INSERT INTO users (id, organization_id, email, display_name, "
          "role, password_hash, create_time, update_time, revision) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1)"));
  IRONORG_RETURN_IF_ERROR(statement->Bind(1, id)
                              .Bind(2, organization_id)
                              .Bind(3, email)
                              .Bind(4, email.substr(0, email.find('@')))
                              .Bind(5, static_cast<int64_t>(role))
                              .Bind(6, password_hash)
                              .Bind(7, now)
                              .Run());
  return absl::StrCat("organizations/", organization_id, "/users/", id);
}

// Inserts `count` Developers named user-<first..>@<domain>, in
// transactions of kUsersPerTransaction.
absl::Status InsertFillerUsers(ironorg::sqlite::Database& database,
                               const std::string& organization_id,
                               absl::string_view domain, int64_t count,
                               const std::string& password_hash) {
  for (int64_t done = 0; done < count;) {
    const int64_t batch = std::min(kUsersPerTransaction, count - done);
    IRONORG_RETURN_IF_ERROR(database.Write([&](Connection& connection) {
      for (int64_t i = done; i < done + batch; ++i) {
        IRONORG_RETURN_IF_ERROR(
            InsertUser(connection, organization_id,
                       absl::StrCat("user-", i, "@", domain),
                       ironorg::identity::v1::ROLE_DEVELOPER, password_hash)
                .status());
      }
      return absl::OkStatus();
    }));
    done += batch;
  }
  return absl::OkStatus();
}

absl::StatusOr<IdentitySeed> SeedIdentity(const std::string& data_dir,
                                          const std::string& password_hash,
                                          int64_t small_users,
                                          int64_t large_users) {
  IRONORG_ASSIGN_OR_RETURN(
      std::unique_ptr<ironorg::identity::IdentityStore> store,
      ironorg::identity::IdentityStore::Open(absl::StrCat(data_dir, "/identity.db")));
  ironorg::sqlite::Database& database = *store->database();

  IdentitySeed seed;
  const std::string small_id = ironorg::crypto::NewResourceId();
  const std::string large_id = ironorg::crypto::NewResourceId();
  seed.small_organization_id = small_id;
  seed.small_organization = absl::StrCat("organizations/", small_id);
  if (large_users > 0) {
    seed.large_organization = absl::StrCat("organizations/", large_id);
  }

  IRONORG_RETURN_IF_ERROR(database.Write([&](Connection& connection) {
    IRONORG_RETURN_IF_ERROR(
        InsertOrganization(connection, small_id, "Bench small"));
    const struct {
      SeededUser* user;
      const char* local_part;
      int role;
    } small_users_list[] = {
        {&seed.small_admin, "admin", ironorg::identity::v1::ROLE_ADMIN},
        {&seed.few_grants_developer, "developer-few",
         ironorg::identity::v1::ROLE_DEVELOPER},
        {&seed.many_grants_developer, "developer-many",
         ironorg::identity::v1::ROLE_DEVELOPER},
    };
    for (const auto& entry : small_users_list) {
      entry.user->email = absl::StrCat(entry.local_part, "@", kSmallDomain);
      IRONORG_ASSIGN_OR_RETURN(
          entry.user->name, InsertUser(connection, small_id, entry.user->email,
                                       entry.role, password_hash));
    }

    if (large_users > 0) {
      IRONORG_RETURN_IF_ERROR(
          InsertOrganization(connection, large_id, "Bench large"));
      seed.large_admin.email = absl::StrCat("admin@", kLargeDomain);
      IRONORG_ASSIGN_OR_RETURN(
          seed.large_admin.name,
          InsertUser(connection, large_id, seed.large_admin.email,
                     ironorg::identity::v1::ROLE_ADMIN, password_hash));
    }
    return absl::OkStatus();
  }));

  IRONORG_RETURN_IF_ERROR(InsertFillerUsers(database, small_id, kSmallDomain,
                                            small_users - 3, password_hash));
  if (large_users > 0) {
    IRONORG_RETURN_IF_ERROR(InsertFillerUsers(
        database, large_id, kLargeDomain, large_users - 1, password_hash));
  }
  return seed;
}

// Inserts `count` projects into the organization and returns their ids.
absl::StatusOr<std::vector<std::string>> InsertProjects(
    ironorg::sqlite::Database& database, const std::string& organization_id,
    int count) {
  std::vector<std::string> ids;
  IRONORG_RETURN_IF_ERROR(database.Write([&](Connection& connection) {
    const int64_t now = NowMicros();
    for (int i = 0; i < count; ++i) {
      const std::string id = ironorg::crypto::NewResourceId();
      IRONORG_ASSIGN_OR_RETURN(
          Statement * statement,
          connection.Prepare("INSERT INTO projects (id, organization_id, "
                             "display_name, revision, create_time, "
                             "update_time) VALUES (?1, ?2, ?3, 1, ?4, ?4)"));
      IRONORG_RETURN_IF_ERROR(statement->Bind(1, id)
                                  .Bind(2, organization_id)
                                  .Bind(3, absl::StrCat("Project ", i))
                                  .Bind(4, now)
                                  .Run());
      ids.push_back(id);
    }
    return absl::OkStatus();
  }));
  return ids;
}

// Seeds projects.db and returns the name of a project both Developers
// hold a grant on.
absl::StatusOr<std::string> SeedProjects(const std::string& data_dir,
                                         const IdentitySeed& identity,
                                         int few_grants, int many_grants) {
  IRONORG_ASSIGN_OR_RETURN(std::unique_ptr<ironorg::projects::ProjectStore> store,
                           ironorg::projects::ProjectStore::Open(data_dir));
  const std::string& organization_id = identity.small_organization_id;
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      InsertProjects(*store->database(), organization_id,
                     std::max(few_grants, many_grants)));

  // Grants go through the grant table, as SetUserProjects writes them.
  ironorg::Mutation mutation;
  mutation.actor = "bench-seed";
  mutation.action = "SetUserProjects";
  mutation.time_micros = NowMicros();
  const struct {
    const SeededUser* user;
    int grants;
  } developers[] = {{&identity.few_grants_developer, few_grants},
                    {&identity.many_grants_developer, many_grants}};
  for (const auto& developer : developers) {
    const std::vector<std::string> granted(ids.begin(),
                                           ids.begin() + developer.grants);
    IRONORG_RETURN_IF_ERROR(store->grant_table()
                                .SetUserGrants(*store->database(),
                                               organization_id,
                                               developer.user->name, granted,
                                               mutation)
                                .status());
  }
  return absl::StrCat("organizations/", organization_id, "/projects/",
                      ids.front());
}

std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", text, "\"");
}

}  // namespace

int main(int argc, char** argv) {
  ironorg::ParseFlags(argc, argv,
                      "Seeds identity.db and projects.db in --data_dir with "
                      "large stores for the benchmarks.");
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const int64_t small_users = absl::GetFlag(FLAGS_small_users);
  const int64_t large_users = absl::GetFlag(FLAGS_large_users);
  const int few_grants = absl::GetFlag(FLAGS_few_grants);
  const int many_grants = absl::GetFlag(FLAGS_many_grants);
  const std::string password = absl::GetFlag(FLAGS_password);
  if (data_dir.empty()) {
    IRONORG_LOG(ERROR) << "--data_dir is required";
    return 2;
  }
  if (small_users < 3 || small_users > 10000000) {
    IRONORG_LOG(ERROR) << "--small_users must be between 3 and 10000000, got "
                       << small_users;
    return 2;
  }
  if (large_users < 0 || large_users > 10000000) {
    IRONORG_LOG(ERROR) << "--large_users must be between 0 and 10000000, got "
                       << large_users;
    return 2;
  }
  if (few_grants < 1 || many_grants < 1 || few_grants > 100000 ||
      many_grants > 100000) {
    IRONORG_LOG(ERROR) << "--few_grants and --many_grants must be between 1 "
                          "and 100000, got "
                       << few_grants << " and " << many_grants;
    return 2;
  }
  if (password.size() < 12) {
    IRONORG_LOG(ERROR) << "--password must be at least 12 bytes";
    return 2;
  }

  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> password_hash =
      ironorg::crypto::HashPassword(password, ironorg::crypto::PasswordCost());
  if (!password_hash.ok()) {
    IRONORG_LOG(ERROR) << "cannot hash the password: "
                       << password_hash.status();
    return 1;
  }

  absl::StatusOr<IdentitySeed> identity =
      SeedIdentity(data_dir, *password_hash, small_users, large_users);
  if (!identity.ok()) {
    IRONORG_LOG(ERROR) << "cannot seed identity.db in \"" << data_dir
                       << "\": " << identity.status();
    return 1;
  }
  const absl::Time identity_done = absl::Now();

  absl::StatusOr<std::string> project =
      SeedProjects(data_dir, *identity, few_grants, many_grants);
  if (!project.ok()) {
    IRONORG_LOG(ERROR) << "cannot seed projects.db in \"" << data_dir
                       << "\": " << project.status();
    return 1;
  }
  const absl::Time projects_done = absl::Now();

  const double identity_seconds = absl::ToDoubleSeconds(identity_done - start);
  const double projects_seconds =
      absl::ToDoubleSeconds(projects_done - identity_done);
  IRONORG_LOG(INFO) << "seeded " << small_users + large_users
                    << " users in " << identity_seconds << " s and "
                    << std::max(few_grants, many_grants) << " projects with "
                    << few_grants + many_grants << " grants in "
                    << projects_seconds << " s";
  std::cout << "{"
            << "\"small_organization\":" << Quoted(identity->small_organization)
            << ",\"large_organization\":"
            << Quoted(identity->large_organization)
            << ",\"small_admin_email\":" << Quoted(identity->small_admin.email)
            << ",\"large_admin_email\":" << Quoted(identity->large_admin.email)
            << ",\"few_grants_developer\":"
            << Quoted(identity->few_grants_developer.name)
            << ",\"few_grants_developer_email\":"
            << Quoted(identity->few_grants_developer.email)
            << ",\"many_grants_developer_email\":"
            << Quoted(identity->many_grants_developer.email)
            << ",\"project\":" << Quoted(*project)
            << ",\"users\":" << small_users + large_users
            << ",\"identity_seconds\":"
            << absl::StrFormat("%.2f", identity_seconds)
            << ",\"projects_seconds\":"
            << absl::StrFormat("%.2f", projects_seconds) << "}" << std::endl;
  return 0;
}
