package dev.quiver.storage.internal.payload;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.payload.PayloadIndexes.Candidates;
import java.util.Set;

/**
 * One payload field's postings: for each index term (a {@link Boolean}, {@link Double} or {@link
 * String}), the points holding it. On the heap ({@link HeapTermPostings}) or in memory-mapped files
 * with the recent changes on the heap ({@link MappedTermPostings}, a field indexed with {@code
 * on_disk: true}).
 *
 * <p>Thread-safety: one writer at a time ({@link #add}, {@link #remove}, {@link #drop}: the shard's
 * write lock); lookups run concurrently with it and see each point's change whole or not at all per
 * term.
 */
interface TermPostings {
  /** Records that point {@code id} holds {@code terms}. */
  void add(PointId id, Set<Object> terms);

  /** Records that point {@code id} no longer holds {@code terms} (those it held before). */
  void remove(PointId id, Set<Object> terms);

  /** The points holding {@code term}. */
  Candidates get(Object term);

  /** The points holding a number in {@code [lo, hi]} (null: unbounded, each end as given). */
  Candidates between(Double lo, boolean loIn, Double hi, boolean hiIn);

  /** The points holding a string that starts with {@code prefix}. */
  Candidates prefixed(String prefix);

  /** Writes what the heap holds to disk now, if these postings live there (a build is done). */
  void seal();

  /** How many postings the heap holds (all of them, or the changes not yet written to disk). */
  long heapPostings();

  /** Gives up the postings and their files (the index is dropped or replaced). */
  void drop();
}
