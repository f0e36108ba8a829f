#include "services/clusters/cluster_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/change_feed_consumer.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/store_records.h"
#include "common/time_util.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::Cluster;
using ::ironorg::clusters::v1::Runner;

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
      // ListRunners pages through one cluster's runners in id order.
      R"sql(
CREATE INDEX runners_by_cluster ON runners (cluster_id, id);
)sql",
      // The users whose deletion the identity change feed applied, and
      // the cursor of that feed.
      absl::StrCat(kDeletedUsersTableSql, change_feed::kCursorTableSql),
  };
  return *kMigrations;
}

// Change feed event types written to `outbox`.
constexpr absl::string_view kClusterCreated = "cluster.created";
constexpr absl::string_view kClusterUpdated = "cluster.updated";
constexpr absl::string_view kClusterDeleted = "cluster.deleted";
constexpr absl::string_view kClusterTokenRotated = "cluster.token_rotated";

// Every query built on these columns binds ?1 to the oldest heartbeat time
// that still counts as online.
constexpr absl::string_view kSelectClusterColumns =
    "SELECT id, display_name, memory_per_runner_mb, disk_per_runner_gb, "
    "state, revision, create_time, update_time, "
    "(SELECT COUNT(*) FROM runners WHERE runners.cluster_id = clusters.id), "
    "(SELECT COUNT(*) FROM runners WHERE runners.cluster_id = clusters.id "
    "AND runners.last_heartbeat_time >= ?1) "
    "FROM clusters ";

constexpr absl::string_view kSelectRunnerColumns =
    "SELECT id, hostname, last_heartbeat_time, create_time FROM runners ";

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
                                      absl::string_view cluster_id,
                                      int64_t online_since_micros) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
      kSelectClusterColumns, "WHERE organization_id = ?2 AND id = ?3"));
  if (!select.ok()) {
    return select.status();
  }
  (*select)
      ->Bind(1, online_since_micros)
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

// Returns ALREADY_EXISTS if a cluster of the organization other than
// `own_id` (empty for a new cluster) has `display_name`.
absl::Status CheckDisplayNameFree(sqlite::Connection& connection,
                                  absl::string_view organization_id,
                                  absl::string_view display_name,
                                  absl::string_view own_id) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * select,
      connection.Prepare("SELECT 1 FROM clusters WHERE organization_id = ? "
                         "AND display_name = ? AND id != ?"));
  select->Bind(1, organization_id).Bind(2, display_name).Bind(3, own_id);
  IRONORG_ASSIGN_OR_RETURN(const bool taken, select->Step());
  if (taken) {
    return errors::AlreadyExists(absl::StrCat(
        "a cluster named \"", display_name, "\" already exists in ",
        names::Organization(organization_id)));
  }
  return absl::OkStatus();
}

// An empty etag skips the check, as every etag of this suite does.
absl::Status CheckEtag(const Cluster& cluster, absl::string_view etag) {
  if (!etag.empty() && etag != cluster.etag()) {
    return errors::StaleEtag(cluster.name(), etag);
  }
  return absl::OkStatus();
}

std::string RunnerName(absl::string_view organization_id,
                       absl::string_view cluster_id,
                       absl::string_view runner_id) {
  return absl::StrCat(names::Child(organization_id, "clusters", cluster_id),
                      "/runners/", runner_id);
}

// Builds a runner, without `state`, from a row of kSelectRunnerColumns.
Runner RunnerFromRow(absl::string_view organization_id,
                     absl::string_view cluster_id,
                     const sqlite::Statement& row) {
  Runner runner;
  runner.set_name(RunnerName(organization_id, cluster_id, row.ColumnText(0)));
  runner.set_hostname(row.ColumnText(1));
  *runner.mutable_last_heartbeat_time() = ToTimestamp(row.ColumnInt(2));
  *runner.mutable_create_time() = ToTimestamp(row.ColumnInt(3));
  return runner;
}

// Returns the runner of the cluster whose `column` is `value`, or nullopt
// if there is none. `column` is pasted into the SQL, so it must be the
// literal "id" or "hostname", never request input.
absl::StatusOr<std::optional<Runner>> SelectRunner(
    sqlite::Connection& connection, absl::string_view organization_id,
    absl::string_view cluster_id, absl::string_view column,
    absl::string_view value) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * select,
      connection.Prepare(absl::StrCat(
          kSelectRunnerColumns, "WHERE cluster_id = ? AND ", column, " = ?")));
  select->Bind(1, cluster_id).Bind(2, value);
  IRONORG_ASSIGN_OR_RETURN(const bool found, select->Step());
  if (!found) {
    return std::optional<Runner>();
  }
  return std::optional<Runner>(
      RunnerFromRow(organization_id, cluster_id, *select));
}

absl::Status SetHeartbeatTime(sqlite::Connection& connection,
                              absl::string_view runner_id,
                              int64_t time_micros) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * update,
      connection.Prepare(
          "UPDATE runners SET last_heartbeat_time = ? WHERE id = ?"));
  return update->Bind(1, time_micros).Bind(2, runner_id).Run();
}

// Inserts a new runner with a random id and returns that id.
absl::StatusOr<std::string> InsertRunner(sqlite::Connection& connection,
                                         absl::string_view cluster_id,
                                         absl::string_view hostname,
                                         int64_t time_micros) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * insert,
      connection.Prepare("INSERT INTO runners (id, cluster_id, hostname, "
                         "last_heartbeat_time, create_time) "
                         "VALUES (?, ?, ?, ?, ?)"));
  const std::string id = crypto::NewResourceId();
  IRONORG_RETURN_IF_ERROR(insert->Bind(1, id)
                              .Bind(2, cluster_id)
                              .Bind(3, hostname)
                              .Bind(4, time_micros)
                              .Bind(5, time_micros)
                              .Run());
  return id;
}

// Moves a STATE_PROVISIONING cluster to STATE_READY with a new revision,
// and leaves a cluster in any other state as it is.
absl::Status MarkClusterReady(sqlite::Connection& connection,
                              absl::string_view cluster_id,
                              int64_t time_micros) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * update,
      connection.Prepare("UPDATE clusters SET state = ?, "
                         "revision = revision + 1, update_time = ? "
                         "WHERE id = ? AND state = ?"));
  return update->Bind(1, static_cast<int64_t>(Cluster::STATE_READY))
      .Bind(2, time_micros)
      .Bind(3, cluster_id)
      .Bind(4, static_cast<int64_t>(Cluster::STATE_PROVISIONING))
      .Run();
}

// Writes the audit event of `mutation` and the outbox event of
// `event_type` for a change of the cluster `cluster_name`.
absl::Status RecordClusterChange(sqlite::Connection& connection,
                                 absl::string_view event_type,
                                 absl::string_view organization_id,
                                 absl::string_view cluster_name,
                                 const Mutation& mutation) {
  IRONORG_RETURN_IF_ERROR(
      InsertAuditEvent(connection, organization_id, cluster_name, mutation));
  return InsertOutboxEvent(connection, event_type, organization_id,
                           cluster_name, /*user_name=*/"",
                           mutation.time_micros);
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
    const Mutation& mutation, int64_t online_since_micros) {
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
        absl::StatusOr<Cluster> found = SelectCluster(
            connection, (*ids)[0], (*ids)[1], online_since_micros);
        if (!found.ok()) {
          return found.status();
        }
        result.cluster = *std::move(found);
        result.replayed = true;
        return absl::OkStatus();
      }
    }

    absl::Status name_free = CheckDisplayNameFree(
        connection, organization_id, cluster.display_name, /*own_id=*/"");
    if (!name_free.ok()) {
      return name_free;
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
        SelectCluster(connection, organization_id, id, online_since_micros);
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
    absl::string_view organization_id, absl::string_view cluster_id,
    int64_t online_since_micros) {
  Cluster cluster;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<Cluster> found = SelectCluster(
        connection, organization_id, cluster_id, online_since_micros);
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
    int page_size, int64_t online_since_micros) {
  ClusterPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
        kSelectClusterColumns,
        "WHERE organization_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4"));
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, online_since_micros)
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
    absl::string_view after_id, int page_size, int64_t online_since_micros) {
  ClusterPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    // Walks the user's grants in cluster id order (the index
    // cluster_grants_by_user) and stops after one page, so a page costs the
    // same with 10 grants or 10,000. CROSS JOIN keeps SQLite from driving
    // the loop from the organization's clusters instead.
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
        "SELECT clusters.id, clusters.display_name, "
        "clusters.memory_per_runner_mb, clusters.disk_per_runner_gb, "
        "clusters.state, clusters.revision, clusters.create_time, "
        "clusters.update_time, "
        "(SELECT COUNT(*) FROM runners WHERE runners.cluster_id = clusters.id), "
        "(SELECT COUNT(*) FROM runners WHERE runners.cluster_id = clusters.id "
        "AND runners.last_heartbeat_time >= ?1) "
        "FROM cluster_grants CROSS JOIN clusters "
        "ON clusters.id = cluster_grants.cluster_id "
        "WHERE cluster_grants.user_name = ?4 "
        "AND cluster_grants.cluster_id > ?3 "
        "AND clusters.organization_id = ?2 "
        "ORDER BY cluster_grants.cluster_id LIMIT ?5");
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, online_since_micros)
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

absl::StatusOr<Cluster> ClusterStore::UpdateCluster(
    absl::string_view organization_id, absl::string_view cluster_id,
    const ClusterChanges& changes, absl::string_view etag,
    const Mutation& mutation, int64_t online_since_micros) {
  Cluster updated;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    IRONORG_ASSIGN_OR_RETURN(const Cluster current,
                             SelectCluster(connection, organization_id,
                                           cluster_id, online_since_micros));
    IRONORG_RETURN_IF_ERROR(CheckEtag(current, etag));
    if (changes.display_name.has_value()) {
      IRONORG_RETURN_IF_ERROR(CheckDisplayNameFree(
          connection, organization_id, *changes.display_name, cluster_id));
    }

    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * update,
        connection.Prepare(
            "UPDATE clusters SET display_name = ?, memory_per_runner_mb = ?, "
            "disk_per_runner_gb = ?, revision = revision + 1, "
            "update_time = ? WHERE id = ?"));
    IRONORG_RETURN_IF_ERROR(
        update->Bind(1, changes.display_name.value_or(current.display_name()))
            .Bind(2, static_cast<int64_t>(changes.memory_per_runner_mb.value_or(
                         current.memory_per_runner_mb())))
            .Bind(3, static_cast<int64_t>(changes.disk_per_runner_gb.value_or(
                         current.disk_per_runner_gb())))
            .Bind(4, mutation.time_micros)
            .Bind(5, cluster_id)
            .Run());
    IRONORG_RETURN_IF_ERROR(RecordClusterChange(connection, kClusterUpdated,
                                                organization_id, current.name(),
                                                mutation));

    IRONORG_ASSIGN_OR_RETURN(
        updated, SelectCluster(connection, organization_id, cluster_id,
                               online_since_micros));
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return updated;
}

absl::Status ClusterStore::DeleteCluster(absl::string_view organization_id,
                                         absl::string_view cluster_id,
                                         absl::string_view etag,
                                         const Mutation& mutation) {
  return database_->Write([&](sqlite::Connection& connection) {
    IRONORG_ASSIGN_OR_RETURN(
        const Cluster current,
        SelectCluster(connection, organization_id, cluster_id,
                      /*online_since_micros=*/0));
    IRONORG_RETURN_IF_ERROR(CheckEtag(current, etag));

    // The foreign keys would cascade these two, but the rule that no grant
    // or runner outlives its cluster should not rest on a PRAGMA.
    for (absl::string_view sql :
         {"DELETE FROM cluster_grants WHERE cluster_id = ?",
          "DELETE FROM runners WHERE cluster_id = ?",
          "DELETE FROM clusters WHERE id = ?"}) {
      IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * remove,
                               connection.Prepare(sql));
      IRONORG_RETURN_IF_ERROR(remove->Bind(1, cluster_id).Run());
    }
    return RecordClusterChange(connection, kClusterDeleted, organization_id,
                               current.name(), mutation);
  });
}

absl::StatusOr<Cluster> ClusterStore::RotateClusterToken(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view token_hash, const Mutation& mutation,
    int64_t online_since_micros) {
  Cluster rotated;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    const std::string name =
        names::Child(organization_id, "clusters", cluster_id);
    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * update,
        connection.Prepare("UPDATE clusters SET token_hash = ?, revision = "
                           "revision + 1, update_time = ? "
                           "WHERE organization_id = ? AND id = ?"));
    IRONORG_RETURN_IF_ERROR(update->Bind(1, token_hash)
                                .Bind(2, mutation.time_micros)
                                .Bind(3, organization_id)
                                .Bind(4, cluster_id)
                                .Run());
    if (connection.ChangedRows() == 0) {
      return errors::NotFound("cluster", name);
    }
    IRONORG_RETURN_IF_ERROR(RecordClusterChange(
        connection, kClusterTokenRotated, organization_id, name, mutation));

    IRONORG_ASSIGN_OR_RETURN(
        rotated, SelectCluster(connection, organization_id, cluster_id,
                               online_since_micros));
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return rotated;
}

absl::StatusOr<RegisteredRunner> ClusterStore::RegisterRunner(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view hostname, const Mutation& mutation) {
  RegisteredRunner result;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    IRONORG_ASSIGN_OR_RETURN(
        const Cluster cluster,
        SelectCluster(connection, organization_id, cluster_id,
                      /*online_since_micros=*/0));
    result.memory_per_runner_mb = cluster.memory_per_runner_mb();
    result.disk_per_runner_gb = cluster.disk_per_runner_gb();

    IRONORG_ASSIGN_OR_RETURN(const std::optional<Runner> existing,
                             SelectRunner(connection, organization_id,
                                          cluster_id, "hostname", hostname));
    std::string runner_id;
    if (existing.has_value()) {
      runner_id = existing->name().substr(existing->name().rfind('/') + 1);
      IRONORG_RETURN_IF_ERROR(
          SetHeartbeatTime(connection, runner_id, mutation.time_micros));
    } else {
      IRONORG_ASSIGN_OR_RETURN(
          runner_id,
          InsertRunner(connection, cluster_id, hostname, mutation.time_micros));
      IRONORG_RETURN_IF_ERROR(
          MarkClusterReady(connection, cluster_id, mutation.time_micros));
      IRONORG_RETURN_IF_ERROR(InsertAuditEvent(
          connection, organization_id,
          RunnerName(organization_id, cluster_id, runner_id), mutation));
      result.created = true;
    }

    IRONORG_ASSIGN_OR_RETURN(
        const std::optional<Runner> runner,
        SelectRunner(connection, organization_id, cluster_id, "id", runner_id));
    if (!runner.has_value()) {
      return errors::NotFound(
          "runner", RunnerName(organization_id, cluster_id, runner_id));
    }
    result.runner = *runner;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<Runner> ClusterStore::RecordHeartbeat(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view runner_id, int64_t time_micros) {
  Runner runner;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    const std::string name = RunnerName(organization_id, cluster_id, runner_id);
    // The cluster id alone is unique, but the organization in the name must
    // match too, or a name with another organization would reach it.
    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * update,
        connection.Prepare(
            "UPDATE runners SET last_heartbeat_time = ?1 "
            "WHERE id = ?2 AND cluster_id = ?3 AND EXISTS (SELECT 1 FROM "
            "clusters WHERE clusters.id = ?3 AND organization_id = ?4)"));
    IRONORG_RETURN_IF_ERROR(update->Bind(1, time_micros)
                                .Bind(2, runner_id)
                                .Bind(3, cluster_id)
                                .Bind(4, organization_id)
                                .Run());
    if (connection.ChangedRows() == 0) {
      return errors::NotFound("runner", name);
    }

    IRONORG_ASSIGN_OR_RETURN(
        const std::optional<Runner> found,
        SelectRunner(connection, organization_id, cluster_id, "id", runner_id));
    if (!found.has_value()) {
      return errors::NotFound("runner", name);
    }
    runner = *found;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return runner;
}

absl::StatusOr<RunnerPage> ClusterStore::ListRunners(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view after_id, int page_size) {
  RunnerPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    IRONORG_RETURN_IF_ERROR(SelectCluster(connection, organization_id,
                                          cluster_id,
                                          /*online_since_micros=*/0)
                                .status());

    IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * select,
                             connection.Prepare(absl::StrCat(
                                 kSelectRunnerColumns,
                                 "WHERE cluster_id = ? AND id > ? ORDER BY id "
                                 "LIMIT ?")));
    select->Bind(1, cluster_id)
        .Bind(2, after_id)
        .Bind(3, static_cast<int64_t>(page_size) + 1);
    for (;;) {
      IRONORG_ASSIGN_OR_RETURN(const bool row, select->Step());
      if (!row) {
        break;
      }
      if (static_cast<int>(page.runners.size()) == page_size) {
        page.has_more = true;
        break;
      }
      page.last_id = select->ColumnText(0);
      page.runners.push_back(
          RunnerFromRow(organization_id, cluster_id, *select));
    }
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

absl::Status ClusterStore::CheckResourcesExist(
    absl::string_view organization_id,
    const std::vector<std::string>& cluster_ids) {
  return grants_.CheckResourcesExist(*database_, organization_id, cluster_ids);
}

absl::StatusOr<GrantMemberPage> ClusterStore::ListMembers(
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view after_user, int page_size) {
  return grants_.ListMembers(*database_, organization_id, cluster_id,
                             after_user, page_size);
}

absl::StatusOr<GrantSetResult> ClusterStore::SetUserGrants(
    absl::string_view organization_id, absl::string_view user_name,
    const std::vector<std::string>& cluster_ids, const Mutation& mutation) {
  return grants_.SetUserGrants(*database_, organization_id, user_name,
                               cluster_ids, mutation);
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
