package dev.quiver.storage.internal.sparse;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.internal.vector.SlotTable;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.storage.internal.vector.VectorMath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * The inverted index of one sparse vector space: for each dimension, the slots whose vector has it
 * and their weights, in ascending slot order (slots are handed out in ascending order, and a
 * rebuild walks them in order). A query reads only the lists of its own dimensions and finds the
 * exact top k with MaxScore: lists are ordered by how much they can add at most, the lists that
 * alone cannot lift a point into the top k are only probed for points the others found, and a point
 * is dropped as soon as what its remaining lists can add at most leaves it below the k-th best
 * score.
 *
 * <p>Thread-safety: one writer (the shard's apply path) appends and rebuilds; searches run
 * concurrently without locks. A list is append-only with a volatile length published after each
 * entry, so a reader sees a consistent prefix; a rebuild publishes a new map of lists.
 */
public final class SparseIndex {

  /** Slots per window: a search's unit of work, and the span of a list's window bounds. */
  static final int WINDOW_SHIFT = 12;

  private static final int WINDOW = 1 << WINDOW_SHIFT;

  /** A search's window buffers (32 KB), zeroed again by each search that used them. */
  private static final class Scratch {
    final float[] partial = new float[WINDOW];
    final long[] seen = new long[WINDOW / 64];
    final int[] cands = new int[WINDOW];
  }

  /**
   * A window is scored without marking the slots it touches when its essential lists are expected
   * to hold at least one entry per this many slots: clearing the whole window then costs less than
   * marking and clearing each touched slot.
   */
  private static final int DENSE = 4;

  /**
   * A list the candidates are not yet scored in is read whole through the window, rather than
   * probed for each candidate, when it is expected to hold at most this many entries per candidate:
   * a read adds an entry without a branch, a probe searches for one.
   */
  private static final float READ_WHOLE = 2f;

  /**
   * Buffers free for the next search: pooled rather than per thread, as requests run on virtual
   * threads (a thread-local set would be made, and zeroed, for every request). At most {@value
   * #POOLED} are kept; more concurrent searches make their own.
   */
  private static final ConcurrentLinkedQueue<Scratch> SCRATCH = new ConcurrentLinkedQueue<>();

  private static final AtomicInteger POOLED_NOW = new AtomicInteger();
  private static final int POOLED = 64;

  private static Scratch takeScratch() {
    Scratch s = SCRATCH.poll();
    if (s == null) {
      return new Scratch();
    }
    POOLED_NOW.decrementAndGet();
    return s;
  }

  private static void giveBack(Scratch s) {
    if (POOLED_NOW.incrementAndGet() <= POOLED) {
      SCRATCH.offer(s);
    } else {
      POOLED_NOW.decrementAndGet();
    }
  }

  /**
   * What a search reads, published together: the sealed lists (older slots, in a mapped file; null
   * on the heap only) and the heap lists (newer slots; every dimension ever seen has one, holding
   * its live count even when its entries are all sealed).
   */
  private record Layers(SealedPostings sealed, Map<Integer, HeapPostings> lists) {}

  private volatile Layers layers = new Layers(null, new ConcurrentHashMap<>());

  /** Where sealed lists are written; null for an index on the heap only. */
  private final Path dir;

  /** The vector a slot holds, null once it is gone: sealing leaves those out. */
  private final IntFunction<SparseVector> vectors;

  /** How sealed lists store their weights. */
  private final VectorDatatype datatype;

  private int generation;

  /** Heap entries from which the lists are sealed (or a quarter of the sealed entries, if more). */
  private final int sealAt;

  /**
   * Entries in the lists (sealed and heap), those of them whose slot is no longer live, and those
   * on the heap.
   */
  private long entries;

  private long dead;

  private long heapEntries;

  /** Posting entries read by searches (tests and telemetry). */
  final LongAdder read = new LongAdder();

  /** Windows scored without marks, and lists read whole though not essential (tests). */
  final LongAdder denseWindows = new LongAdder();

  final LongAdder readWhole = new LongAdder();

  /** An index on the heap. */
  public SparseIndex() {
    this(null, slot -> null, SEAL_AT, VectorDatatype.FLOAT32);
  }

  /**
   * An index whose lists are sealed into compressed files in {@code dir} (cleared first: they are
   * derived from the vectors) as the heap part grows, their weights stored as {@code datatype};
   * {@code dir} null keeps everything on the heap. The heap lists hold float32 weights until they
   * are sealed, as Qdrant's appendable segments do whatever the datatype.
   *
   * @param vectors the vector each slot holds (null once gone), read by sealing
   */
  public SparseIndex(
      Path dir, IntFunction<SparseVector> vectors, int sealAt, VectorDatatype datatype) {
    this.dir = dir;
    this.vectors = vectors;
    this.datatype = datatype;
    this.sealAt = sealAt;
    if (dir != null) {
      try {
        Files.createDirectories(dir);
        try (var old = Files.list(dir)) {
          for (Path f : old.toList()) {
            Files.deleteIfExists(f);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Whether the index seals its lists into files. */
  public boolean onDisk() {
    return dir != null;
  }

  /** Whether sealed files are loaded into memory as they are written ({@code memory: cached}). */
  private volatile boolean preload;

  /** Asks for the sealed files to be loaded into memory (now, and as each is written), or not. */
  public void preload(boolean load) {
    preload = load;
    SealedPostings sealed = layers.sealed();
    if (load && sealed != null) {
      sealed.load();
    }
  }

  /** Adds {@code v}, stored at {@code slot} (larger than any slot added before). */
  public void add(int slot, SparseVector v) {
    Map<Integer, HeapPostings> m = layers.lists();
    int[] idx = v.indices();
    float[] val = v.values();
    for (int i = 0; i < idx.length; i++) {
      HeapPostings p = m.computeIfAbsent(idx[i], k -> new HeapPostings());
      p.add(slot, val[i]);
      p.live++;
    }
    entries += idx.length;
    heapEntries += idx.length;
    if (dir != null && heapEntries >= Math.max(sealAt, (entries - heapEntries) / 4)) {
      seal();
    }
  }

  /** Heap entries from which an on-disk index seals them by default. */
  public static final int SEAL_AT = 1 << 16;

  /**
   * Writes the live entries of the sealed and the heap lists into a new sealed file, then publishes
   * it with empty heap lists: the heap holds only what was added since.
   */
  void seal() {
    Layers l = layers;
    SealedPostings old = l.sealed();
    Map<Integer, HeapPostings> heap = l.lists();
    List<Integer> dims = new ArrayList<>(heap.keySet());
    dims.sort(Integer::compareUnsigned);
    SealedPostings next;
    try {
      next =
          SealedPostings.write(
              dir.resolve("postings-" + (++generation) + ".qsp"),
              merged(old, heap, dims),
              datatype);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<Integer, HeapPostings> fresh = new ConcurrentHashMap<>();
    heap.forEach(
        (d, p) -> {
          HeapPostings q = new HeapPostings();
          q.live = p.live;
          fresh.put(d, q);
        });
    if (preload) {
      next.load();
    }
    layers = new Layers(next, fresh);
    if (old != null) {
      try {
        Files.deleteIfExists(old.file()); // searches still on it keep their mapping
      } catch (IOException e) {
        // left for the next open, which clears the directory
      }
    }
    entries = next.entries();
    heapEntries = 0;
    dead = 0;
  }

  /**
   * Each dimension's live entries, sealed ones first (their slots are the older). Sealed weights
   * stored narrower than float32 are read again from the vectors, so that sealing anew never
   * quantizes a quantized weight.
   */
  private Iterable<SealedPostings.ListSource> merged(
      SealedPostings old, Map<Integer, HeapPostings> heap, List<Integer> dims) {
    return () ->
        new Iterator<>() {
          private int next;
          private int sealedAt; // the old file's dimensions are a subset of the heap map's

          @Override
          public boolean hasNext() {
            return next < dims.size();
          }

          @Override
          public SealedPostings.ListSource next() {
            int d = dims.get(next++);
            IntArray slots = new IntArray();
            FloatArray weights = new FloatArray();
            if (old != null) {
              while (sealedAt < old.dimensions()
                  && Integer.compareUnsigned(old.dimension(sealedAt), d) < 0) {
                sealedAt++;
              }
              if (sealedAt < old.dimensions() && old.dimension(sealedAt) == d) {
                old.forEach(
                    sealedAt,
                    (slot, w) -> {
                      SparseVector v = vectors.apply(slot);
                      if (v != null) {
                        slots.add(slot);
                        weights.add(old.datatype() == VectorDatatype.FLOAT32 ? w : weightOf(v, d));
                      }
                    });
              }
            }
            HeapPostings p = heap.get(d);
            int n = p.size();
            for (int i = 0; i < n; i++) {
              if (vectors.apply(p.slot(i)) != null) {
                slots.add(p.slot(i));
                weights.add(p.weight(i));
              }
            }
            return new SealedPostings.ListSource() {
              @Override
              public int dim() {
                return d;
              }

              @Override
              public int size() {
                return slots.size;
              }

              @Override
              public int slot(int i) {
                return slots.values[i];
              }

              @Override
              public float weight(int i) {
                return weights.values[i];
              }
            };
          }
        };
  }

  /** The weight of dimension {@code d} in {@code v} (sorted by unsigned index), or 0. */
  static float weightOf(SparseVector v, int d) {
    int lo = 0;
    int hi = v.indices().length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Integer.compareUnsigned(v.indices()[mid], d);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return v.values()[mid];
      }
    }
    return 0;
  }

  /** A growable int array (one list while it is sealed). */
  private static final class IntArray {
    int[] values = new int[16];
    int size;

    public void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }
  }

  /** A growable float array. */
  private static final class FloatArray {
    float[] values = new float[16];
    int size;

    public void add(float v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }
  }

  /** The sealed file's size in bytes (0 on the heap only). */
  long sealedBytes() {
    SealedPostings s = layers.sealed();
    return s == null ? 0 : s.bytes();
  }

  /** Notes that the vector {@code v} at a slot is gone; its entries stay until a rebuild. */
  public void removed(SparseVector v) {
    Map<Integer, HeapPostings> m = layers.lists();
    for (int d : v.indices()) {
      HeapPostings p = m.get(d);
      if (p != null) {
        p.live--;
      }
    }
    dead += v.size();
  }

  /** Whether enough entries are dead that a rebuild pays: over half of them, and many. */
  public boolean rebuildDue() {
    return dead > 65_536 && dead * 2 > entries;
  }

  /**
   * Replaces the lists with ones holding only the live vectors, given in ascending slot order; an
   * index on disk seals its live entries instead.
   */
  public void rebuild(Iterable<Map.Entry<Integer, SparseVector>> liveInSlotOrder) {
    if (dir != null) {
      seal();
      return;
    }
    Map<Integer, HeapPostings> old = layers.lists();
    layers = new Layers(null, new ConcurrentHashMap<>());
    entries = 0;
    dead = 0;
    heapEntries = 0;
    for (var e : liveInSlotOrder) {
      add(e.getKey(), e.getValue());
    }
    old.clear(); // readers that hold the old lists keep their own references
  }

  /** Entries held, live or not, and how many dimensions have a list. */
  long entries() {
    return entries;
  }

  int dimensions() {
    return layers.lists().size();
  }

  /** How many live vectors have dimension {@code d}. */
  public int documentFrequency(int d) {
    HeapPostings p = layers.lists().get(d);
    return p == null ? 0 : p.live;
  }

  /**
   * The exact best {@code k} slots for {@code query} (weights already modified) among those {@code
   * accept} takes, best first; only slots sharing a dimension with the query are scored. Slots
   * scoring below {@code threshold} (null: none) are left out.
   */
  public List<TopK.Hit> search(SparseVector query, int k, Float threshold, IntPredicate accept) {
    RequestScope scope = RequestScope.current();
    List<PostingCursor> found = new ArrayList<>(query.size());
    Layers l = layers; // one snapshot: sealed and heap lists never hold the same slot
    Map<Integer, HeapPostings> heap = l.lists();
    SealedPostings sealedLists = l.sealed();
    int maxSlot = -1;
    for (int i = 0; i < query.size(); i++) {
      int d = query.indices()[i];
      float q = query.values()[i];
      if (q == 0) {
        continue;
      }
      PostingCursor older = sealedLists == null ? null : sealedLists.cursor(d, q);
      if (older != null) {
        maxSlot = Math.max(maxSlot, older.lastSlot());
        found.add(older);
      }
      HeapPostings p = heap.get(d);
      PostingCursor c = p == null ? null : p.cursor(q);
      if (c != null) {
        maxSlot = Math.max(maxSlot, c.lastSlot());
        found.add(c);
      }
    }
    PostingCursor[] cursors = found.toArray(new PostingCursor[0]);
    int t = cursors.length;
    PostingCursor[] order = cursors.clone(); // the window's lists, smallest bound first
    float[] prefix = new float[t]; // prefix[i]: what order[0..i] can add at most in the window
    TopK top = new TopK(k);
    float floor = threshold == null ? Float.NEGATIVE_INFINITY : threshold;
    float theta = floor; // a slot below this cannot be returned
    long reads = 0;
    int denseCount = 0;
    int wholeCount = 0;
    Scratch scratch = takeScratch(); // left zeroed by every search
    float[] partial = scratch.partial;
    long[] seen = scratch.seen;
    int[] cands = scratch.cands;
    try {
      for (long start = 0; start <= maxSlot; start += WINDOW) {
        scope.tick();
        int window = (int) (start >>> WINDOW_SHIFT);
        int from = (int) start;
        int end = (int) Math.min(start + WINDOW, (long) maxSlot + 1);
        int length = end - from;
        for (PostingCursor c : cursors) {
          c.windowBound(window);
        }
        // insertion sort of the previous window's order: a few dozen lists, mostly in order
        for (int i = 1; i < t; i++) {
          PostingCursor c = order[i];
          float bound = c.windowBound;
          int j = i - 1;
          while (j >= 0 && order[j].windowBound > bound) {
            order[j + 1] = order[j];
            j--;
          }
          order[j + 1] = c;
        }
        float sum = 0;
        for (int i = 0; i < t; i++) {
          sum += order[i].windowBound;
          prefix[i] = sum;
        }
        int essential = 0; // order[essential..] are read whole; those before only probed
        while (essential < t && prefix[essential] < theta) {
          essential++;
        }
        if (essential == t) { // nothing in this window can reach the k-th score: skip it
          for (PostingCursor c : cursors) {
            reads += c.advance(end);
          }
          continue;
        }
        // a slot the essential lists give less than this cannot reach the k-th score
        float need = lowered(theta - (essential == 0 ? 0 : prefix[essential - 1]));
        float expected = 0;
        boolean positive = true;
        for (int i = essential; i < t; i++) {
          expected += order[i].density;
          positive &= order[i].positive;
        }
        if (!(need > 0) && positive) { // every slot touched scores above zero, and is a candidate
          need = Float.MIN_VALUE;
        }
        // dense: the candidates are the slots holding at least need (> 0), found by a vector
        // compare; otherwise the touched slots are marked, and those marks find them
        boolean dense = need > 0 && expected * DENSE >= 1;
        long[] marks = dense ? null : seen;
        for (int i = essential; i < t; i++) {
          reads += read(order[i], from, end, partial, marks);
        }
        int m =
            dense
                ? VectorMath.atLeast(partial, length, need, cands)
                : marked(seen, partial, need, cands);
        // the other lists one at a time, largest bound first, each dropping the candidates that
        // can no longer reach the k-th score
        // (lists read whole one after another are filtered once, after the last of them)
        float unfiltered = Float.NaN; // the bound the lists read whole since the last filter leave
        for (int i = essential - 1; i >= 0 && m > 0; i--) {
          PostingCursor c = order[i];
          float keep = lowered(theta - (i == 0 ? 0 : prefix[i - 1]));
          if (c.density * length <= READ_WHOLE * m) {
            reads += read(c, from, end, partial, marks);
            wholeCount++;
            unfiltered = keep;
            continue;
          }
          if (!Float.isNaN(unfiltered)) {
            m = atLeast(cands, m, partial, unfiltered);
            unfiltered = Float.NaN;
          }
          if (m > 0) {
            m = c.addTo(from, cands, m, partial, keep);
          }
        }
        if (!Float.isNaN(unfiltered)) {
          m = atLeast(cands, m, partial, unfiltered);
        }
        for (int j = 0; j < m; j++) {
          int slot = from + cands[j];
          float score = partial[cands[j]];
          if (score >= theta && accept.test(slot) && top.offer(slot, score) && top.full()) {
            theta = Math.max(floor, top.worst());
          }
        }
        if (dense) {
          denseCount++;
          Arrays.fill(partial, 0, length, 0f);
        } else {
          clearMarked(seen, partial);
        }
      }
    } catch (RuntimeException | Error e) { // a request stopped mid-window: leave the buffers zeroed
      Arrays.fill(partial, 0f);
      Arrays.fill(seen, 0L);
      throw e;
    } finally {
      giveBack(scratch);
    }
    for (PostingCursor c : cursors) {
      reads += c.probed;
    }
    read.add(reads);
    denseWindows.add(denseCount);
    readWhole.add(wholeCount);
    return top.bestFirst();
  }

  /**
   * {@code x} lowered by more than the rounding of a sum of float scores, so that a slot whose
   * score is computed in another order than its bound is never dropped for the difference.
   */
  private static float lowered(float x) {
    return Float.isInfinite(x) ? x : x - (Math.abs(x) * 1e-5f + Float.MIN_NORMAL);
  }

  /** Reads {@code c}'s entries in {@code [from, end)} into {@code partial} (and {@code marks}). */
  private static int read(PostingCursor c, int from, int end, float[] partial, long[] marks) {
    int reads = 0;
    if (c.before(from)) { // only probed in earlier windows
      reads += c.advance(from);
    }
    return reads + c.accumulate(from, end, partial, marks);
  }

  /** The marked slots holding at least {@code need}, ascending, into {@code out}; their count. */
  private static int marked(long[] seen, float[] partial, float need, int[] out) {
    int m = 0;
    for (int w = 0; w < seen.length; w++) {
      long bits = seen[w];
      while (bits != 0) {
        int s = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        if (partial[s] >= need) {
          out[m++] = s;
        }
      }
    }
    return m;
  }

  /** Keeps, in place and in order, the candidates scoring at least {@code keep}; their count. */
  private static int atLeast(int[] cands, int m, float[] partial, float keep) {
    int kept = 0;
    for (int j = 0; j < m; j++) {
      int slot = cands[j];
      cands[kept] = slot; // written whatever the test says: no branch to mispredict
      kept += partial[slot] >= keep ? 1 : 0;
    }
    return kept;
  }

  /** Zeroes the marked slots' scores and the marks. */
  private static void clearMarked(long[] seen, float[] partial) {
    for (int w = 0; w < seen.length; w++) {
      long bits = seen[w];
      seen[w] = 0;
      while (bits != 0) {
        partial[(w << 6) + Long.numberOfTrailingZeros(bits)] = 0;
        bits &= bits - 1;
      }
    }
  }

  /** Scores every slot of {@code candidates} that {@code accept} takes, one by one. */
  public static List<TopK.Hit> scan(
      SparseVector query,
      int k,
      Float threshold,
      int[] candidates,
      SlotTable<SparseVector> vectors,
      IntPredicate accept) {
    RequestScope scope = RequestScope.current();
    TopK top = new TopK(k);
    for (int slot : candidates) {
      scope.tick();
      SparseVector v = vectors.get(slot);
      if (v == null) {
        continue;
      }
      float s = query.dot(v);
      if (Float.isNaN(s) || (threshold != null && s < threshold) || !accept.test(slot)) {
        continue;
      }
      top.offer(slot, s);
    }
    return top.bestFirst();
  }
}
