package dev.quiver.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The set of collections on this node. Changes arrive as {@link CollectionMetaOp}s with a log
 * index; an index at or below {@link #lastAppliedIndex()} is skipped, so a replayed log changes
 * nothing. Thread-safe; the opener closes it, which closes every collection.
 */
public interface CollectionRegistry extends AutoCloseable {

  /**
   * Applies a meta operation as log entry {@code index}.
   *
   * @return true if applied, false if skipped as already applied
   */
  boolean apply(CollectionMetaOp op, long index);

  /**
   * Applies {@code ops} in order, all as log entry {@code index} (a state brought to a snapshot's
   * in one step). An operation that fails stops the rest; the index is then not recorded, so the
   * whole list can be tried again.
   *
   * @return true if applied, false if skipped as already applied
   */
  boolean applyAll(List<CollectionMetaOp> ops, long index);

  /** Highest meta log index applied (0 for none). */
  long lastAppliedIndex();

  /** Collection names, sorted. */
  List<String> list();

  Optional<Collection> get(String name);

  /** Every alias and the collection it names, by alias. */
  SortedMap<String, String> aliases();

  /** The quota configuration last set with {@link CollectionMetaOp.SetQuotas}; empty if none. */
  default Optional<QuotaConfig> quotas() {
    return Optional.empty();
  }

  /**
   * The collection {@code name} denotes: itself when a collection has it, else an alias' target.
   */
  default String resolve(String name) {
    if (get(name).isPresent()) {
      return name;
    }
    String target = aliases().get(name);
    return target == null ? name : target;
  }

  /**
   * Opens a collection snapshot {@code archive} to be read (a recovery that writes its points
   * through another path, as a cluster's does); {@link StorageException.BadInput} when it is not
   * one.
   */
  CollectionArchive openArchive(Path archive);

  /** The collection, or {@link StorageException.NotFound}. */
  default Collection require(String name) {
    return get(name).orElseThrow(() -> StorageException.NotFound.collection(name));
  }

  @Override
  void close();
}
