package dev.quiver.storage.internal.payload;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.files.ChunkFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One generation of an on-disk payload index: every term in key order ({@link TermKeys}), each with
 * its points in id order, in one memory-mapped file ({@code postings-NNNNN.qpi}). Layout after the
 * shared 64-byte versioned header (magic {@code QPIX}): the term, posting and key-byte counts
 * (three longs); a table of {@code terms + 1} pairs (key offset, first posting) whose last pair
 * closes the previous one; the keys; the postings, {@value TermKeys#ID_BYTES} bytes each.
 *
 * <p>Written once by {@link #merge} and never changed, so reads need no lock; the mapping lives in
 * an automatic arena, so a reader still holding an older generation keeps its file readable after
 * it is deleted. Immutable, so thread-safe.
 */
final class SealedTerms {
  static final int MAGIC = 0x51504958; // "QPIX"
  static final int VERSION = 1;

  private static final long META = ChunkFiles.HEADER;
  private static final long TABLE = META + 24;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

  private final MemorySegment segment;
  private final int terms;
  private final long keys;
  private final long postings;

  private SealedTerms(MemorySegment segment) {
    this.segment = segment;
    this.terms = (int) segment.get(LONG, META);
    this.keys = TABLE + 16L * (terms + 1);
    this.postings = keys + segment.get(LONG, META + 16);
  }

  /** How many terms. */
  int terms() {
    return terms;
  }

  /** How many postings in all. */
  long size() {
    return start(terms);
  }

  /** The first posting of term {@code t} ({@code t == terms()}: the end of the last). */
  long start(int t) {
    return segment.get(LONG, TABLE + 16L * t + 8);
  }

  private long keyAt(int t) {
    return segment.get(LONG, TABLE + 16L * t);
  }

  /** Term {@code t}'s key. */
  byte[] key(int t) {
    long from = keyAt(t);
    return segment.asSlice(keys + from, keyAt(t + 1) - from).toArray(ValueLayout.JAVA_BYTE);
  }

  /** Compares term {@code t}'s key with {@code key}, unsigned bytes. */
  private int compareKey(int t, byte[] key) {
    long from = keys + keyAt(t);
    long length = keys + keyAt(t + 1) - from;
    MemorySegment other = MemorySegment.ofArray(key);
    long at = MemorySegment.mismatch(segment, from, from + length, other, 0, key.length);
    if (at < 0) {
      return 0;
    }
    if (at == length || at == key.length) {
      return Long.compare(length, key.length);
    }
    return Integer.compare(
        segment.get(ValueLayout.JAVA_BYTE, from + at) & 0xFF, key[(int) at] & 0xFF);
  }

  /** The first term whose key is at least {@code key} ({@link #terms()} when none). */
  int lowerBound(byte[] key) {
    int lo = 0;
    int hi = terms;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compareKey(mid, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first term whose key is above {@code key} ({@link #terms()} when none). */
  int upperBound(byte[] key) {
    int t = lowerBound(key);
    return t < terms && compareKey(t, key) == 0 ? t + 1 : t;
  }

  /** Term {@code key}'s index, or -1. */
  int find(byte[] key) {
    int t = lowerBound(key);
    return t < terms && compareKey(t, key) == 0 ? t : -1;
  }

  private long entry(long i) {
    return postings + i * TermKeys.ID_BYTES;
  }

  byte kind(long i) {
    return segment.get(ValueLayout.JAVA_BYTE, entry(i));
  }

  long high(long i) {
    return segment.get(LONG, entry(i) + 1);
  }

  long low(long i) {
    return segment.get(LONG, entry(i) + 9);
  }

  /** Posting {@code i}'s point. */
  PointId id(long i) {
    return TermKeys.id(kind(i), high(i), low(i));
  }

  /** Whether {@code id} is among postings {@code [from, to)}, which are in id order. */
  boolean contains(long from, long to, PointId id) {
    byte kind = TermKeys.kind(id);
    long high = TermKeys.high(id);
    long low = TermKeys.low(id);
    long lo = from;
    long hi = to - 1;
    while (lo <= hi) {
      long mid = (lo + hi) >>> 1;
      int c = TermKeys.compare(kind(mid), high(mid), low(mid), kind, high, low);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return true;
      }
    }
    return false;
  }

  /** A term of the heap's changes: its key and its points in id order. */
  record Fresh(byte[] key, PointId[] ids) {}

  /** Receives a merged index in order: a term, then its postings. */
  private interface Sink {
    void term(byte[] key);

    void posting(byte kind, long high, long low);
  }

  /**
   * Writes {@code file}: the terms and postings of {@code old} (null: none) but those of points in
   * {@code dead}, merged with {@code fresh} (keys ascending), a term left without postings dropped
   * and a point in both kept once.
   */
  static SealedTerms merge(SealedTerms old, Set<PointId> dead, List<Fresh> fresh, Path file)
      throws IOException {
    long[] counts = new long[3]; // terms, postings, key bytes
    merge(
        old,
        dead,
        fresh,
        new Sink() {
          @Override
          public void term(byte[] key) {
            counts[0]++;
            counts[2] += key.length;
          }

          @Override
          public void posting(byte kind, long high, long low) {
            counts[1]++;
          }
        });
    long keyBase = TABLE + 16 * (counts[0] + 1);
    long postingBase = keyBase + counts[2];
    long size = postingBase + counts[1] * TermKeys.ID_BYTES;
    MemorySegment out =
        ChunkFiles.create(file, MAGIC, VERSION, 0, 0, Math.max(size, TABLE), Arena.ofAuto());
    out.set(LONG, META, counts[0]);
    out.set(LONG, META + 8, counts[1]);
    out.set(LONG, META + 16, counts[2]);
    long[] at = new long[3]; // terms, postings, key bytes written
    merge(
        old,
        dead,
        fresh,
        new Sink() {
          @Override
          public void term(byte[] key) {
            out.set(LONG, TABLE + 16 * at[0], at[2]);
            out.set(LONG, TABLE + 16 * at[0] + 8, at[1]);
            MemorySegment.copy(key, 0, out, ValueLayout.JAVA_BYTE, keyBase + at[2], key.length);
            at[0]++;
            at[2] += key.length;
          }

          @Override
          public void posting(byte kind, long high, long low) {
            long e = postingBase + at[1] * TermKeys.ID_BYTES;
            out.set(ValueLayout.JAVA_BYTE, e, kind);
            out.set(LONG, e + 1, high);
            out.set(LONG, e + 9, low);
            at[1]++;
          }
        });
    out.set(LONG, TABLE + 16 * at[0], at[2]);
    out.set(LONG, TABLE + 16 * at[0] + 8, at[1]);
    return new SealedTerms(out);
  }

  private static void merge(SealedTerms old, Set<PointId> dead, List<Fresh> fresh, Sink sink) {
    int oldTerms = old == null ? 0 : old.terms;
    int t = 0;
    int f = 0;
    while (t < oldTerms || f < fresh.size()) {
      int c;
      if (t == oldTerms) {
        c = 1;
      } else if (f == fresh.size()) {
        c = -1;
      } else {
        c = old.compareKey(t, fresh.get(f).key());
      }
      byte[] key = c <= 0 ? old.key(t) : fresh.get(f).key();
      long from = c <= 0 ? old.start(t) : 0;
      long to = c <= 0 ? old.start(t + 1) : 0;
      PointId[] ids = c >= 0 ? fresh.get(f).ids() : new PointId[0];
      mergeTerm(old, from, to, dead, ids, key, sink);
      if (c <= 0) {
        t++;
      }
      if (c >= 0) {
        f++;
      }
    }
  }

  /** One term's postings: the live old ones and the fresh ones, in id order, the term first. */
  private static void mergeTerm(
      SealedTerms old,
      long from,
      long to,
      Set<PointId> dead,
      PointId[] ids,
      byte[] key,
      Sink sink) {
    boolean named = false;
    long i = from;
    int j = 0;
    while (i < to || j < ids.length) {
      byte kind;
      long high;
      long low;
      int c;
      if (i == to) {
        c = 1;
      } else if (j == ids.length) {
        c = -1;
      } else {
        PointId p = ids[j];
        c =
            TermKeys.compare(
                old.kind(i),
                old.high(i),
                old.low(i),
                TermKeys.kind(p),
                TermKeys.high(p),
                TermKeys.low(p));
      }
      if (c < 0) {
        kind = old.kind(i);
        high = old.high(i);
        low = old.low(i);
        i++;
        if (!dead.isEmpty() && dead.contains(TermKeys.id(kind, high, low))) {
          continue;
        }
      } else {
        PointId p = ids[j];
        kind = TermKeys.kind(p);
        high = TermKeys.high(p);
        low = TermKeys.low(p);
        j++;
        if (c == 0) {
          i++; // the same point in both: once
        }
      }
      if (!named) {
        sink.term(key);
        named = true;
      }
      sink.posting(kind, high, low);
    }
  }

  @Override
  public String toString() {
    return "SealedTerms[" + terms + " terms, " + size() + " postings]";
  }
}
