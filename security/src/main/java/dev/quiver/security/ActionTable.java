package dev.quiver.security;

import static dev.quiver.security.Requirement.ANY;
import static dev.quiver.security.Requirement.COLLECTION_EXTRAS;
import static dev.quiver.security.Requirement.COLLECTION_MANAGE;
import static dev.quiver.security.Requirement.COLLECTION_READ;
import static dev.quiver.security.Requirement.COLLECTION_READ_EXTRAS;
import static dev.quiver.security.Requirement.COLLECTION_WRITE;
import static dev.quiver.security.Requirement.GLOBAL_MANAGE;
import static dev.quiver.security.Requirement.GLOBAL_READ;
import static dev.quiver.security.Requirement.OPEN;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of every public operation, REST route and gRPC method with the access it requires
 * (Qdrant's rules, reference §3.4 and §4.2). Both edges authorize through it; an operation that is
 * not in it is denied. Immutable and thread-safe.
 */
public final class ActionTable {
  private static final String C = "/collections/{collection_name}";
  private static final String P = C + "/points";
  private static final String S = C + "/shards/{shard_id}";

  private final List<Action> actions;
  private final Map<String, Action> byGrpc = new HashMap<>();

  private ActionTable(List<Action> actions) {
    this.actions = List.copyOf(actions);
    for (Action a : actions) {
      if (a.grpcMethod() != null && byGrpc.put(a.grpcMethod(), a) != null) {
        throw new IllegalStateException("gRPC method listed twice: " + a.grpcMethod());
      }
    }
  }

  public List<Action> actions() {
    return actions;
  }

  /** The entry of a gRPC method ({@code qdrant.Points/Upsert}), if any. */
  public Optional<Action> forGrpc(String fullMethodName) {
    return Optional.ofNullable(byGrpc.get(fullMethodName));
  }

  /** The entries with a REST route. */
  public List<Action> restActions() {
    return actions.stream().filter(a -> a.path() != null).toList();
  }

  /** Quiver's table. */
  public static ActionTable standard() {
    var b = new Builder();
    // service
    b.rest("root", OPEN, "GET", "/").grpc("qdrant.Qdrant/HealthCheck").unaudited();
    b.rest("healthz", OPEN, "GET", "/healthz").unaudited();
    b.rest("livez", OPEN, "GET", "/livez").unaudited();
    b.rest("readyz", OPEN, "GET", "/readyz").unaudited();
    // the web console's page and assets: no data in them, the page asks for a credential
    b.rest("console", OPEN, "GET", "/dashboard").unaudited();
    b.rest("console_asset", OPEN, "GET", "/dashboard/{asset}").unaudited();
    b.grpc("health_check", OPEN, "grpc.health.v1.Health/Check").unaudited();
    b.rest("metrics", GLOBAL_READ, "GET", "/metrics").unaudited();
    b.rest("telemetry", ANY, "GET", "/telemetry").unaudited();
    b.rest("get_issues", ANY, "GET", "/issues");
    b.rest("clear_issues", GLOBAL_MANAGE, "DELETE", "/issues");
    b.rest("get_logger_config", GLOBAL_READ, "GET", "/logger");
    b.rest("update_logger_config", GLOBAL_MANAGE, "POST", "/logger");
    b.rest("get_stacktrace", GLOBAL_MANAGE, "GET", "/stacktrace");
    b.rest("get_quotas", GLOBAL_READ, "GET", "/quotas");
    b.rest("update_quotas", GLOBAL_MANAGE, "PUT", "/quotas");
    b.rest("audit_logs", GLOBAL_MANAGE, "POST", "/audit/logs");
    b.rest("security_check", GLOBAL_MANAGE, "GET", "/security/check");
    // cluster
    b.rest("cluster_status", GLOBAL_READ, "GET", "/cluster");
    b.rest("cluster_telemetry", ANY, "GET", "/cluster/telemetry").unaudited();
    b.rest("recover_current_peer", GLOBAL_MANAGE, "POST", "/cluster/recover");
    b.rest("remove_peer", GLOBAL_MANAGE, "DELETE", "/cluster/peer/{peer_id}");
    b.rest("list_cluster_metadata_keys", GLOBAL_READ, "GET", "/cluster/metadata/keys");
    b.rest("get_cluster_metadata_key", GLOBAL_READ, "GET", "/cluster/metadata/keys/{key}");
    b.rest("update_cluster_metadata_key", GLOBAL_MANAGE, "PUT", "/cluster/metadata/keys/{key}");
    b.rest("delete_cluster_metadata_key", GLOBAL_MANAGE, "DELETE", "/cluster/metadata/keys/{key}");
    // collections
    b.rest("get_collections", ANY, "GET", "/collections").grpc("qdrant.Collections/List");
    b.rest("get_collection", COLLECTION_READ, "GET", C).grpc("qdrant.Collections/Get");
    b.rest("create_collection", GLOBAL_MANAGE, "PUT", C).grpc("qdrant.Collections/Create");
    b.rest("update_collection", COLLECTION_MANAGE, "PATCH", C).grpc("qdrant.Collections/Update");
    b.rest("delete_collection", COLLECTION_MANAGE, "DELETE", C).grpc("qdrant.Collections/Delete");
    b.rest("collection_exists", COLLECTION_READ, "GET", C + "/exists")
        .grpc("qdrant.Collections/CollectionExists");
    b.rest("get_optimizations", COLLECTION_READ, "GET", C + "/optimizations");
    b.rest("collection_memory", COLLECTION_READ, "GET", C + "/memory");
    b.rest("truncate_unapplied_wal", COLLECTION_MANAGE, "POST", C + "/truncate_unapplied_wal");
    b.rest("update_aliases", GLOBAL_MANAGE, "POST", "/collections/aliases")
        .grpc("qdrant.Collections/UpdateAliases");
    b.rest("get_collection_aliases", COLLECTION_READ, "GET", C + "/aliases")
        .grpc("qdrant.Collections/ListCollectionAliases");
    b.rest("get_collections_aliases", ANY, "GET", "/aliases")
        .grpc("qdrant.Collections/ListAliases");
    b.rest("collection_cluster_info", COLLECTION_READ, "GET", C + "/cluster")
        .grpc("qdrant.Collections/CollectionClusterInfo");
    b.rest("update_collection_cluster", COLLECTION_MANAGE, "POST", C + "/cluster")
        .grpc("qdrant.Collections/UpdateCollectionClusterSetup");
    b.rest("list_shard_keys", COLLECTION_READ, "GET", C + "/shards")
        .grpc("qdrant.Collections/ListShardKeys");
    b.rest("create_shard_key", COLLECTION_MANAGE, "PUT", C + "/shards")
        .grpc("qdrant.Collections/CreateShardKey");
    b.rest("delete_shard_key", COLLECTION_MANAGE, "POST", C + "/shards/delete")
        .grpc("qdrant.Collections/DeleteShardKey");
    b.rest("create_field_index", COLLECTION_EXTRAS, "PUT", C + "/index")
        .grpc("qdrant.Points/CreateFieldIndex");
    b.rest("delete_field_index", COLLECTION_EXTRAS, "DELETE", C + "/index/{field_name}")
        .grpc("qdrant.Points/DeleteFieldIndex");
    b.rest("create_vector_name", COLLECTION_EXTRAS, "PUT", C + "/vectors/{vector_name}")
        .grpc("qdrant.Points/CreateVectorName");
    b.rest("delete_vector_name", COLLECTION_EXTRAS, "DELETE", C + "/vectors/{vector_name}")
        .grpc("qdrant.Points/DeleteVectorName");
    // point writes
    b.rest("upsert_points", COLLECTION_WRITE, "PUT", P).grpc("qdrant.Points/Upsert");
    b.rest("delete_points", COLLECTION_WRITE, "POST", P + "/delete").grpc("qdrant.Points/Delete");
    b.rest("batch_update", COLLECTION_WRITE, "POST", P + "/batch")
        .grpc("qdrant.Points/UpdateBatch");
    b.rest("update_vectors", COLLECTION_WRITE, "PUT", P + "/vectors")
        .grpc("qdrant.Points/UpdateVectors");
    b.rest("delete_vectors", COLLECTION_WRITE, "POST", P + "/vectors/delete")
        .grpc("qdrant.Points/DeleteVectors");
    b.rest("set_payload", COLLECTION_WRITE, "POST", P + "/payload")
        .grpc("qdrant.Points/SetPayload");
    b.rest("overwrite_payload", COLLECTION_WRITE, "PUT", P + "/payload")
        .grpc("qdrant.Points/OverwritePayload");
    b.rest("delete_payload", COLLECTION_WRITE, "POST", P + "/payload/delete")
        .grpc("qdrant.Points/DeletePayload");
    b.rest("clear_payload", COLLECTION_WRITE, "POST", P + "/payload/clear")
        .grpc("qdrant.Points/ClearPayload");
    // point reads
    b.rest("get_points", COLLECTION_READ, "POST", P).grpc("qdrant.Points/Get");
    b.rest("get_point", COLLECTION_READ, "GET", P + "/{id}");
    b.rest("scroll_points", COLLECTION_READ, "POST", P + "/scroll").grpc("qdrant.Points/Scroll");
    b.rest("count_points", COLLECTION_READ, "POST", P + "/count").grpc("qdrant.Points/Count");
    b.rest("facet", COLLECTION_READ, "POST", C + "/facet").grpc("qdrant.Points/Facet");
    b.rest("search_points", COLLECTION_READ, "POST", P + "/search").grpc("qdrant.Points/Search");
    b.rest("search_batch_points", COLLECTION_READ, "POST", P + "/search/batch")
        .grpc("qdrant.Points/SearchBatch");
    b.rest("search_point_groups", COLLECTION_READ, "POST", P + "/search/groups")
        .grpc("qdrant.Points/SearchGroups");
    b.rest("recommend_points", COLLECTION_READ, "POST", P + "/recommend")
        .grpc("qdrant.Points/Recommend");
    b.rest("recommend_batch_points", COLLECTION_READ, "POST", P + "/recommend/batch")
        .grpc("qdrant.Points/RecommendBatch");
    b.rest("recommend_point_groups", COLLECTION_READ, "POST", P + "/recommend/groups")
        .grpc("qdrant.Points/RecommendGroups");
    b.rest("discover_points", COLLECTION_READ, "POST", P + "/discover")
        .grpc("qdrant.Points/Discover");
    b.rest("discover_batch_points", COLLECTION_READ, "POST", P + "/discover/batch")
        .grpc("qdrant.Points/DiscoverBatch");
    b.rest("query_points", COLLECTION_READ, "POST", P + "/query").grpc("qdrant.Points/Query");
    b.rest("query_batch_points", COLLECTION_READ, "POST", P + "/query/batch")
        .grpc("qdrant.Points/QueryBatch");
    b.rest("query_points_groups", COLLECTION_READ, "POST", P + "/query/groups")
        .grpc("qdrant.Points/QueryGroups");
    b.rest("search_matrix_pairs", COLLECTION_READ, "POST", P + "/search/matrix/pairs")
        .grpc("qdrant.Points/SearchMatrixPairs");
    b.rest("search_matrix_offsets", COLLECTION_READ, "POST", P + "/search/matrix/offsets")
        .grpc("qdrant.Points/SearchMatrixOffsets");
    // collection snapshots
    b.rest("list_snapshots", COLLECTION_READ_EXTRAS, "GET", C + "/snapshots")
        .grpc("qdrant.Snapshots/List");
    b.rest("create_snapshot", COLLECTION_EXTRAS, "POST", C + "/snapshots")
        .grpc("qdrant.Snapshots/Create");
    b.rest("get_snapshot", COLLECTION_READ_EXTRAS, "GET", C + "/snapshots/{snapshot_name}");
    b.rest("delete_snapshot", COLLECTION_EXTRAS, "DELETE", C + "/snapshots/{snapshot_name}")
        .grpc("qdrant.Snapshots/Delete");
    b.rest("recover_from_snapshot", COLLECTION_MANAGE, "PUT", C + "/snapshots/recover");
    b.rest("recover_from_uploaded_snapshot", COLLECTION_MANAGE, "POST", C + "/snapshots/upload");
    // shard snapshots
    b.rest("stream_shard_snapshot", COLLECTION_EXTRAS, "GET", S + "/snapshot");
    b.rest("list_shard_snapshots", COLLECTION_READ_EXTRAS, "GET", S + "/snapshots");
    b.rest("create_shard_snapshot", COLLECTION_EXTRAS, "POST", S + "/snapshots");
    b.rest("get_shard_snapshot", COLLECTION_READ_EXTRAS, "GET", S + "/snapshots/{snapshot_name}");
    b.rest("delete_shard_snapshot", COLLECTION_EXTRAS, "DELETE", S + "/snapshots/{snapshot_name}");
    b.rest("recover_shard_from_snapshot", COLLECTION_MANAGE, "PUT", S + "/snapshots/recover");
    b.rest(
        "recover_shard_from_uploaded_snapshot", COLLECTION_MANAGE, "POST", S + "/snapshots/upload");
    // full snapshots
    b.rest("list_full_snapshots", GLOBAL_READ, "GET", "/snapshots")
        .grpc("qdrant.Snapshots/ListFull");
    b.rest("create_full_snapshot", GLOBAL_MANAGE, "POST", "/snapshots")
        .grpc("qdrant.Snapshots/CreateFull");
    b.rest("get_full_snapshot", GLOBAL_READ, "GET", "/snapshots/{snapshot_name}");
    b.rest("delete_full_snapshot", GLOBAL_MANAGE, "DELETE", "/snapshots/{snapshot_name}")
        .grpc("qdrant.Snapshots/DeleteFull");
    // storage read (gRPC only)
    for (String m :
        List.of(
            "ListFiles",
            "FileExists",
            "FileLength",
            "ReadBytes",
            "ReadBytesStream",
            "ReadWhole",
            "ReadBatch",
            "ReadMulti")) {
      b.grpc("storage_read_" + m, ANY, "qdrant.StorageRead/" + m);
    }
    return new ActionTable(b.build());
  }

  /** Collects entries; {@code rest(...)} and {@code grpc(...)} add to the current one. */
  private static final class Builder {
    private final List<Action> done = new ArrayList<>();
    private String operation;
    private Requirement requirement;
    private String method;
    private String path;
    private String grpc;
    private boolean audited;

    Builder rest(String op, Requirement r, String httpMethod, String template) {
      flush();
      operation = op;
      requirement = r;
      method = httpMethod;
      path = template;
      audited = true;
      return this;
    }

    Builder grpc(String op, Requirement r, String grpcMethod) {
      flush();
      operation = op;
      requirement = r;
      grpc = grpcMethod;
      audited = true;
      return this;
    }

    Builder grpc(String grpcMethod) {
      grpc = grpcMethod;
      return this;
    }

    Builder unaudited() {
      audited = false;
      return this;
    }

    private void flush() {
      if (operation != null) {
        done.add(new Action(operation, requirement, method, path, grpc, audited));
      }
      operation = null;
      method = null;
      path = null;
      grpc = null;
    }

    List<Action> build() {
      flush();
      return done;
    }
  }
}
