package dev.quiver.storage;

/**
 * A collection snapshot opened beside the node's collections, to read from, not one of them: its
 * configuration, payload indexes and each shard it holds. Closing it closes the collection and
 * deletes its unpacked files. Thread-safe as {@link Collection} is; closed once, by its opener.
 */
public interface CollectionArchive extends AutoCloseable {

  /** The collection as the snapshot holds it. */
  Collection collection();

  @Override
  void close();
}
