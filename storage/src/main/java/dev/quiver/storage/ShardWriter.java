package dev.quiver.storage;

/**
 * The write side of a shard. Operations are applied in operation-number order; an operation at or
 * below {@link #lastAppliedOp()} is skipped, so any log can be replayed over a shard safely.
 * Implementations are thread-safe, but the caller owns the numbering: in single-node mode one
 * sequencer, in a cluster the Raft log.
 */
public interface ShardWriter {

  /**
   * Validates and applies {@code op} as operation {@code opNum}. The op is in the shard's log when
   * this returns, but not necessarily forced to disk; call {@link #flush()} for that.
   *
   * @return true if applied, false if skipped as already applied
   * @throws StorageException.BadInput if the op does not fit the collection (nothing is written)
   */
  boolean apply(long opNum, UpdateOp op);

  /** Highest operation number applied so far (0 for none). */
  long lastAppliedOp();

  /**
   * Forces every applied operation to stable storage.
   *
   * @return the highest operation number now durable
   */
  long flush();

  /**
   * Waits until the background work on applied operations is done: every vector is in its search
   * graph (Qdrant's optimizers finishing). Searches are complete before that as well: they scan
   * what the graph does not hold yet.
   */
  default void awaitIndexed() {}
}
