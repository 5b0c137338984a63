package dev.quiver.storage.internal.payload;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.payload.PayloadIndexes.Candidates;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Postings on the heap: a concurrent set of points per term, the terms hashed or, when ranges or
 * prefixes are asked of them, ordered. Thread-safety as {@link TermPostings} states.
 */
final class HeapTermPostings implements TermPostings {
  private final Map<Object, Set<PointId>> map;
  private long postings; // written by the one writer

  /** Postings whose terms are kept in order ({@code ordered}: numbers or strings) or hashed. */
  HeapTermPostings(boolean ordered) {
    this.map = ordered ? new ConcurrentSkipListMap<>() : new ConcurrentHashMap<>();
  }

  @Override
  public void add(PointId id, Set<Object> terms) {
    for (Object term : terms) {
      if (map.computeIfAbsent(term, t -> new PointIdSet()).add(id)) {
        postings++;
      }
    }
  }

  @Override
  public void remove(PointId id, Set<Object> terms) {
    for (Object term : terms) {
      Set<PointId> set = map.get(term);
      if (set != null && set.remove(id)) {
        postings--;
        if (set.isEmpty()) {
          map.remove(term, set);
        }
      }
    }
  }

  @Override
  public Candidates get(Object term) {
    return posted(map.get(term));
  }

  @Override
  @SuppressWarnings("unchecked")
  public Candidates between(Double lo, boolean loIn, Double hi, boolean hiIn) {
    NavigableMap<Double, Set<PointId>> sub = (NavigableMap<Double, Set<PointId>>) (Map<?, ?>) map;
    if (lo != null) {
      sub = sub.tailMap(lo, loIn);
    }
    if (hi != null) {
      sub = sub.headMap(hi, hiIn);
    }
    List<Candidates> parts = new ArrayList<>();
    for (Set<PointId> set : sub.values()) {
      parts.add(posted(set));
    }
    return PayloadIndexes.union(parts);
  }

  @Override
  @SuppressWarnings("unchecked")
  public Candidates prefixed(String prefix) {
    NavigableMap<String, Set<PointId>> sorted =
        (NavigableMap<String, Set<PointId>>) (Map<?, ?>) map;
    List<Candidates> parts = new ArrayList<>();
    for (var e : sorted.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      parts.add(posted(e.getValue()));
    }
    return PayloadIndexes.union(parts);
  }

  @Override
  public void seal() {
    // they live on the heap
  }

  @Override
  public long heapPostings() {
    return postings;
  }

  @Override
  public void drop() {
    // nothing to give back but memory: a lookup still running keeps reading the sets
  }

  /** Every term with its points, for writing them to disk. */
  Map<Object, Set<PointId>> terms() {
    return map;
  }

  private static Candidates posted(Set<PointId> set) {
    return PayloadIndexes.fixed(set == null ? Set.of() : Collections.unmodifiableSet(set));
  }
}
