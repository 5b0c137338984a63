package dev.quiver.storage;

import java.util.Objects;

/**
 * A change to the set of collections. Applied with a log index by {@link
 * CollectionRegistry#apply(CollectionMetaOp, long)}, which makes replays harmless. Immutable.
 */
public sealed interface CollectionMetaOp {

  /** The collection that this operation concerns. */
  String collection();

  /** Creates a collection; fails with {@link StorageException.AlreadyExists} if it exists. */
  record Create(String collection, CollectionConfig config) implements CollectionMetaOp {
    public Create {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(config, "config");
    }
  }

  /** Drops a collection with all its data; dropping a missing one is not an error. */
  record Drop(String collection) implements CollectionMetaOp {
    public Drop {
      Objects.requireNonNull(collection, "collection");
    }
  }
}
