package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.api.QdrantApi;
import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.security.Access;
import dev.quiver.server.config.BuildInfo;
import dev.quiver.server.guard.StrictMode;
import dev.quiver.server.metrics.Metrics;
import dev.quiver.server.metrics.ResponseStats;
import dev.quiver.server.query.DistanceMatrix;
import dev.quiver.server.query.Facets;
import dev.quiver.server.query.Groups;
import dev.quiver.server.query.Ordering;
import dev.quiver.server.query.Queries;
import dev.quiver.server.recovery.SnapshotDownloads;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.request.NamedVectors;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionNames;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Qdrant's REST routes: decode with {@link JsonCodec}, call the {@link Dispatcher}, encode the
 * answer. Handlers hold no logic of their own beyond that; the gRPC edge calls the same dispatcher.
 * Thread-safe.
 */
final class RestApi {
  private final Dispatcher dispatcher;
  private final CreateCollection.CollectionDefaults defaults;
  private final Path auditDir;
  private final Metrics metrics;

  RestApi(
      Dispatcher dispatcher,
      CreateCollection.CollectionDefaults defaults,
      Path auditDir,
      Metrics metrics,
      SnapshotDownloads downloads) {
    this.dispatcher = dispatcher;
    this.defaults = defaults;
    this.auditDir = auditDir;
    this.metrics = metrics;
    this.downloads = downloads;
  }

  private final SnapshotDownloads downloads;

  /** The handlers by operation; every operation must be in the action table with a REST route. */
  Map<String, Router.Handler> handlers() {
    var h = new HashMap<String, Router.Handler>();
    h.put("root", r -> version());
    h.put(
        "metrics",
        r ->
            new RestResponse(
                HttpResponseStatus.OK,
                Metrics.CONTENT_TYPE,
                metrics.scrape().getBytes(StandardCharsets.UTF_8)));
    h.put("healthz", r -> RestResponse.text(HttpResponseStatus.OK, "healthz check passed"));
    h.put("livez", r -> RestResponse.text(HttpResponseStatus.OK, "healthz check passed"));
    h.put("readyz", r -> RestResponse.text(HttpResponseStatus.OK, "all shards are ready"));
    h.put("cluster_status", this::clusterStatus);
    h.put("cluster_telemetry", this::clusterTelemetry);
    // Raft (Ratis) catches a lagging peer up by itself, from the log or an installed snapshot, so
    // in a cluster there is nothing left to trigger; without one, Qdrant's answer
    h.put(
        "recover_current_peer",
        r -> {
          if (!dispatcher.cluster().clusterStatus().enabled()) {
            throw new StorageException.BadInput("Distributed mode disabled");
          }
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    // cluster metadata: JSON values by key, agreed through the metadata Raft group; a change
    // answers once this node applied it (`wait` is accepted and always honoured)
    h.put(
        "list_cluster_metadata_keys",
        r -> {
          ArrayNode keys = Json.MAPPER.createArrayNode();
          dispatcher.cluster().clusterMetadata().keys().forEach(keys::add);
          return RestResponse.ok(keys, started(r));
        });
    h.put(
        "get_cluster_metadata_key",
        r -> {
          Value v = dispatcher.cluster().clusterMetadata().get(r.path("key"));
          return RestResponse.ok(
              v == null ? Json.MAPPER.getNodeFactory().nullNode() : JsonCodec.json(v), started(r));
        });
    h.put(
        "update_cluster_metadata_key",
        r -> {
          r.boolQuery("wait", false);
          if (r.body().length == 0) {
            throw new RequestException.Malformed(
                "Json deserialize error: the body must hold the key's JSON value");
          }
          dispatcher.cluster().clusterMetadata().put(r.path("key"), JsonCodec.value(r.json()));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "delete_cluster_metadata_key",
        r -> {
          r.boolQuery("wait", false);
          dispatcher.cluster().clusterMetadata().put(r.path("key"), null);
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "get_issues",
        r -> {
          ObjectNode o = Json.MAPPER.createObjectNode();
          o.putArray("issues"); // Quiver does not collect performance issue reports
          return RestResponse.ok(o, started(r));
        });
    h.put(
        "clear_issues",
        r -> RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r)));
    h.put("get_optimizations", this::optimizations);
    h.put(
        "get_quotas",
        r -> RestResponse.ok(QuotaJson.status(dispatcher.quotas().quotaStatus()), started(r)));
    h.put(
        "update_quotas",
        r -> {
          dispatcher.quotas().setQuotas(QuotaJson.config(r.json()));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "create_vector_name",
        r -> {
          CollectionJson.VectorNameConfig config = CollectionJson.vectorNameConfig(r.json());
          if (config.sparse() != null) {
            NamedVectors.createSparse(
                dispatcher, target(r), r.path("vector_name"), config.sparse());
          } else {
            NamedVectors.create(dispatcher, target(r), r.path("vector_name"), config.dense());
          }
          return indexDone(r);
        });
    h.put(
        "delete_vector_name",
        r -> {
          NamedVectors.delete(dispatcher, target(r), r.path("vector_name"));
          return indexDone(r);
        });
    h.put("collection_cluster_info", this::collectionClusterInfo);
    h.put("update_collection_cluster", this::updateCollectionCluster);
    h.put("remove_peer", this::removePeer);
    h.put(
        "create_snapshot",
        r -> snapshot(r, dispatcher.snapshots().store().create(collectionName(r))));
    h.put(
        "list_snapshots",
        r -> snapshots(r, dispatcher.snapshots().store().list(collectionName(r))));
    h.put(
        "get_snapshot",
        r ->
            RestResponse.file(
                dispatcher.snapshots().store().file(collectionName(r), r.path("snapshot_name"))));
    h.put(
        "delete_snapshot",
        r -> {
          dispatcher.snapshots().store().delete(collectionName(r), r.path("snapshot_name"));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put("recover_from_snapshot", this::recoverFromSnapshot);
    h.put("recover_from_uploaded_snapshot", this::recoverFromUpload);
    h.put(
        "create_shard_snapshot",
        r -> snapshot(r, dispatcher.snapshots().store().createShard(target(r), shardId(r))));
    h.put(
        "stream_shard_snapshot",
        r ->
            RestResponse.temporaryFile(
                dispatcher.snapshots().store().streamShard(target(r), shardId(r))));
    h.put(
        "list_shard_snapshots",
        r -> snapshots(r, dispatcher.snapshots().store().listShard(target(r), shardId(r))));
    h.put(
        "get_shard_snapshot",
        r ->
            RestResponse.file(
                dispatcher
                    .snapshots()
                    .store()
                    .shardFile(target(r), shardId(r), r.path("snapshot_name"))));
    h.put(
        "delete_shard_snapshot",
        r -> {
          dispatcher
              .snapshots()
              .store()
              .deleteShard(target(r), shardId(r), r.path("snapshot_name"));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "recover_shard_from_snapshot",
        r -> {
          String name = target(r);
          int shard = shardId(r);
          recover(r, name, file -> dispatcher.snapshots().recoverShardSnapshot(name, shard, file));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "recover_shard_from_uploaded_snapshot",
        r -> {
          String name = target(r);
          int shard = shardId(r);
          byte[] archive = Multipart.part(r.headers().get("content-type"), r.body(), "snapshot");
          dispatcher
              .snapshots()
              .recoverShardSnapshot(
                  name,
                  shard,
                  dispatcher
                      .snapshots()
                      .store()
                      .uploadShard(name, shard, archive, r.stringQuery("checksum")));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put("create_full_snapshot", r -> snapshot(r, dispatcher.snapshots().store().createFull()));
    h.put("list_full_snapshots", r -> snapshots(r, dispatcher.snapshots().store().listFull()));
    h.put(
        "get_full_snapshot",
        r -> RestResponse.file(dispatcher.snapshots().store().fullFile(r.path("snapshot_name"))));
    h.put(
        "delete_full_snapshot",
        r -> {
          dispatcher.snapshots().store().deleteFull(r.path("snapshot_name"));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put("get_collections", this::listCollections);
    h.put("get_collection", this::getCollection);
    h.put("create_collection", this::createCollection);
    h.put("delete_collection", this::deleteCollection);
    h.put(
        "update_collection",
        r -> {
          String name = target(r);
          var update = CollectionJson.updateCollection(r.json());
          dispatcher.catalog().updateCollection(name, update::apply);
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put("collection_exists", this::collectionExists);
    h.put("upsert_points", this::upsert);
    h.put("get_points", this::getPoints);
    h.put("get_point", this::getPoint);
    h.put("delete_points", this::deletePoints);
    h.put("set_payload", r -> update(r, body -> JsonCodec.setPayload(body, false)));
    h.put("overwrite_payload", r -> update(r, body -> JsonCodec.setPayload(body, true)));
    h.put("delete_payload", r -> update(r, JsonCodec::deletePayload));
    h.put("update_vectors", r -> update(r, JsonCodec::updateVectors));
    h.put("delete_vectors", r -> update(r, JsonCodec::deleteVectors));
    h.put(
        "clear_payload",
        r -> update(r, body -> new UpdateOp.ClearPayload(JsonCodec.selector(body))));
    h.put("search_points", this::search);
    h.put("query_points", this::query);
    h.put("scroll_points", this::scroll);
    h.put("count_points", this::countPoints);
    h.put(
        "update_aliases",
        r -> {
          dispatcher.catalog().changeAliases(CollectionJson.aliasActions(r.json()));
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put("get_collections_aliases", r -> aliases(r, null));
    h.put("get_collection_aliases", r -> aliases(r, target(r)));
    h.put("facet", this::facet);
    h.put("search_matrix_pairs", r -> matrix(r, false));
    h.put("search_matrix_offsets", r -> matrix(r, true));
    h.put("search_point_groups", r -> groups(r, SEARCH, false));
    h.put("recommend_point_groups", r -> groups(r, QueryJson::recommend, false));
    h.put("query_points_groups", r -> groups(r, QueryJson::query, true));
    h.put("telemetry", this::telemetry);
    h.put("search_batch_points", this::searchBatch);
    h.put("recommend_points", r -> points(r, QueryJson::recommend));
    h.put("recommend_batch_points", r -> pointsBatch(r, QueryJson::recommend));
    h.put("discover_points", r -> points(r, QueryJson::discover));
    h.put("discover_batch_points", r -> pointsBatch(r, QueryJson::discover));
    h.put("query_batch_points", this::queryBatch);
    h.put("batch_update", this::batchUpdate);
    h.put("create_field_index", this::createFieldIndex);
    h.put("delete_field_index", this::deleteFieldIndex);
    h.put("list_shard_keys", this::listShardKeys);
    h.put(
        "create_shard_key",
        r -> {
          var k = CollectionJson.createShardKey(r.json(), "");
          dispatcher
              .catalog()
              .createShardKey(target(r), k.key(), k.shards(), k.replicationFactor(), k.placement());
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "delete_shard_key",
        r -> {
          dispatcher
              .catalog()
              .deleteShardKey(target(r), CollectionJson.dropShardKey(r.json(), "").key());
          return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
        });
    h.put(
        "audit_logs",
        r -> {
          JsonNode body = r.json();
          JsonNode local = AuditQuery.run(auditDir, body); // a bad query stops here
          return RestResponse.ok(
              AuditQuery.merged(
                  local, body, dispatcher.cluster().peerAuditEntries(Json.bytes(body)).values()),
              r.startedNanos());
        });
    return h;
  }

  private static RestResponse version() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("title", QdrantApi.TITLE);
    o.put("version", BuildInfo.QDRANT_API_VERSION);
    o.put("commit", BuildInfo.COMMIT);
    o.put("quiver_version", BuildInfo.VERSION);
    return RestResponse.raw(o);
  }

  /**
   * {@code GET /cluster/telemetry}: the collections the caller may see, by id, and the peers as
   * this node knows them (only this node is marked responsive: the others are not asked). Peer
   * addresses are shown to global tokens only: a token scoped to collections learns the peer ids,
   * not where the cluster's internal port listens.
   */
  private RestResponse clusterTelemetry(RestRequest r) {
    var status = dispatcher.cluster().clusterStatus();
    var access = r.principal().access();
    boolean global = access instanceof Access.Global;
    ObjectNode o = Json.MAPPER.createObjectNode();
    ObjectNode collections = o.putObject("collections");
    for (String name : dispatcher.catalog().listCollections()) {
      if (access.visible().test(name)) {
        collections.putObject(name).put("id", name);
      }
    }
    ObjectNode cluster = o.putObject("cluster");
    cluster.put("enabled", status.enabled());
    cluster.put("number_of_peers", status.enabled() ? status.peers().size() : 1);
    ObjectNode peers = cluster.putObject("peers");
    status
        .peers()
        .forEach(
            (id, uri) -> {
              ObjectNode peer = peers.putObject(Long.toString(id));
              if (global) {
                peer.put("uri", uri);
              }
              peer.put("responsive", id == status.peerId());
            });
    return RestResponse.ok(o, started(r));
  }

  /**
   * {@code GET /collections/{c}/optimizations}: Quiver's one background optimization is building
   * the vector index of points written past {@code indexing_threshold}; it is reported as queued
   * while points wait for it.
   */
  private RestResponse optimizations(RestRequest r) {
    var info = dispatcher.catalog().collectionInfo(target(r));
    long waiting =
        info.optimizing() ? Math.max(0, info.pointsCount() - info.indexedVectorsCount()) : 0;
    ObjectNode o = Json.MAPPER.createObjectNode();
    ObjectNode summary = o.putObject("summary");
    summary.put("queued_optimizations", info.optimizing() ? 1 : 0);
    summary.put("queued_segments", info.optimizing() ? 1 : 0);
    summary.put("queued_points", waiting);
    summary.put("idle_segments", Math.max(0, info.segmentsCount() - (info.optimizing() ? 1 : 0)));
    o.putArray("running");
    return RestResponse.ok(o, started(r));
  }

  private RestResponse clusterStatus(RestRequest r) {
    var status = dispatcher.cluster().clusterStatus();
    ObjectNode o = Json.MAPPER.createObjectNode();
    if (!status.enabled()) {
      o.put("status", "disabled");
      return RestResponse.ok(o, started(r));
    }
    o.put("status", "enabled");
    o.put("peer_id", status.peerId());
    ObjectNode peers = o.putObject("peers");
    status.peers().forEach((id, uri) -> peers.putObject(Long.toString(id)).put("uri", uri));
    ObjectNode raft = o.putObject("raft_info");
    raftState(raft, status);
    if (status.leader() == null) {
      raft.putNull("leader");
    } else {
      raft.put("leader", status.leader());
    }
    ObjectNode thread = o.putObject("consensus_thread_status");
    thread.put("consensus_thread_status", "working");
    thread.put("last_update", Instant.now().toString());
    o.putObject("message_send_failures");
    return RestResponse.ok(o, started(r));
  }

  private RestResponse collectionClusterInfo(RestRequest r) {
    var info = dispatcher.cluster().collectionClusterInfo(target(r));
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("peer_id", info.peerId());
    o.put("shard_count", info.shardCount());
    ArrayNode local = o.putArray("local_shards");
    for (var s : info.localShards()) {
      ObjectNode shard = local.addObject().put("shard_id", s.shardId());
      if (s.shardKey() != null) {
        shard.set("shard_key", JsonCodec.shardKey(s.shardKey()));
      }
      shard.put("points_count", s.pointsCount()).put("state", s.state());
    }
    ArrayNode remote = o.putArray("remote_shards");
    for (var s : info.remoteShards()) {
      ObjectNode shard = remote.addObject().put("shard_id", s.shardId());
      if (s.shardKey() != null) {
        shard.set("shard_key", JsonCodec.shardKey(s.shardKey()));
      }
      shard.put("peer_id", s.peerId()).put("state", s.state());
    }
    o.putArray("shard_transfers");
    return RestResponse.ok(o, started(r));
  }

  /** {@code {"aliases": [{"alias_name", "collection_name"}]}}, of one collection or all. */
  private RestResponse aliases(RestRequest r, String collection) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("aliases");
    dispatcher
        .catalog()
        .aliases()
        .forEach(
            (alias, target) -> {
              if ((collection == null || collection.equals(target))
                  && r.principal().access().visible().test(target)) {
                arr.addObject().put("alias_name", alias).put("collection_name", target);
              }
            });
    return RestResponse.ok(o, started(r));
  }

  private RestResponse listShardKeys(RestRequest r) {
    String name = target(r);
    var keys = dispatcher.catalog().shardKeys(name);
    ObjectNode o = Json.MAPPER.createObjectNode();
    if (keys != null) {
      ArrayNode arr = o.putArray("shard_keys");
      keys.forEach(k -> arr.addObject().set("key", JsonCodec.shardKey(k)));
    } else {
      o.putNull("shard_keys");
    }
    return RestResponse.ok(o, started(r));
  }

  private RestResponse updateCollectionCluster(RestRequest r) {
    String name = target(r);
    dispatcher.cluster().updateCollectionCluster(name, CollectionJson.shardOperation(r.json()));
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
  }

  private RestResponse removePeer(RestRequest r) {
    String raw = r.path("peer_id");
    long peer;
    try {
      peer = Long.parseUnsignedLong(raw);
    } catch (NumberFormatException e) {
      throw new RequestException.Malformed(
          "Deserialize error in path parameters: peer_id `" + raw + "` is not a u64");
    }
    dispatcher.cluster().removePeer(peer, r.boolQuery("force", false));
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
  }

  private RestResponse snapshot(RestRequest r, SnapshotStore.Description d) {
    return RestResponse.ok(CollectionJson.snapshot(d), started(r));
  }

  private RestResponse snapshots(RestRequest r, List<SnapshotStore.Description> list) {
    ArrayNode arr = Json.MAPPER.createArrayNode();
    list.forEach(d -> arr.add(CollectionJson.snapshot(d)));
    return RestResponse.ok(arr, started(r));
  }

  /**
   * {@code PUT /collections/{c}/snapshots/recover}: from a {@code file://} snapshot under this
   * node's snapshots directory or an {@code http(s)://} URL; an optional {@code checksum} (SHA-256)
   * must match.
   */
  private RestResponse recoverFromSnapshot(RestRequest r) {
    String name = collectionName(r);
    recover(r, name, file -> dispatcher.snapshots().recoverSnapshot(name, file));
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
  }

  /**
   * Runs {@code recovery} on the snapshot a recovery body names: {@code location}, a {@code
   * file://} URL under this node's snapshots directory, or an {@code http(s)://} URL downloaded
   * first (with {@code api_key} as its {@code api-key} header) and deleted after; with an optional
   * {@code checksum} (SHA-256) that must match before anything is touched.
   */
  private void recover(RestRequest r, String collection, Consumer<Path> recovery) {
    CollectionJson.Recover q = CollectionJson.recover(r.json());
    String scheme = q.location().getScheme();
    boolean remote = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
    if (!remote && !"file".equalsIgnoreCase(scheme)) {
      throw new RequestException.Invalid(
          "JSON body", "location", "must be a file:// or http(s):// URL");
    }
    Path file = null;
    try {
      if (remote) {
        file = dispatcher.snapshots().store().incoming(collection);
        downloads.fetch(q.location(), q.apiKey(), file);
      } else {
        file = dispatcher.snapshots().store().local(q.location());
      }
      if (q.checksum() != null && !q.checksum().equalsIgnoreCase(SnapshotStore.sha256(file))) {
        throw new StorageException.BadInput(
            "Checksum mismatch: the snapshot file is not the one given");
      }
      recovery.accept(file);
    } finally {
      if (remote) {
        SnapshotStore.deleteQuietly(file);
      }
    }
  }

  /** The validated {@code shard_id} path parameter. */
  private static int shardId(RestRequest r) {
    String raw = r.path("shard_id");
    try {
      int id = Integer.parseInt(raw);
      if (id >= 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new RequestException.Malformed(
        "Path deserialize error: shard_id `" + raw + "` is not a u32");
  }

  /**
   * {@code POST /collections/{c}/snapshots/upload}: the {@code snapshot} part of a multipart body
   * is stored as a snapshot of the collection (checked against the {@code checksum} query parameter
   * when given) and the collection is recovered from it.
   */
  private RestResponse recoverFromUpload(RestRequest r) {
    String name = collectionName(r);
    byte[] archive = Multipart.part(r.headers().get("content-type"), r.body(), "snapshot");
    Path file = dispatcher.snapshots().store().upload(name, archive, r.stringQuery("checksum"));
    dispatcher.snapshots().recoverSnapshot(name, file);
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
  }

  private RestResponse listCollections(RestRequest r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("collections");
    dispatcher.catalog().listCollections().stream()
        .filter(r.principal().access().visible())
        .forEach(n -> arr.addObject().put("name", n));
    return RestResponse.ok(o, started(r));
  }

  private RestResponse getCollection(RestRequest r) {
    String name = target(r);
    ObjectNode info =
        (ObjectNode) JsonCodec.collectionInfo(dispatcher.catalog().collectionInfo(name));
    ObjectNode schema = info.putObject("payload_schema");
    dispatcher
        .catalog()
        .payloadIndexes(name)
        .forEach(
            (field, spec) ->
                schema.set(
                    field,
                    CollectionJson.payloadIndexInfo(
                        spec, dispatcher.points().count(name, Filter.hasValue(field)))));
    return RestResponse.ok(info, started(r));
  }

  /** {@code POST /points/search/matrix/pairs} and {@code /offsets}. */
  private RestResponse matrix(RestRequest r, boolean offsets) {
    String name = target(r);
    JsonCodec.Matrix q = JsonCodec.matrix(r.json());
    var m =
        DistanceMatrix.compute(
            dispatcher,
            name,
            q.filter(),
            q.sample(),
            q.limit(),
            q.using(),
            r.consistency(),
            JsonCodec.shardSelector(r.json()));
    ObjectNode o = Json.MAPPER.createObjectNode();
    if (offsets) {
      ArrayNode rows = o.putArray("offsets_row");
      ArrayNode cols = o.putArray("offsets_col");
      ArrayNode scores = o.putArray("scores");
      ArrayNode ids = o.putArray("ids");
      m.ids().forEach(id -> ids.add(JsonCodec.pointId(id)));
      var c = m.offsets();
      for (int i = 0; i < c.rows().length; i++) {
        rows.add(c.rows()[i]);
        cols.add(c.cols()[i]);
        scores.add(c.scores()[i]);
      }
    } else {
      ArrayNode pairs = o.putArray("pairs");
      for (var p : m.pairs()) {
        ObjectNode pair = pairs.addObject();
        pair.set("a", JsonCodec.pointId(p.a()));
        pair.set("b", JsonCodec.pointId(p.b()));
        pair.put("score", p.score());
      }
    }
    return RestResponse.ok(o, started(r));
  }

  /** {@code POST /collections/{c}/facet}: {@code {"hits": [{"value", "count"}]}}. */
  private RestResponse facet(RestRequest r) {
    String name = target(r);
    JsonCodec.Facet q = JsonCodec.facet(r.json());
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode hits = o.putArray("hits");
    for (var hit :
        Facets.count(
            dispatcher,
            name,
            q.key(),
            q.filter(),
            q.limit(),
            r.consistency(),
            JsonCodec.shardSelector(r.json()))) {
      hits.addObject().put("count", hit.count()).set("value", JsonCodec.json(hit.value()));
    }
    return RestResponse.ok(o, started(r));
  }

  /**
   * {@code GET /telemetry}: this node's id, the application and its collections (with {@code
   * details_level} 1 or more, each collection's size and parameters), visible ones only.
   */
  private RestResponse telemetry(RestRequest r) {
    int details = r.intQuery("details_level", 0);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", TELEMETRY_ID);
    ObjectNode app = o.putObject("app");
    app.put("name", "quiver");
    app.put("version", BuildInfo.QDRANT_API_VERSION);
    app.put("startup", STARTED);
    ObjectNode features = app.putObject("features");
    for (String f :
        List.of("debug", "service_debug_feature", "recovery_mode", "gpu", "rocksdb", "staging")) {
      features.put(f, false);
    }
    if (r.principal().access() instanceof Access.Global) {
      o.set("quota", QuotaJson.telemetry(dispatcher.quotas().quota().localStatus()));
      o.set("cluster", clusterTelemetry(dispatcher.cluster().clusterStatus()));
      ObjectNode requests = o.putObject("requests");
      requests.putObject("rest").set("responses", responses(metrics.restSummaries(), true));
      requests.putObject("grpc").set("responses", responses(metrics.grpcSummaries(), false));
    }
    ObjectNode collections = o.putObject("collections");
    List<String> visible =
        dispatcher.catalog().listCollections().stream()
            .filter(r.principal().access().visible())
            .toList();
    collections.put("number_of_collections", visible.size());
    if (details >= 1) {
      ArrayNode list = collections.putArray("collections");
      for (String name : visible) {
        var info = dispatcher.catalog().collectionInfo(name);
        ObjectNode c = list.addObject();
        c.put("vectors", info.pointsCount() * info.config().vectors().size());
        c.put("optimizers_status", "ok");
        c.set("params", JsonCodec.collectionInfo(info).at("/config/params"));
      }
    }
    return RestResponse.ok(o, started(r));
  }

  /** The metadata group's term, commit, pending operations, this node's role and vote. */
  private static void raftState(ObjectNode out, ClusterStatus status) {
    out.put("term", status.term());
    out.put("commit", status.commit());
    out.put("pending_operations", status.pendingOperations());
    if (status.role() == null) {
      out.putNull("role");
    } else {
      out.put("role", status.role());
    }
    out.put("is_voter", status.voter());
  }

  /** {@code cluster} of {@code /telemetry}: whether it is on and, when it is, its Raft state. */
  private static ObjectNode clusterTelemetry(ClusterStatus status) {
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("enabled", status.enabled());
    if (status.enabled()) {
      ObjectNode st = c.putObject("status");
      st.put("number_of_peers", status.peers().size());
      raftState(st, status);
      st.put("peer_id", status.peerId());
      st.putObject("consensus_thread_status").put("consensus_thread_status", "working");
    }
    return c;
  }

  /**
   * Response figures as Qdrant's telemetry shapes them: by endpoint ({@code "GET /collections"} for
   * REST, the method path for gRPC), then by status, each with its count, failures and durations in
   * microseconds.
   */
  private static ObjectNode responses(List<ResponseStats.Summary> summaries, boolean rest) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    for (ResponseStats.Summary s : summaries) {
      List<String> l = s.labels();
      String endpoint = rest ? l.get(0) + " " + l.get(1) : l.get(0);
      ObjectNode byStatus =
          out.has(endpoint) ? (ObjectNode) out.get(endpoint) : out.putObject(endpoint);
      ObjectNode stats = byStatus.putObject(l.getLast());
      stats.put("count", s.count());
      stats.put("fail_count", s.failed());
      if (s.avgMicros() != null) {
        stats.put("avg_duration_micros", s.avgMicros());
        stats.put("min_duration_micros", s.minMicros());
        stats.put("max_duration_micros", s.maxMicros());
        stats.put("total_duration_micros", s.totalMicros());
      }
    }
    return out;
  }

  private static final String TELEMETRY_ID = UUID.randomUUID().toString();
  private static final String STARTED = Instant.now().toString();

  /** {@code {"searches": [SearchRequest]}}: one list of results per search, in order. */
  private RestResponse searchBatch(RestRequest r) {
    String name = target(r);
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = JsonCodec.batchItems(r.json(), "searches");
    StrictMode strict = StrictMode.of(dispatcher, name);
    strict.searchBatch(items.size());
    for (JsonNode item : items) {
      ArrayNode hits = out.addArray();
      SearchRequest search = JsonCodec.search(item);
      strict.query(Queries.nearest(search));
      for (ScoredPoint p :
          dispatcher
              .points()
              .search(name, search, r.consistency(), JsonCodec.shardSelector(item))) {
        hits.add(JsonCodec.scoredPoint(p));
      }
    }
    return RestResponse.ok(out, started(r));
  }

  /** {@code {"searches": [QueryRequest]}}: one {@code {"points": [...]}} per query, in order. */
  private RestResponse queryBatch(RestRequest r) {
    String name = target(r);
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = JsonCodec.batchItems(r.json(), "searches");
    StrictMode.of(dispatcher, name).searchBatch(items.size());
    for (JsonNode item : items) {
      ArrayNode hits = out.addObject().putArray("points");
      queryOne(name, item, r).forEach(p -> hits.add(JsonCodec.scoredPoint(p)));
    }
    return RestResponse.ok(out, started(r));
  }

  /**
   * {@code {"operations": [{"upsert": ...} | {"delete": ...} | {"set_payload": ...} | ...]}}: the
   * operations applied in order, each answered with its own result; all are decoded before the
   * first is applied, so a malformed one changes nothing.
   */
  private RestResponse batchUpdate(RestRequest r) {
    String name = target(r);
    boolean wait = r.boolQuery("wait", false);
    r.checkOrdering();
    List<JsonCodec.BatchOp> ops = JsonCodec.batchOperations(r.json());
    StrictMode strict = StrictMode.of(dispatcher, name);
    ops.forEach(op -> strict.update(op.op()));
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonCodec.BatchOp op : ops) {
      out.add(JsonCodec.updateResult(dispatcher.points().update(name, op.op(), wait, op.shards())));
    }
    return RestResponse.ok(out, started(r));
  }

  private RestResponse createFieldIndex(RestRequest r) {
    String name = target(r);
    r.checkOrdering();
    CollectionJson.FieldIndex index = CollectionJson.createFieldIndex(r.json());
    var existing = dispatcher.catalog().payloadIndexes(name);
    if (!existing.containsKey(index.field())) {
      StrictMode.of(dispatcher, name).newPayloadIndex(existing.size());
    }
    dispatcher.catalog().setPayloadIndex(name, index.field(), index.spec());
    return indexDone(r);
  }

  private RestResponse deleteFieldIndex(RestRequest r) {
    String name = target(r);
    r.checkOrdering();
    dispatcher.catalog().setPayloadIndex(name, r.path("field_name"), null);
    return indexDone(r);
  }

  /** A payload index change is applied (and committed in a cluster) when the call returns. */
  /** A completed configuration change, answered as Qdrant answers them ({@code UpdateResult}). */
  private static RestResponse indexDone(RestRequest r) {
    return RestResponse.ok(
        JsonCodec.updateResult(new UpdateResult(0, UpdateResult.Status.COMPLETED)), started(r));
  }

  private RestResponse createCollection(RestRequest r) {
    String name = collectionName(r);
    CreateCollection request = CollectionJson.createCollection(r.json());
    dispatcher
        .catalog()
        .createCollection(
            name, defaults.resolve(request, dispatcher.catalog().defaultShardNumber()));
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), started(r));
  }

  private RestResponse deleteCollection(RestRequest r) {
    boolean deleted = dispatcher.catalog().deleteCollection(collectionName(r));
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(deleted), started(r));
  }

  private RestResponse collectionExists(RestRequest r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("exists", dispatcher.catalog().collectionExists(collectionName(r)));
    return RestResponse.ok(o, started(r));
  }

  private RestResponse upsert(RestRequest r) {
    return update(r, JsonCodec::upsert);
  }

  private RestResponse deletePoints(RestRequest r) {
    return update(r, JsonCodec::deletePoints);
  }

  /** A point update: {@code wait} and {@code ordering} from the query, the op from the body. */
  private RestResponse update(RestRequest r, Function<JsonNode, UpdateOp> decode) {
    String name = target(r);
    boolean wait = r.boolQuery("wait", false);
    r.checkOrdering();
    UpdateOp op = decode.apply(r.json());
    StrictMode.of(dispatcher, name).update(op);
    var shards = JsonCodec.shardSelector(r.json());
    return RestResponse.ok(
        JsonCodec.updateResult(dispatcher.points().update(name, op, wait, shards)), started(r));
  }

  private RestResponse getPoints(RestRequest r) {
    String name = target(r);
    JsonCodec.Retrieve q = JsonCodec.retrieve(r.json());
    ArrayNode arr = Json.MAPPER.createArrayNode();
    for (PointRecord p :
        dispatcher
            .points()
            .retrieve(
                name,
                q.ids(),
                q.withPayload(),
                q.withVectors(),
                r.consistency(),
                JsonCodec.shardSelector(r.json()))) {
      arr.add(JsonCodec.record(p));
    }
    return RestResponse.ok(arr, started(r));
  }

  private RestResponse getPoint(RestRequest r) {
    String name = target(r);
    PointId id = JsonCodec.parsePointId(r.path("id"));
    if (id == null) {
      throw new RequestException.Malformed(
          "Path deserialize error: `" + r.path("id") + "` is not an unsigned integer or a UUID");
    }
    List<PointRecord> found =
        dispatcher
            .points()
            .retrieve(
                name,
                List.of(id),
                WithPayload.ALL,
                WithVectors.ALL,
                r.consistency(),
                ShardSelector.ALL);
    if (found.isEmpty()) {
      throw new StorageException.NotFound("No point with id " + id + " found");
    }
    return RestResponse.ok(JsonCodec.record(found.getFirst()), started(r));
  }

  private RestResponse search(RestRequest r) {
    String name = target(r);
    ArrayNode arr = Json.MAPPER.createArrayNode();
    SearchRequest search = JsonCodec.search(r.json());
    StrictMode.of(dispatcher, name).query(Queries.nearest(search));
    for (ScoredPoint p :
        dispatcher
            .points()
            .search(name, search, r.consistency(), JsonCodec.shardSelector(r.json()))) {
      arr.add(JsonCodec.scoredPoint(p));
    }
    return RestResponse.ok(arr, started(r));
  }

  private RestResponse query(RestRequest r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("points");
    for (ScoredPoint p : queryOne(target(r), r.json(), r)) {
      arr.add(JsonCodec.scoredPoint(p));
    }
    return RestResponse.ok(o, started(r));
  }

  /** One query body ({@code QueryRequest}, {@code RecommendRequest}, {@code DiscoverRequest}). */
  private List<ScoredPoint> queryOne(String name, JsonNode body, RestRequest r) {
    return queryOne(name, body, r, QueryJson::query);
  }

  private List<ScoredPoint> queryOne(
      String name, JsonNode body, RestRequest r, Function<JsonNode, Queries.Request> decode) {
    Queries.Request request = decode.apply(body);
    StrictMode.of(dispatcher, name).query(request);
    return Queries.run(dispatcher, name, request, r.consistency(), JsonCodec.shardSelector(body));
  }

  /**
   * {@code POST /points/search/groups}, {@code /points/query/groups}, {@code /recommend/groups}.
   */
  private RestResponse groups(
      RestRequest r, Function<JsonNode, Queries.Request> decode, boolean query) {
    String name = target(r);
    JsonNode body = r.json();
    var shards = JsonCodec.shardSelector(body);
    JsonCodec.GroupsParams g = JsonCodec.groups(body, query);
    var request = decode.apply(body);
    StrictMode.of(dispatcher, name).query(request);
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode groups = o.putArray("groups");
    for (var group :
        Groups.search(
            dispatcher,
            name,
            request,
            g.groupBy(),
            g.groupSize(),
            request.stage().limit(),
            g.withLookup(),
            r.consistency(),
            shards)) {
      ObjectNode out = groups.addObject();
      out.set("id", JsonCodec.json(group.id()));
      ArrayNode hits = out.putArray("hits");
      group.hits().forEach(h -> hits.add(JsonCodec.scoredPoint(h)));
      if (group.lookup() != null) {
        out.set("lookup", JsonCodec.record(group.lookup()));
      }
    }
    return RestResponse.ok(o, started(r));
  }

  private static final Function<JsonNode, Queries.Request> SEARCH =
      body -> Queries.nearest(JsonCodec.search(body));

  /** {@code POST /points/recommend} and {@code /points/discover}: a list of ScoredPoint. */
  private RestResponse points(RestRequest r, Function<JsonNode, Queries.Request> decode) {
    ArrayNode arr = Json.MAPPER.createArrayNode();
    queryOne(target(r), r.json(), r, decode).forEach(p -> arr.add(JsonCodec.scoredPoint(p)));
    return RestResponse.ok(arr, started(r));
  }

  /** {@code POST /points/recommend/batch} and {@code /points/discover/batch}: one list each. */
  private RestResponse pointsBatch(RestRequest r, Function<JsonNode, Queries.Request> decode) {
    String name = target(r);
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = JsonCodec.batchItems(r.json(), "searches");
    StrictMode.of(dispatcher, name).searchBatch(items.size());
    for (var item : items) {
      ArrayNode hits = out.addArray();
      queryOne(name, item, r, decode).forEach(p -> hits.add(JsonCodec.scoredPoint(p)));
    }
    return RestResponse.ok(out, started(r));
  }

  private RestResponse scroll(RestRequest r) {
    String name = target(r);
    JsonCodec.Scroll q = JsonCodec.scroll(r.json());
    StrictMode.of(dispatcher, name).read(q.filter(), (long) q.limit());
    if (q.orderBy() != null) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      ArrayNode arr = o.putArray("points");
      for (var p :
          Ordering.scroll(
              dispatcher,
              name,
              q.filter(),
              q.orderBy(),
              q.limit(),
              q.withPayload(),
              q.withVectors(),
              r.consistency(),
              JsonCodec.shardSelector(r.json()))) {
        arr.add(JsonCodec.record(p.record(), p.value()));
      }
      o.putNull("next_page_offset");
      return RestResponse.ok(o, started(r));
    }
    var page =
        dispatcher
            .points()
            .scroll(
                name,
                q.filter(),
                q.offset(),
                q.limit(),
                q.withPayload(),
                q.withVectors(),
                r.consistency(),
                JsonCodec.shardSelector(r.json()));
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("points");
    page.points().forEach(p -> arr.add(JsonCodec.record(p)));
    o.set(
        "next_page_offset",
        page.nextOffset() == null ? Json.MAPPER.nullNode() : JsonCodec.pointId(page.nextOffset()));
    return RestResponse.ok(o, started(r));
  }

  private RestResponse countPoints(RestRequest r) {
    String name = target(r);
    var filter = JsonCodec.countFilter(r.json());
    StrictMode.of(dispatcher, name).read(filter, null);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put(
        "count",
        dispatcher
            .points()
            .count(name, filter, r.consistency(), JsonCodec.shardSelector(r.json())));
    return RestResponse.ok(o, started(r));
  }

  /** The collection the path names, an alias resolved to its collection. */
  private String target(RestRequest r) {
    return dispatcher.catalog().resolve(collectionName(r));
  }

  /** The validated {@code collection_name} path parameter, as given. */
  private static String collectionName(RestRequest r) {
    String name = r.path("collection_name");
    String problem = CollectionNames.problem(name);
    if (problem != null) {
      throw new RequestException.Invalid("path parameters", "collection_name", problem);
    }
    return name;
  }

  private static long started(RestRequest r) {
    return r.startedNanos();
  }
}
