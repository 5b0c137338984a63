package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.security.Access;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.time.Instant;
import java.util.Map;

/**
 * The cluster's routes: status, peers, shard placement and shard keys, and the cluster metadata
 * keys. Each decodes with the JSON codecs, calls the dispatcher and encodes; no logic of its own.
 * Thread-safe.
 */
final class ClusterRoutes implements RouteFamily {
  private final Dispatcher dispatcher;

  ClusterRoutes(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  @Override
  public void register(Map<String, Router.Handler> h) {
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
          return Handlers.done(r);
        });
    // cluster metadata: JSON values by key, agreed through the metadata Raft group; a change
    // answers once this node applied it (`wait` is accepted and always honoured)
    h.put(
        "list_cluster_metadata_keys",
        r -> {
          ArrayNode keys = Json.MAPPER.createArrayNode();
          dispatcher.cluster().clusterMetadata().keys().forEach(keys::add);
          return RestResponse.ok(keys, r.startedNanos());
        });
    h.put(
        "get_cluster_metadata_key",
        r -> {
          Value v = dispatcher.cluster().clusterMetadata().get(r.path("key"));
          return RestResponse.ok(
              v == null ? Json.MAPPER.getNodeFactory().nullNode() : ValueJson.json(v),
              r.startedNanos());
        });
    h.put(
        "update_cluster_metadata_key",
        r -> {
          r.boolQuery("wait", false);
          if (r.body().length == 0) {
            throw new RequestException.Malformed(
                "Json deserialize error: the body must hold the key's JSON value");
          }
          dispatcher.cluster().clusterMetadata().put(r.path("key"), ValueJson.value(r.json()));
          return Handlers.done(r);
        });
    h.put(
        "delete_cluster_metadata_key",
        r -> {
          r.boolQuery("wait", false);
          dispatcher.cluster().clusterMetadata().put(r.path("key"), null);
          return Handlers.done(r);
        });
    h.put("collection_cluster_info", this::collectionClusterInfo);
    h.put("update_collection_cluster", this::updateCollectionCluster);
    h.put("remove_peer", this::removePeer);
    h.put("list_shard_keys", this::listShardKeys);
    h.put(
        "create_shard_key",
        r -> {
          var k = CollectionJson.createShardKey(r.json(), "");
          dispatcher
              .catalog()
              .createShardKey(
                  Handlers.target(dispatcher, r),
                  k.key(),
                  k.shards(),
                  k.replicationFactor(),
                  k.placement());
          return Handlers.done(r);
        });
    h.put(
        "delete_shard_key",
        r -> {
          dispatcher
              .catalog()
              .deleteShardKey(
                  Handlers.target(dispatcher, r), CollectionJson.dropShardKey(r.json(), "").key());
          return Handlers.done(r);
        });
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
    return RestResponse.ok(o, r.startedNanos());
  }

  private RestResponse clusterStatus(RestRequest r) {
    var status = dispatcher.cluster().clusterStatus();
    ObjectNode o = Json.MAPPER.createObjectNode();
    if (!status.enabled()) {
      o.put("status", "disabled");
      return RestResponse.ok(o, r.startedNanos());
    }
    o.put("status", "enabled");
    o.put("peer_id", status.peerId());
    ObjectNode peers = o.putObject("peers");
    status.peers().forEach((id, uri) -> peers.putObject(Long.toString(id)).put("uri", uri));
    ObjectNode raft = o.putObject("raft_info");
    ClusterJson.raftState(raft, status);
    if (status.leader() == null) {
      raft.putNull("leader");
    } else {
      raft.put("leader", status.leader());
    }
    ObjectNode thread = o.putObject("consensus_thread_status");
    thread.put("consensus_thread_status", "working");
    thread.put("last_update", Instant.now().toString());
    o.putObject("message_send_failures");
    return RestResponse.ok(o, r.startedNanos());
  }

  private RestResponse collectionClusterInfo(RestRequest r) {
    var info = dispatcher.cluster().collectionClusterInfo(Handlers.target(dispatcher, r));
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("peer_id", info.peerId());
    o.put("shard_count", info.shardCount());
    ArrayNode local = o.putArray("local_shards");
    for (var s : info.localShards()) {
      ObjectNode shard = local.addObject().put("shard_id", s.shardId());
      if (s.shardKey() != null) {
        shard.set("shard_key", ValueJson.shardKey(s.shardKey()));
      }
      shard.put("points_count", s.pointsCount()).put("state", s.state());
    }
    ArrayNode remote = o.putArray("remote_shards");
    for (var s : info.remoteShards()) {
      ObjectNode shard = remote.addObject().put("shard_id", s.shardId());
      if (s.shardKey() != null) {
        shard.set("shard_key", ValueJson.shardKey(s.shardKey()));
      }
      shard.put("peer_id", s.peerId()).put("state", s.state());
    }
    ArrayNode transfers = o.putArray("shard_transfers");
    for (var t : info.transfers()) {
      transfers
          .addObject()
          .put("shard_id", t.shardId())
          .put("from", t.from())
          .put("to", t.to())
          .put("sync", t.sync())
          .put("method", t.method().apiName());
    }
    if (!info.reshardings().isEmpty()) {
      ArrayNode reshardings = o.putArray("resharding_operations");
      for (var rs : info.reshardings()) {
        ObjectNode op =
            reshardings
                .addObject()
                .put("direction", rs.up() ? "up" : "down")
                .put("shard_id", rs.shardId())
                .put("peer_id", rs.peerId());
        if (rs.shardKey() != null) {
          op.set("shard_key", ValueJson.shardKey(rs.shardKey()));
        }
      }
    }
    return RestResponse.ok(o, r.startedNanos());
  }

  private RestResponse updateCollectionCluster(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    dispatcher.updateCollectionCluster(name, CollectionJson.shardOperation(r.json()));
    return Handlers.done(r);
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
    return Handlers.done(r);
  }

  private RestResponse listShardKeys(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    var keys = dispatcher.catalog().shardKeys(name);
    ObjectNode o = Json.MAPPER.createObjectNode();
    if (keys != null) {
      ArrayNode arr = o.putArray("shard_keys");
      keys.forEach(k -> arr.addObject().set("key", ValueJson.shardKey(k)));
    } else {
      o.putNull("shard_keys");
    }
    return RestResponse.ok(o, r.startedNanos());
  }
}
