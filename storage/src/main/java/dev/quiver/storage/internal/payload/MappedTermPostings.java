package dev.quiver.storage.internal.payload;

import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.files.ChunkFiles;
import dev.quiver.storage.internal.payload.PayloadIndexes.Candidates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Postings in memory-mapped files, for a field indexed with {@code on_disk: true}: the bulk sealed
 * in one file ({@link SealedTerms}), the changes since on the heap — points added since (a {@link
 * HeapTermPostings}) and points whose sealed postings no longer count (their payload changed or was
 * deleted; their current terms are among the changes). Once the changes reach a threshold they are
 * merged with the file into the next one and the heap starts empty again, so the heap holds at most
 * about that many postings whatever the index's size.
 *
 * <p>The three parts are published together in one immutable {@link State}; a lookup reads one
 * state throughout. The writer changes the current state's heap parts in place (concurrent sets, as
 * the heap index does) and replaces the state when it merges; a replaced state's parts are not
 * changed again, so a lookup still reading it sees the index as it was when the merge began, the
 * file it reads kept mapped until the lookup lets it go. Thread-safety as {@link TermPostings}
 * states.
 *
 * <p>The files are working storage, like the payload log's: the index is built again from the
 * payloads when the shard opens, and the files of an earlier run are deleted, never read.
 */
final class MappedTermPostings implements TermPostings {
  private static final Logger LOG = LogManager.getLogger(MappedTermPostings.class);

  /** Changes held on the heap before they are merged into the file. */
  static final int MERGE_AFTER = 65_536;

  private static final String SUFFIX = ".qpi";

  private final Path dir;
  private final boolean ordered;
  private final int mergeAfter;
  private volatile State state;
  private int generation; // written by the one writer
  private int nextMerge; // written by the one writer: changes at which to merge

  /**
   * The parts of one moment of the index.
   *
   * @param sealed the file's terms, or null before the first merge
   * @param dead points whose postings in {@code sealed} do not count
   * @param fresh the points added since the file was written
   * @param file the file, or null
   */
  private record State(SealedTerms sealed, Set<PointId> dead, HeapTermPostings fresh, Path file) {}

  /**
   * Postings kept in {@code dir} (emptied of what it held), terms {@code ordered} when ranges or
   * prefixes are asked of them, merged into a new file after {@code mergeAfter} changes.
   */
  MappedTermPostings(Path dir, boolean ordered, int mergeAfter) {
    this.dir = dir;
    this.ordered = ordered;
    this.mergeAfter = mergeAfter;
    this.nextMerge = mergeAfter;
    try {
      ChunkFiles.clear(dir, SUFFIX);
    } catch (IOException e) {
      throw new StorageException.Io(
          "cannot prepare the payload index directory " + dir + ": " + e.getMessage(), e);
    }
    this.state = new State(null, new PointIdSet(), new HeapTermPostings(ordered), null);
  }

  @Override
  public void add(PointId id, Set<Object> terms) {
    if (terms.isEmpty()) {
      return;
    }
    state.fresh().add(id, terms);
    mergeIfDue();
  }

  @Override
  public void remove(PointId id, Set<Object> terms) {
    if (terms.isEmpty()) {
      return;
    }
    State s = state;
    s.fresh().remove(id, terms);
    if (s.sealed() != null) {
      s.dead().add(id); // its sealed postings, if any, are out of date
    }
    mergeIfDue();
  }

  private void mergeIfDue() {
    State s = state;
    if (s.fresh().heapPostings() + s.dead().size() >= nextMerge) {
      merge(s);
    }
  }

  @Override
  public void seal() {
    State s = state;
    if (s.fresh().heapPostings() + s.dead().size() > 0) {
      merge(s);
    }
  }

  private void merge(State s) {
    Path file = dir.resolve(String.format(Locale.ROOT, "postings-%05d%s", generation, SUFFIX));
    SealedTerms merged;
    try {
      merged = SealedTerms.merge(s.sealed(), s.dead(), fresh(s.fresh()), file);
    } catch (IOException | RuntimeException e) {
      // the heap keeps the changes and the index stays whole; try again after as many again
      nextMerge += mergeAfter;
      LOG.warn(
          "cannot write the payload index file {}: {}; its changes stay in memory",
          file,
          e.getMessage());
      deleteQuietly(file);
      return;
    }
    generation++;
    nextMerge = mergeAfter;
    state = new State(merged, new PointIdSet(), new HeapTermPostings(ordered), file);
    if (s.file() != null) {
      deleteQuietly(s.file()); // a lookup still reading it keeps its mapping
    }
  }

  /** The heap's terms in key order, each with its points in id order. */
  private static List<SealedTerms.Fresh> fresh(HeapTermPostings heap) {
    List<SealedTerms.Fresh> out = new ArrayList<>();
    for (Map.Entry<Object, Set<PointId>> e : heap.terms().entrySet()) {
      PointId[] ids = e.getValue().toArray(PointId[]::new);
      if (ids.length == 0) {
        continue;
      }
      Arrays.sort(ids, TermKeys.ID_ORDER);
      out.add(new SealedTerms.Fresh(TermKeys.of(e.getKey()), ids));
    }
    out.sort((a, b) -> TermKeys.ORDER.compare(a.key(), b.key()));
    return out;
  }

  @Override
  public Candidates get(Object term) {
    State s = state;
    Candidates fresh = s.fresh().get(term);
    if (s.sealed() == null) {
      return fresh;
    }
    int t = s.sealed().find(TermKeys.of(term));
    if (t < 0) {
      return fresh;
    }
    return both(new Span(s, s.sealed().start(t), s.sealed().start(t + 1), true), fresh);
  }

  @Override
  public Candidates between(Double lo, boolean loIn, Double hi, boolean hiIn) {
    State s = state;
    Candidates fresh = s.fresh().between(lo, loIn, hi, hiIn);
    SealedTerms sealed = s.sealed();
    if (sealed == null) {
      return fresh;
    }
    int from = 0;
    if (lo != null) {
      byte[] key = TermKeys.of(lo);
      from = loIn ? sealed.lowerBound(key) : sealed.upperBound(key);
    }
    int to = sealed.terms();
    if (hi != null) {
      byte[] key = TermKeys.of(hi);
      to = hiIn ? sealed.upperBound(key) : sealed.lowerBound(key);
    }
    if (from >= to) {
      return fresh;
    }
    return both(new Span(s, sealed.start(from), sealed.start(to), to - from == 1), fresh);
  }

  @Override
  public Candidates prefixed(String prefix) {
    State s = state;
    Candidates fresh = s.fresh().prefixed(prefix);
    SealedTerms sealed = s.sealed();
    if (sealed == null) {
      return fresh;
    }
    int from = sealed.lowerBound(TermKeys.of(prefix));
    int to = sealed.lowerBound(TermKeys.pastPrefix(prefix));
    if (from >= to) {
      return fresh;
    }
    return both(new Span(s, sealed.start(from), sealed.start(to), to - from == 1), fresh);
  }

  private static Candidates both(Span sealed, Candidates fresh) {
    return fresh.estimate() == 0 ? sealed : PayloadIndexes.union(List.of(sealed, fresh));
  }

  @Override
  public long heapPostings() {
    State s = state;
    return s.fresh().heapPostings() + s.dead().size();
  }

  @Override
  public void drop() {
    State s = state;
    if (s.file() != null) {
      deleteQuietly(s.file());
    }
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete the payload index file {}: {}", file, e.getMessage());
    }
  }

  /**
   * Postings {@code [from, to)} of a state's file, but the points dead in that state. One term's
   * postings are in id order and answer membership by a binary search; several terms' are copied
   * into a set at the first membership test. Not thread-safe: one lookup's.
   */
  private static final class Span implements Candidates {
    private final State state;
    private final long from;
    private final long to;
    private final boolean oneTerm;
    private Set<PointId> copied;

    Span(State state, long from, long to, boolean oneTerm) {
      this.state = state;
      this.from = from;
      this.to = to;
      this.oneTerm = oneTerm;
    }

    @Override
    public long estimate() {
      return to - from;
    }

    @Override
    public boolean contains(PointId id) {
      if (state.dead().contains(id)) {
        return false;
      }
      if (oneTerm) {
        return state.sealed().contains(from, to, id);
      }
      if (copied == null) {
        copied = ids();
      }
      return copied.contains(id);
    }

    @Override
    public void forEach(Consumer<PointId> action) {
      SealedTerms sealed = state.sealed();
      Set<PointId> dead = state.dead();
      for (long i = from; i < to; i++) {
        PointId id = sealed.id(i);
        if (dead.isEmpty() || !dead.contains(id)) {
          action.accept(id);
        }
      }
    }

    @Override
    public Set<PointId> ids() {
      Set<PointId> out = new HashSet<>();
      forEach(out::add);
      return out;
    }
  }
}
