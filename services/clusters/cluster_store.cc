#include "services/clusters/cluster_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/store_records.h"
#include "common/time_util.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::Cluster;

// migrations[i] moves the schema from version i to i + 1. Never edit a
// released entry, because files in use have already applied it. Append a
// new one instead.
const std::vector<std::string>& Migrations() {
  static const auto* const kMigrations = new std::vector<std::string>{
      R"sql(
CREATE TABLE clusters (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  memory_per_runner_mb INTEGER NOT NULL,
  disk_per_runner_gb INTEGER NOT NULL,
  state INTEGER NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  revision INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  UNIQUE (organization_id, display_name)
);
CREATE INDEX clusters_by_organization ON clusters (organization_id, id);

CREATE TABLE runners (
  id TEXT PRIMARY KEY,
  cluster_id TEXT NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  hostname TEXT NOT NULL,
  last_heartbeat_time INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  UNIQUE (cluster_id, hostname)
);

CREATE TABLE cluster_grants (
  cluster_id TEXT NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  user_name TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, user_name)
);
CREATE INDEX cluster_grants_by_user ON cluster_grants (user_name, cluster_id);

CREATE TABLE request_ids (
  caller TEXT NOT NULL,
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (caller, method, request_id)
);

CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
CREATE INDEX audit_events_by_organization
  ON audit_events (organization_id, sequence);

CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  user_name TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql",
  };
  return *kMigrations;
}

// Change feed event types written to `outbox`.
constexpr absl::string_view kClusterCreated = "cluster.created";

// Every query built on these columns binds ?1 to the oldest heartbeat time
// that still counts as online.
constexpr absl::string_view kSelectClusterColumns =
    "SELECT id, display_name, memory_per_runner_mb, disk_per_runner_gb, "
    "state, revision, create_time, update_time, "
    "(SELECT COUNT(*) FROM runners WHERE runners.cluster_id = clusters.id), "
    "(SELECT COUNT(*) FROM runners WHERE runners.cluster_id = clusters.id "
    "AND runners.last_heartbeat_time >= ?1) "
    "FROM clusters ";

int64_t OnlineSinceMicros() { return NowMicros() - kRunnerOnlineWindowMicros; }

Cluster ClusterFromRow(absl::string_view organization_id,
                       const sqlite::Statement& row) {
  Cluster cluster;
  cluster.set_name(
      names::Child(organization_id, "clusters", row.ColumnText(0)));
  cluster.set_display_name(row.ColumnText(1));
  cluster.set_memory_per_runner_mb(static_cast<int32_t>(row.ColumnInt(2)));
  cluster.set_disk_per_runner_gb(static_cast<int32_t>(row.ColumnInt(3)));
  const int64_t state = row.ColumnInt(4);
  cluster.set_state(Cluster::State_IsValid(static_cast<int>(state))
                        ? static_cast<Cluster::State>(state)
                        : Cluster::STATE_UNSPECIFIED);
  cluster.set_etag(absl::StrCat(row.ColumnInt(5)));
  *cluster.mutable_create_time() = ToTimestamp(row.ColumnInt(6));
  *cluster.mutable_update_time() = ToTimestamp(row.ColumnInt(7));
  cluster.set_runners_total(static_cast<int32_t>(row.ColumnInt(8)));
  cluster.set_runners_online(static_cast<int32_t>(row.ColumnInt(9)));
  return cluster;
}

absl::StatusOr<Cluster> SelectCluster(sqlite::Connection& connection,
                                      absl::string_view organization_id,
                                      absl::string_view cluster_id) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
      kSelectClusterColumns, "WHERE organization_id = ?2 AND id = ?3"));
  if (!select.ok()) {
    return select.status();
  }
  (*select)
      ->Bind(1, OnlineSinceMicros())
      .Bind(2, organization_id)
      .Bind(3, cluster_id);
  absl::StatusOr<bool> row = (*select)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return errors::NotFound(
        "cluster", names::Child(organization_id, "clusters", cluster_id));
  }
  return ClusterFromRow(organization_id, **select);
}

absl::StatusOr<bool> DisplayNameTaken(sqlite::Connection& connection,
                                      absl::string_view organization_id,
                                      absl::string_view display_name) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
      "SELECT 1 FROM clusters WHERE organization_id = ? AND display_name = ?");
  if (!select.ok()) {
    return select.status();
  }
  (*select)->Bind(1, organization_id).Bind(2, display_name);
  return (*select)->Step();
}

absl::Status InsertCluster(sqlite::Connection& connection, absl::string_view id,
                           absl::string_view organization_id,
                           const NewCluster& cluster, int64_t time_micros) {
  absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
      "INSERT INTO clusters (id, organization_id, display_name, "
      "memory_per_runner_mb, disk_per_runner_gb, state, token_hash, "
      "revision, create_time, update_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)");
  if (!insert.ok()) {
    return insert.status();
  }
  return (*insert)
      ->Bind(1, id)
      .Bind(2, organization_id)
      .Bind(3, cluster.display_name)
      .Bind(4, static_cast<int64_t>(cluster.memory_per_runner_mb))
      .Bind(5, static_cast<int64_t>(cluster.disk_per_runner_gb))
      .Bind(6, static_cast<int64_t>(Cluster::STATE_PROVISIONING))
      .Bind(7, cluster.token_hash)
      .Bind(8, time_micros)
      .Bind(9, time_micros)
      .Run();
}

// Reads up to `page_size` rows of a prepared cluster query into a page;
// the query must select kSelectClusterColumns and LIMIT page_size + 1.
absl::StatusOr<ClusterPage> ReadPage(sqlite::Statement& select,
                                     absl::string_view organization_id,
                                     int page_size) {
  ClusterPage page;
  for (;;) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      break;
    }
    if (static_cast<int>(page.clusters.size()) == page_size) {
      page.has_more = true;
      break;
    }
    page.last_id = select.ColumnText(0);
    page.clusters.push_back(ClusterFromRow(organization_id, select));
  }
  return page;
}

// The cluster_grants table of the first migration.
GrantSchema ClusterGrantSchema() {
  GrantSchema schema;
  schema.resource_kind = "cluster";
  schema.resource_table = "clusters";
  schema.grant_table = "cluster_grants";
  schema.resource_column = "cluster_id";
  schema.granted_event = "cluster.access_granted";
  schema.revoked_event = "cluster.access_revoked";
  return schema;
}

}  // namespace

ClusterStore::ClusterStore(std::unique_ptr<sqlite::Database> database)
    : database_(std::move(database)), grants_(ClusterGrantSchema()) {}

absl::StatusOr<std::unique_ptr<ClusterStore>> ClusterStore::Open(
    const std::string& data_dir) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
      sqlite::Database::Open(absl::StrCat(data_dir, "/", kDatabaseFileName),
                             Migrations());
  if (!database.ok()) {
    return database.status();
  }
  return std::unique_ptr<ClusterStore>(new ClusterStore(*std::move(database)));
}

absl::StatusOr<CreatedCluster> ClusterStore::CreateCluster(
    absl::string_view organization_id, const NewCluster& cluster,
    const Mutation& mutation) {
  CreatedCluster result;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    // A retry returns the first cluster before the name check runs,
    // because the first attempt already took the name.
    if (!mutation.request_id.empty()) {
      absl::StatusOr<std::string> earlier =
          SelectRequestResource(connection, mutation);
      if (!earlier.ok()) {
        return earlier.status();
      }
      if (!earlier->empty()) {
        absl::StatusOr<std::vector<std::string>> ids = names::Parse(
            *earlier, "organizations/{organization}/clusters/{cluster}",
            "resource");
        if (!ids.ok()) {
          return ids.status();
        }
        absl::StatusOr<Cluster> found =
            SelectCluster(connection, (*ids)[0], (*ids)[1]);
        if (!found.ok()) {
          return found.status();
        }
        result.cluster = *std::move(found);
        result.replayed = true;
        return absl::OkStatus();
      }
    }

    absl::StatusOr<bool> taken =
        DisplayNameTaken(connection, organization_id, cluster.display_name);
    if (!taken.ok()) {
      return taken.status();
    }
    if (*taken) {
      return errors::AlreadyExists(absl::StrCat(
          "a cluster named \"", cluster.display_name, "\" already exists in ",
          names::Organization(organization_id)));
    }

    const std::string id = crypto::NewResourceId();
    const std::string name = names::Child(organization_id, "clusters", id);
    absl::Status inserted = InsertCluster(connection, id, organization_id,
                                          cluster, mutation.time_micros);
    if (!inserted.ok()) {
      return inserted;
    }
    if (!mutation.request_id.empty()) {
      absl::Status stored = InsertRequestId(connection, mutation, name);
      if (!stored.ok()) {
        return stored;
      }
    }
    absl::Status audited =
        InsertAuditEvent(connection, organization_id, name, mutation);
    if (!audited.ok()) {
      return audited;
    }
    absl::Status published =
        InsertOutboxEvent(connection, kClusterCreated, organization_id, name,
                          /*user_name=*/"", mutation.time_micros);
    if (!published.ok()) {
      return published;
    }

    absl::StatusOr<Cluster> created =
        SelectCluster(connection, organization_id, id);
    if (!created.ok()) {
      return created.status();
    }
    result.cluster = *std::move(created);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<Cluster> ClusterStore::GetCluster(
    absl::string_view organization_id, absl::string_view cluster_id) {
  Cluster cluster;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<Cluster> found =
        SelectCluster(connection, organization_id, cluster_id);
    if (!found.ok()) {
      return found.status();
    }
    cluster = *std::move(found);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return cluster;
}

absl::StatusOr<ClusterPage> ClusterStore::ListClusters(
    absl::string_view organization_id, absl::string_view after_id,
    int page_size) {
  ClusterPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
        kSelectClusterColumns,
        "WHERE organization_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4"));
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, OnlineSinceMicros())
        .Bind(2, organization_id)
        .Bind(3, after_id)
        .Bind(4, static_cast<int64_t>(page_size) + 1);
    absl::StatusOr<ClusterPage> read =
        ReadPage(**select, organization_id, page_size);
    if (!read.ok()) {
      return read.status();
    }
    page = *std::move(read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return page;
}

absl::StatusOr<ClusterPage> ClusterStore::ListGrantedClusters(
    absl::string_view organization_id, absl::string_view user_name,
    absl::string_view after_id, int page_size) {
  ClusterPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
        kSelectClusterColumns,
        "WHERE organization_id = ?2 AND id > ?3 AND id IN (",
        grants_.GrantedIdsSubquery("?4"), ") ORDER BY id LIMIT ?5"));
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, OnlineSinceMicros())
        .Bind(2, organization_id)
        .Bind(3, after_id)
        .Bind(4, user_name)
        .Bind(5, static_cast<int64_t>(page_size) + 1);
    absl::StatusOr<ClusterPage> read =
        ReadPage(**select, organization_id, page_size);
    if (!read.ok()) {
      return read.status();
    }
    page = *std::move(read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return page;
}

absl::StatusOr<std::string> ClusterStore::FindClusterByTokenHash(
    absl::string_view token_hash) {
  std::string name;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
        "SELECT organization_id, id FROM clusters WHERE token_hash = ?");
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, token_hash);
    absl::StatusOr<bool> row = (*select)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      // The hash is a credential too, so the message leaves it out.
      return absl::NotFoundError("no cluster has this token");
    }
    name = names::Child((*select)->ColumnText(0), "clusters",
                        (*select)->ColumnText(1));
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return name;
}

absl::StatusOr<bool> ClusterStore::GrantAccess(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view user_name, const Mutation& mutation) {
  return grants_.Grant(*database_, organization_id, cluster_id, user_name,
                       mutation);
}

absl::StatusOr<bool> ClusterStore::RevokeAccess(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view user_name, const Mutation& mutation) {
  return grants_.Revoke(*database_, organization_id, cluster_id, user_name,
                        mutation);
}

absl::Status ClusterStore::CheckResourceExists(
    absl::string_view organization_id, absl::string_view cluster_id) {
  return grants_.CheckResourceExists(*database_, organization_id, cluster_id);
}

absl::StatusOr<bool> ClusterStore::HasAccess(absl::string_view organization_id,
                                             absl::string_view cluster_id,
                                             absl::string_view user_name) {
  return grants_.HasGrant(*database_, organization_id, cluster_id, user_name);
}

absl::StatusOr<std::vector<audit_log::AuditRow>> ClusterStore::ListAuditEvents(
    const audit_log::AuditQuery& query) {
  return audit_log::SelectAuditEvents(*database_, query);
}

}  // namespace ironorg::clusters
