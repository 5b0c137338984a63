package dev.quiver.storage;

/**
 * A shard snapshot opened beside its collection's shards, to read from, not one of them. Closing it
 * closes the shard and deletes its unpacked files. Thread-safe as {@link ShardReader} is; closed
 * once, by its opener.
 */
public interface ShardArchive extends AutoCloseable {

  /** The shard as the snapshot holds it. */
  ShardReader reader();

  @Override
  void close();
}
