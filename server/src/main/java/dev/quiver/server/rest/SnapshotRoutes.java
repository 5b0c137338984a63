package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.server.recovery.SnapshotDownloads;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The snapshot routes: collection, shard and full snapshots, their files, and recovery from a file,
 * a URL or an upload. Each decodes with the JSON codecs, calls the dispatcher and encodes; no logic
 * of its own. Thread-safe.
 */
final class SnapshotRoutes implements RouteFamily {
  private final Dispatcher dispatcher;
  private final SnapshotDownloads downloads;

  SnapshotRoutes(Dispatcher dispatcher, SnapshotDownloads downloads) {
    this.dispatcher = dispatcher;
    this.downloads = downloads;
  }

  @Override
  public void register(Map<String, Router.Handler> h) {
    h.put(
        "create_snapshot",
        r -> snapshot(r, dispatcher.snapshots().create(Handlers.collectionName(r))));
    h.put(
        "list_snapshots",
        r -> snapshots(r, dispatcher.snapshots().store().list(Handlers.collectionName(r))));
    h.put(
        "get_snapshot",
        r ->
            RestResponse.file(
                dispatcher
                    .snapshots()
                    .store()
                    .file(Handlers.collectionName(r), r.path("snapshot_name"))));
    h.put(
        "delete_snapshot",
        r -> {
          dispatcher
              .snapshots()
              .store()
              .delete(Handlers.collectionName(r), r.path("snapshot_name"));
          return Handlers.done(r);
        });
    h.put("recover_from_snapshot", this::recoverFromSnapshot);
    h.put("recover_from_uploaded_snapshot", this::recoverFromUpload);
    h.put(
        "create_shard_snapshot",
        r ->
            snapshot(
                r, dispatcher.snapshots().createShard(Handlers.target(dispatcher, r), shardId(r))));
    h.put(
        "stream_shard_snapshot",
        r ->
            RestResponse.temporaryFile(
                dispatcher.snapshots().streamShard(Handlers.target(dispatcher, r), shardId(r))));
    h.put(
        "list_shard_snapshots",
        r ->
            snapshots(
                r,
                dispatcher
                    .snapshots()
                    .store()
                    .listShard(Handlers.target(dispatcher, r), shardId(r))));
    h.put(
        "get_shard_snapshot",
        r ->
            RestResponse.file(
                dispatcher
                    .snapshots()
                    .store()
                    .shardFile(
                        Handlers.target(dispatcher, r), shardId(r), r.path("snapshot_name"))));
    h.put(
        "delete_shard_snapshot",
        r -> {
          dispatcher
              .snapshots()
              .store()
              .deleteShard(Handlers.target(dispatcher, r), shardId(r), r.path("snapshot_name"));
          return Handlers.done(r);
        });
    h.put(
        "recover_shard_from_snapshot",
        r -> {
          String name = Handlers.target(dispatcher, r);
          int shard = shardId(r);
          recover(
              r,
              name,
              (file, priority) ->
                  dispatcher.snapshots().recoverShardSnapshot(name, shard, file, priority));
          return Handlers.done(r);
        });
    h.put(
        "recover_shard_from_uploaded_snapshot",
        r -> {
          String name = Handlers.target(dispatcher, r);
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
                      .uploadShard(name, shard, archive, r.stringQuery("checksum")),
                  uploadPriority(r));
          return Handlers.done(r);
        });
    h.put("create_full_snapshot", r -> snapshot(r, dispatcher.snapshots().createFull()));
    h.put("list_full_snapshots", r -> snapshots(r, dispatcher.snapshots().store().listFull()));
    h.put(
        "get_full_snapshot",
        r -> RestResponse.file(dispatcher.snapshots().store().fullFile(r.path("snapshot_name"))));
    h.put(
        "delete_full_snapshot",
        r -> {
          dispatcher.snapshots().store().deleteFull(r.path("snapshot_name"));
          return Handlers.done(r);
        });
  }

  private RestResponse snapshot(RestRequest r, SnapshotStore.Description d) {
    return RestResponse.ok(CollectionJson.snapshot(d), r.startedNanos());
  }

  private RestResponse snapshots(RestRequest r, List<SnapshotStore.Description> list) {
    ArrayNode arr = Json.MAPPER.createArrayNode();
    list.forEach(d -> arr.add(CollectionJson.snapshot(d)));
    return RestResponse.ok(arr, r.startedNanos());
  }

  /**
   * {@code PUT /collections/{c}/snapshots/recover}: from a {@code file://} snapshot under this
   * node's snapshots directory or an {@code http(s)://} URL; an optional {@code checksum} (SHA-256)
   * must match.
   */
  private RestResponse recoverFromSnapshot(RestRequest r) {
    String name = Handlers.collectionName(r);
    recover(
        r, name, (file, priority) -> dispatcher.snapshots().recoverSnapshot(name, file, priority));
    return Handlers.done(r);
  }

  /**
   * Runs {@code recovery} on the snapshot a recovery body names: {@code location}, a {@code
   * file://} URL under this node's snapshots directory, or an {@code http(s)://} URL downloaded
   * first (with {@code api_key} as its {@code api-key} header) and deleted after; with an optional
   * {@code checksum} (SHA-256) that must match before anything is touched.
   */
  private void recover(
      RestRequest r, String collection, BiConsumer<Path, RecoveryPriority> recovery) {
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
      recovery.accept(file, q.priority());
    } finally {
      if (remote) {
        SnapshotStore.deleteQuietly(file);
      }
    }
  }

  /** An upload's {@code priority} query parameter; the default ({@code replica}) when absent. */
  private static RecoveryPriority uploadPriority(RestRequest r) {
    String raw = r.stringQuery("priority");
    if (raw == null) {
      return RecoveryPriority.REPLICA;
    }
    RecoveryPriority p = RecoveryPriority.ofApiName(raw);
    if (p == null) {
      throw new RequestException.Malformed(
          "Query deserialize error: unknown variant `"
              + raw
              + "`, expected one of `no_sync`, `snapshot`, `replica`");
    }
    return p;
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
    String name = Handlers.collectionName(r);
    byte[] archive = Multipart.part(r.headers().get("content-type"), r.body(), "snapshot");
    Path file = dispatcher.snapshots().store().upload(name, archive, r.stringQuery("checksum"));
    dispatcher.snapshots().recoverSnapshot(name, file, uploadPriority(r));
    return Handlers.done(r);
  }
}
