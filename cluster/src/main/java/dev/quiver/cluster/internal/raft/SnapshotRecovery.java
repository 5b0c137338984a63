package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionArchive;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Filter;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.ShardArchive;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A collection (or shard) snapshot recovered on a cluster node, with Qdrant's semantics: the
 * collection is created from the snapshot's configuration when it does not exist, an existing one
 * must have the same vectors and shard number, and each shard the snapshot holds that this node
 * holds too is recovered; a shard with replicas on other peers by {@link RecoveryPriority} ({@code
 * replica} keeps theirs, {@code snapshot} takes the snapshot's everywhere, {@code no_sync} is
 * refused: the replicas of a Raft group cannot disagree). A shard is recovered through its own log:
 * a delete of every point, then the snapshot's points a page at a time, so every replica applies
 * the same and the recovery is replicated, durable and ordered with other writes like any of them.
 * Readers see a recovered shard empty, then filling, while it is rewritten. The rewrite is recorded
 * in the metadata log ({@link Wire.ShardRecovery}) from its start to its end: meanwhile writes to
 * the shard are refused and its replicas reported {@code ManualRecovery}, as Qdrant reports a
 * replica under a snapshot recovery; a record this node could not end (no metadata leader then, or
 * a restart) is ended by {@link #endStale}. Thread-safe.
 */
final class SnapshotRecovery {
  private static final Logger LOG = LogManager.getLogger(SnapshotRecovery.class);

  /** Points read from the snapshot and written per log entry. */
  static final int PAGE = 256;

  /** What a recovery needs from the node. */
  interface Host {
    /** The collection's placement; NotFound when missing. */
    MetaStateMachine.Placement placement(String collection);

    /** Submits {@code op} to the log of {@code shard}; completes once applied. */
    CompletableFuture<Void> submit(MetaStateMachine.Placement p, int shard, UpdateOp op);

    /**
     * Records in the metadata log that this node's rewrite of {@code shard} begins or ends; does
     * nothing while the cluster writes a message format without the record.
     */
    void record(Wire.ShardRecovery recovery);
  }

  private final CollectionRegistry registry;
  private final Catalog catalog;
  private final Host host;
  private final long self;
  private final Duration timeout;

  /** The shards this node is rewriting now, as "collection/shard". */
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  /**
   * @param timeout how long one write of the recovery may take
   */
  SnapshotRecovery(
      CollectionRegistry registry, Catalog catalog, Host host, long self, Duration timeout) {
    this.registry = registry;
    this.catalog = catalog;
    this.host = host;
    this.self = self;
    this.timeout = timeout;
  }

  /** Recovers {@code collection} from {@code archive}; returns the shards whose data it wrote. */
  List<Integer> recover(String collection, Path archive, RecoveryPriority priority) {
    try (CollectionArchive opened = registry.openArchive(archive)) {
      Collection snapshot = opened.collection();
      CollectionConfig config = snapshot.config();
      if (config.customSharding()) {
        throw new StorageException.BadInput(
            "recovering a snapshot of a collection with custom sharding is not supported in a"
                + " cluster: create the collection and its shard keys, then write its points");
      }
      boolean created = false;
      if (!catalog.collectionExists(collection)) {
        catalog.createCollection(collection, config);
        created = true;
        if (catalog.config(collection).routing() != config.routing()) {
          // made with the routing the cluster's format allows: the snapshot's shards would not fit
          catalog.deleteCollection(collection);
          throw new StorageException.BadInput(
              "Snapshot is not compatible with this cluster: its points are placed by a routing"
                  + " that every peer reads only once all run the same release; upgrade them"
                  + " first");
        }
      } else {
        compatible(catalog.config(collection), config);
      }
      MetaStateMachine.Placement p = host.placement(collection);
      List<Integer> rewrite = new ArrayList<>();
      for (int shard : snapshot.shardIds()) {
        // a snapshot holds its node's replicas: only those held here are recovered
        if (shard < p.shardCount()
            && p.replicas().get(shard).contains(self)
            && takesTheSnapshot(p, shard, priority, created)) {
          rewrite.add(shard);
        }
      }
      // after every refusal: a refused recovery changes nothing of an existing collection
      var indexes = catalog.payloadIndexes(collection);
      snapshot
          .payloadIndexes()
          .forEach(
              (field, spec) -> {
                if (!indexes.containsKey(field)) {
                  catalog.setPayloadIndex(collection, field, spec);
                }
              });
      RequestScope.current().checkpoint(); // the last point at which the request may stop it
      for (int shard : rewrite) {
        long points = rewrite(p, shard, snapshot.reader(shard));
        LOG.info(
            "{}/{}: recovered {} points from a snapshot through the shard's log",
            collection,
            shard,
            points);
      }
      return rewrite;
    }
  }

  /**
   * Recovers this node's replica of {@code shard} from a shard snapshot; returns whether its data
   * was written (false: other peers hold it and {@code replica} keeps theirs).
   */
  boolean recoverShard(String collection, int shard, Path archive, RecoveryPriority priority) {
    MetaStateMachine.Placement p = host.placement(collection);
    if (!p.layout().shards().containsKey(shard) || !p.replicas().get(shard).contains(self)) {
      throw new StorageException.NotFound(
          "Shard " + shard + " of collection `" + collection + "` is not on this node");
    }
    if (!takesTheSnapshot(p, shard, priority, false)) {
      return false;
    }
    try (ShardArchive opened = registry.require(collection).openShardArchive(archive)) {
      RequestScope.current().checkpoint(); // the last point at which the request may stop it
      long points = rewrite(p, shard, opened.reader());
      LOG.info(
          "{}/{}: recovered {} points from a shard snapshot through the shard's log",
          collection,
          shard,
          points);
      return true;
    } catch (IOException e) {
      throw new StorageException.BadInput("the shard snapshot cannot be read: " + e.getMessage());
    }
  }

  /**
   * Whether this node's replica of {@code shard} takes the snapshot's points: always when no other
   * peer holds the shard (or the recovery created the collection), else by {@code priority}.
   */
  private boolean takesTheSnapshot(
      MetaStateMachine.Placement p, int shard, RecoveryPriority priority, boolean created) {
    boolean others = !created && p.replicas().get(shard).size() > 1;
    if (!others || priority == RecoveryPriority.SNAPSHOT) {
      return true;
    }
    if (priority == RecoveryPriority.NO_SYNC) {
      throw new StorageException.BadInput(
          "`priority: no_sync` is not supported in a cluster: shard "
              + shard
              + " has replicas on other peers, and a shard's replicas always hold the same"
              + " points (use `snapshot` to make the snapshot's points theirs)");
    }
    return false;
  }

  /**
   * Qdrant's compatibility rule: the same vectors and the same number of shards; and, as each
   * snapshot shard replaces the shard of the same id, the same routing of points to shards.
   */
  private static void compatible(CollectionConfig existing, CollectionConfig snapshot) {
    if (!existing.vectors().equals(snapshot.vectors())
        || !existing.sparseVectors().equals(snapshot.sparseVectors())) {
      throw new StorageException.BadInput(
          "Snapshot is not compatible with existing collection: Collection vectors: "
              + describe(existing)
              + " Snapshot Vectors: "
              + describe(snapshot));
    }
    if (existing.shardNumber() != snapshot.shardNumber()) {
      throw new StorageException.BadInput(
          "Snapshot is not compatible with existing collection: Collection shard number: "
              + existing.shardNumber()
              + " Snapshot shard number: "
              + snapshot.shardNumber());
    }
    if (existing.routing() != snapshot.routing()) {
      throw new StorageException.BadInput(
          "Snapshot is not compatible with existing collection: the collection places points by "
              + existing.routing().name().toLowerCase(Locale.ROOT)
              + " routing, the snapshot by "
              + snapshot.routing().name().toLowerCase(Locale.ROOT)
              + " routing; recover it into a new collection");
    }
  }

  private static String describe(CollectionConfig c) {
    return c.vectors().keySet() + " " + c.sparseVectors().keySet();
  }

  /**
   * The shard's points become the snapshot's: all deleted, then the snapshot's written. Once begun
   * it runs to its end, past the request's deadline or its client's going away: stopped half-way,
   * the shard would have lost points the snapshot holds.
   */
  private long rewrite(MetaStateMachine.Placement p, int shard, ShardReader source) {
    String key = p.name() + "/" + shard;
    running.add(key);
    try {
      host.record(new Wire.ShardRecovery(p.name(), shard, self, true));
    } catch (RuntimeException e) {
      running.remove(key);
      throw e;
    }
    try {
      return copy(p, shard, source);
    } finally {
      running.remove(key);
      try {
        host.record(new Wire.ShardRecovery(p.name(), shard, self, false));
      } catch (RuntimeException e) {
        LOG.warn("{}: the end of the recovery is recorded later: {}", key, e.toString());
      }
    }
  }

  /**
   * Ends every recorded recovery this node drives and is not running (one it could not end, or one
   * a restart cut short: its shard holds what was written of it, and takes writes again).
   */
  void endStale(Map<String, Map<Integer, Long>> recorded) {
    recorded.forEach(
        (collection, shards) ->
            shards.forEach(
                (shard, peer) -> {
                  if (peer == self && !running.contains(collection + "/" + shard)) {
                    LOG.warn(
                        "{}/{}: ending the record of a snapshot recovery that no longer runs",
                        collection,
                        shard);
                    host.record(new Wire.ShardRecovery(collection, shard, self, false));
                  }
                }));
  }

  /** Deletes the shard's points, then writes {@code source}'s; returns how many. */
  private long copy(MetaStateMachine.Placement p, int shard, ShardReader source) {
    await(
        host.submit(
            p,
            shard,
            new UpdateOp.DeleteByFilter(new Filter(List.of(), List.of(), List.of(), null))));
    long written = 0;
    PointId offset = null;
    do {
      ScrollPage page = source.scroll(null, offset, PAGE, WithPayload.ALL, WithVectors.ALL);
      if (!page.points().isEmpty()) {
        List<Point> points = new ArrayList<>(page.points().size());
        for (PointRecord r : page.points()) {
          points.add(r.asPoint());
        }
        await(host.submit(p, shard, new UpdateOp.Upsert(points)));
        written += points.size();
      }
      offset = page.nextOffset();
    } while (offset != null);
    return written;
  }

  private void await(CompletableFuture<Void> applied) {
    Replies.awaitApplied(applied, timeout);
  }
}
