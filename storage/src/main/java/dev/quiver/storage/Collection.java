package dev.quiver.storage;

/**
 * An open collection. Handed out by {@link CollectionRegistry}; valid until the collection is
 * dropped or the registry closed, after which its methods fail. Thread-safe.
 */
public interface Collection {

  String name();

  CollectionConfig config();

  /** The read side, which searches receive. */
  ShardReader reader();

  /** The write side. */
  ShardWriter writer();

  CollectionInfo info();
}
