package dev.quiver.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * An open collection. Handed out by {@link CollectionRegistry}; valid until the collection is
 * dropped or the registry closed, after which its methods fail. Thread-safe.
 */
public interface Collection {

  String name();

  CollectionConfig config();

  /** Ids of the shards this node holds, ascending: a read-only live view. */
  SortedSet<Integer> shardIds();

  /** The payload indexes asked for, by field. */
  SortedMap<String, PayloadIndexSpec> payloadIndexes();

  /** The shard keys of the local shards that have one (custom sharding). */
  Map<Integer, ShardKey> shardKeys();

  /** The read side of a local shard, or {@link StorageException.NotFound}. */
  ShardReader reader(int shardId);

  /** The write side of a local shard, or {@link StorageException.NotFound}. */
  ShardWriter writer(int shardId);

  /** The read side of shard 0, the only shard of a single-node collection. */
  default ShardReader reader() {
    return reader(0);
  }

  /** The write side of shard 0, the only shard of a single-node collection. */
  default ShardWriter writer() {
    return writer(0);
  }

  /**
   * Writes a point-in-time archive (zip) of this collection's configuration and local shards to
   * {@code out}; each shard is copied under its write lock, so the archive holds whole operations
   * only. {@link CollectionMetaOp.Restore} reads it back.
   */
  void snapshot(OutputStream out) throws IOException;

  /**
   * Writes a point-in-time archive of one local shard (the unit a Raft snapshot ships to a lagging
   * replica).
   */
  void snapshotShard(int shardId, OutputStream out) throws IOException;

  /** Replaces the local shard's data with an archive from {@link #snapshotShard}. */
  void restoreShard(int shardId, Path archive) throws IOException;

  /**
   * Opens an archive from {@link #snapshotShard} to be read, beside this collection's shards and
   * not one of them; IOException (its message fit for a client) when it is not one of this
   * collection's shard snapshots.
   */
  ShardArchive openShardArchive(Path archive) throws IOException;

  /** Counts over the local shards. */
  CollectionInfo info();

  /** The payloads of the local shards' points, in bytes of their stored (encoded) form. */
  long payloadBytes();
}
