package dev.quiver.storage.internal.payload;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PayloadValues;
import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.Value;
import dev.quiver.storage.internal.files.Archives;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Consumer;

/**
 * The payload indexes of one shard, by field: {@code keyword}, {@code uuid} and {@code bool} as
 * value → points maps; {@code integer}, {@code float} and {@code datetime} as ordered maps (range
 * queries, and exact matches for integers); {@code geo} ordered by latitude; {@code text} as an
 * inverted index of tokens. Each index's postings live on the heap, or with {@code on_disk: true}
 * in memory-mapped files with only their recent changes on the heap ({@link MappedTermPostings});
 * either way they are built again from the points when a shard opens.
 *
 * <p>They only narrow: {@link #candidates} returns a superset of the points that pass a filter,
 * which the caller still tests point by point; so a condition an index cannot answer exactly simply
 * does not narrow. One writer at a time (the shard's write lock); readers run concurrently.
 */
public final class PayloadIndexes {
  private volatile Map<String, FieldIndex> fields = Map.of();

  /** Where indexes asked to be {@code on_disk} keep their files; null: every index on the heap. */
  private final Path dir;

  private final int mergeAfter;
  private int made; // the indexes made so far: each on-disk index has a directory of its own

  /** Indexes on the heap only (an {@code on_disk} index too). */
  public PayloadIndexes() {
    this(null, MappedTermPostings.MERGE_AFTER);
  }

  /**
   * Indexes whose {@code on_disk} ones keep their files under {@code dir} (emptied of what an
   * earlier run left: the indexes are built again from the payloads).
   */
  public PayloadIndexes(Path dir) {
    this(dir, MappedTermPostings.MERGE_AFTER);
  }

  /** As above, an on-disk index merging its changes into its file after {@code mergeAfter}. */
  PayloadIndexes(Path dir, int mergeAfter) {
    this.dir = dir;
    this.mergeAfter = mergeAfter;
    if (dir != null) {
      try {
        Archives.deleteRecursively(dir);
      } catch (IOException e) {
        throw new StorageException.Io(
            "cannot clear the payload indexes in " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  /** Whether any field is indexed. */
  public boolean isEmpty() {
    return fields.isEmpty();
  }

  /**
   * Makes the indexed fields exactly {@code specs}: new or changed fields are built from {@code
   * all} points, removed ones dropped.
   */
  public void define(
      SortedMap<String, PayloadIndexSpec> specs, Iterable<Map.Entry<PointId, Value.Struct>> all) {
    Map<String, FieldIndex> next = new HashMap<>();
    for (var e : specs.entrySet()) {
      FieldIndex current = fields.get(e.getKey());
      if (current != null && current.spec.equals(e.getValue())) {
        next.put(e.getKey(), current);
        continue;
      }
      FieldIndex built = make(e.getKey(), e.getValue());
      for (var p : all) {
        built.add(p.getKey(), p.getValue());
      }
      built.postings.seal(); // an on-disk index starts on disk, whatever its size
      next.put(e.getKey(), built);
    }
    Map<String, FieldIndex> before = fields;
    fields = Map.copyOf(next);
    before.forEach(
        (k, f) -> {
          if (next.get(k) != f) {
            f.postings.drop();
          }
        });
  }

  /** The index {@code spec} asks for on {@code key}, its postings where it asks them to be. */
  private FieldIndex make(String key, PayloadIndexSpec spec) {
    boolean ordered =
        switch (spec.dataType()) {
          case "integer", "float", "datetime", "geo", "text" -> true;
          case "keyword" -> flag(spec, "prefix", false); // prefix matches read a range of words
          default -> false;
        };
    TermPostings postings =
        dir != null && onDisk(spec)
            ? new MappedTermPostings(dir.resolve(String.valueOf(made++)), ordered, mergeAfter)
            : new HeapTermPostings(ordered);
    return switch (spec.dataType()) {
      case "integer", "float", "datetime" -> new NumericIndex(key, spec, postings);
      case "geo" -> new GeoIndex(key, spec, postings);
      case "text" -> new TextIndex(key, spec, postings);
      default -> new ValueIndex(key, spec, postings); // keyword, uuid, bool
    };
  }

  /**
   * Whether an index asks for its postings on disk: {@code memory} {@code cold} or {@code cached}
   * ({@code pinned}: on the heap), else {@code on_disk: true}, as Qdrant reads the two.
   */
  static boolean onDisk(PayloadIndexSpec spec) {
    if (spec.params() != null && spec.params().fields().get("memory") instanceof Value.Str m) {
      return !m.value().equals("pinned");
    }
    return flag(spec, "on_disk", false);
  }

  /** An index's boolean option {@code name}, {@code absent} when not set. */
  static boolean flag(PayloadIndexSpec spec, String name, boolean absent) {
    return spec.params() != null && spec.params().fields().get(name) instanceof Value.Bool b
        ? b.value()
        : absent;
  }

  /** How many postings the indexes hold on the heap. */
  public long heapPostings() {
    long n = 0;
    for (FieldIndex f : fields.values()) {
      n += f.postings.heapPostings();
    }
    return n;
  }

  /** Keeps the indexes current when a point's payload changes (null: no point). */
  public void update(PointId id, Value.Struct old, Value.Struct now) {
    if (old == now) {
      return;
    }
    for (FieldIndex f : fields.values()) {
      if (old != null) {
        f.remove(id, old);
      }
      if (now != null) {
        f.add(id, now);
      }
    }
  }

  /** The fields with a full-text index and their analysis: text matches on them go by tokens. */
  public Map<String, TextAnalyzer> textFields() {
    Map<String, TextAnalyzer> out = new HashMap<>();
    fields.forEach(
        (k, f) -> {
          if (f instanceof TextIndex t) {
            out.put(k, t.analyzer);
          }
        });
    return Map.copyOf(out);
  }

  /** A narrowed candidate set: how many at most, and the ids when asked for. */
  public interface Candidates {
    long estimate();

    Set<PointId> ids();

    /**
     * Whether {@code id} is a candidate: a membership test that copies nothing, for a graph walk
     * that asks it of each node it visits.
     */
    default boolean contains(PointId id) {
      return ids().contains(id);
    }

    /** Passes each candidate to {@code action}, some maybe more than once, copying nothing. */
    default void forEach(Consumer<PointId> action) {
      ids().forEach(action);
    }

    /** True when the candidates are exactly the points that pass (no test needed). */
    default boolean exact() {
      return false;
    }
  }

  /** The same candidates, known to be exactly the points that pass. */
  static Candidates exact(Candidates c) {
    return new Candidates() {
      @Override
      public long estimate() {
        return c.estimate();
      }

      @Override
      public Set<PointId> ids() {
        return c.ids();
      }

      @Override
      public boolean contains(PointId id) {
        return c.contains(id);
      }

      @Override
      public void forEach(Consumer<PointId> action) {
        c.forEach(action);
      }

      @Override
      public boolean exact() {
        return true;
      }
    };
  }

  /** The same candidates, to be tested point by point. */
  private static Candidates superset(Candidates c) {
    return c == null || !c.exact() ? c : union(List.of(c));
  }

  /**
   * A superset of the points that pass {@code f} from the indexes (the smallest a {@code must}
   * condition allows, or the union of {@code should} conditions when each is indexed), or null when
   * no index narrows the filter.
   */
  public Candidates candidates(Filter f) {
    Candidates best = null;
    for (Condition c : f.must()) {
      Candidates one = candidates(c);
      if (one != null && (best == null || one.estimate() < best.estimate())) {
        best = one;
      }
    }
    boolean alone = f.mustNot().isEmpty() && f.minShould() == null;
    if (best != null) {
      // exact only when that one condition is the whole filter
      return alone && f.must().size() == 1 && f.should().isEmpty() ? best : superset(best);
    }
    if (!f.should().isEmpty() && f.must().isEmpty()) {
      List<Candidates> any = new ArrayList<>();
      boolean exact = alone;
      for (Condition c : f.should()) {
        Candidates one = candidates(c);
        if (one == null) {
          return null; // one unindexed alternative can admit anything
        }
        exact &= one.exact();
        any.add(one);
      }
      return exact ? exact(union(any)) : union(any);
    }
    return null;
  }

  private Candidates candidates(Condition c) {
    return switch (c) {
      case Condition.Sub s -> candidates(s.filter());
      case Condition.HasId h -> exact(fixed(h.ids()));
      default -> {
        String key = key(c);
        FieldIndex index = key == null ? null : fields.get(key);
        yield index == null ? null : index.lookup(c);
      }
    };
  }

  private static String key(Condition c) {
    return switch (c) {
      case Condition.Match m -> m.key();
      case Condition.MatchAny m -> m.key();
      case Condition.MatchText m -> m.key();
      case Condition.MatchPrefix m -> m.key();
      case Condition.Range r -> r.key();
      case Condition.GeoBoundingBox g -> g.key();
      case Condition.GeoRadius g -> g.key();
      case Condition.GeoPolygon g -> g.key();
      default -> null;
    };
  }

  static Candidates fixed(Set<PointId> ids) {
    return new Candidates() {
      @Override
      public long estimate() {
        return ids.size();
      }

      @Override
      public Set<PointId> ids() {
        return ids;
      }
    };
  }

  /** Parts a union tests one by one for membership; past this it copies them into one set. */
  private static final int PARTS_TESTED = 8;

  /**
   * The union of several posting sets, counted without copying until asked for. Membership tests
   * ask each part while there are few, else the union copied once (a range over many values). Not
   * thread-safe: one request's.
   */
  static Candidates union(List<? extends Candidates> parts) {
    return new Candidates() {
      private Set<PointId> copied;

      @Override
      public void forEach(Consumer<PointId> action) {
        parts.forEach(p -> p.forEach(action));
      }

      @Override
      public boolean contains(PointId id) {
        if (parts.size() <= PARTS_TESTED) {
          for (Candidates p : parts) {
            if (p.contains(id)) {
              return true;
            }
          }
          return false;
        }
        if (copied == null) {
          copied = ids();
        }
        return copied.contains(id);
      }

      @Override
      public long estimate() {
        long n = 0;
        for (Candidates p : parts) {
          n += p.estimate();
        }
        return n;
      }

      @Override
      public Set<PointId> ids() {
        if (parts.size() == 1) {
          return parts.getFirst().ids();
        }
        Set<PointId> out = new HashSet<>();
        parts.forEach(p -> out.addAll(p.ids()));
        return out;
      }
    };
  }

  /** One field's index: the terms of its values, and their postings. */
  private abstract static class FieldIndex {
    final String key;
    final PayloadIndexSpec spec;
    final TermPostings postings;

    FieldIndex(String key, PayloadIndexSpec spec, TermPostings postings) {
      this.key = key;
      this.spec = spec;
      this.postings = postings;
    }

    void add(PointId id, Value.Struct payload) {
      postings.add(id, terms(payload));
    }

    void remove(PointId id, Value.Struct payload) {
      postings.remove(id, terms(payload));
    }

    private Set<Object> terms(Value.Struct payload) {
      Set<Object> out = new HashSet<>();
      for (Value v : PayloadValues.values(payload, key)) {
        term(v, out);
      }
      return out;
    }

    /** The index terms of one value (none when it is not of the indexed type). */
    abstract void term(Value v, Set<Object> out);

    /** The candidates of a condition on this field, or null when this index cannot narrow it. */
    abstract Candidates lookup(Condition c);
  }

  /** keyword, uuid, bool: exact values. */
  private static final class ValueIndex extends FieldIndex {
    /** Whether a keyword index answers prefix matches ({@code prefix: true}). */
    private final boolean prefixes;

    ValueIndex(String key, PayloadIndexSpec spec, TermPostings postings) {
      super(key, spec, postings);
      this.prefixes = spec.dataType().equals("keyword") && flag(spec, "prefix", false);
    }

    @Override
    void term(Value v, Set<Object> out) {
      Object t = normal(v);
      if (t != null) {
        out.add(t);
      }
    }

    /** Keyword and bool terms are the values a match compares; uuids are folded to lower case. */
    private Candidates exactUnlessUuid(Candidates c) {
      return spec.dataType().equals("uuid") ? c : exact(c);
    }

    /** A value's term: strings in keyword and uuid indexes, booleans in bool ones. */
    private Object normal(Value v) {
      boolean bool = spec.dataType().equals("bool");
      return switch (v) {
        case Value.Str s when !bool ->
            spec.dataType().equals("uuid") ? s.value().toLowerCase(Locale.ROOT) : s.value();
        case Value.Bool b when bool -> b.value();
        default -> null;
      };
    }

    @Override
    Candidates lookup(Condition c) {
      return switch (c) {
        case Condition.Match m -> {
          Object t = normal(m.value());
          yield t == null ? null : exactUnlessUuid(postings.get(t)); // another type: no
        }
        case Condition.MatchAny m -> {
          List<Candidates> parts = new ArrayList<>();
          for (Value v : m.values()) {
            Object t = normal(v);
            if (t == null) {
              yield null;
            }
            parts.add(postings.get(t));
          }
          yield exactUnlessUuid(union(parts));
        }
        case Condition.MatchPrefix m when prefixes -> exact(postings.prefixed(m.prefix()));
        default -> null;
      };
    }
  }

  /** integer, float, datetime (epoch milliseconds): ordered, for ranges and integer matches. */
  private static final class NumericIndex extends FieldIndex {
    private final boolean datetime;

    /**
     * Whether matches and ranges are answered (an integer index's {@code lookup}, {@code range}).
     */
    private final boolean lookups;

    private final boolean ranges;

    NumericIndex(String key, PayloadIndexSpec spec, TermPostings postings) {
      super(key, spec, postings);
      this.datetime = spec.dataType().equals("datetime");
      this.lookups = flag(spec, "lookup", true);
      this.ranges = flag(spec, "range", true);
    }

    @Override
    void term(Value v, Set<Object> out) {
      Double x = number(v);
      if (x != null) {
        out.add(x);
      }
    }

    private Double number(Value v) {
      if (datetime) {
        return v instanceof Value.Str s ? PayloadValues.epochMillis(s.value()) : null;
      }
      // integers and floats alike, whatever the index type: a range test reads both
      return switch (v) {
        case Value.Int i -> (double) i.value();
        case Value.Double d -> d.value();
        default -> null;
      };
    }

    @Override
    Candidates lookup(Condition c) {
      return switch (c) {
        // the terms are the numbers a range or match test reads, by the same rules: exact
        case Condition.Range r when ranges && r.datetime() == datetime -> exact(range(r));
        case Condition.Match m when lookups && !datetime -> {
          Double x = number(m.value());
          yield x == null ? null : exact(postings.get(x));
        }
        case Condition.MatchAny m when lookups && !datetime -> {
          List<Candidates> parts = new ArrayList<>();
          for (Value v : m.values()) {
            Double x = number(v);
            if (x == null) {
              yield null;
            }
            parts.add(postings.get(x));
          }
          yield exact(union(parts));
        }
        default -> null;
      };
    }

    private Candidates range(Condition.Range r) {
      Double low = r.gte() != null ? r.gte() : r.gt();
      boolean lowIn = r.gte() != null;
      if (r.gte() != null && r.gt() != null) {
        low = Math.max(r.gte(), r.gt());
        lowIn = r.gte() > r.gt();
      }
      Double high = r.lte() != null ? r.lte() : r.lt();
      boolean highIn = r.lte() != null;
      if (r.lte() != null && r.lt() != null) {
        high = Math.min(r.lte(), r.lt());
        highIn = r.lte() < r.lt();
      }
      if (low != null && high != null && (low > high || (low.equals(high) && !(lowIn && highIn)))) {
        return fixed(Set.of());
      }
      return postings.between(low, lowIn, high, highIn);
    }
  }

  /** geo: points ordered by latitude; a shape narrows to its latitude band. */
  private static final class GeoIndex extends FieldIndex {
    private static final double METERS_PER_DEGREE = 111_195.0;

    GeoIndex(String key, PayloadIndexSpec spec, TermPostings postings) {
      super(key, spec, postings);
    }

    @Override
    void term(Value v, Set<Object> out) {
      if (v instanceof Value.Struct s && s.fields().get("lat") instanceof Value lat) {
        Double x =
            lat instanceof Value.Int i
                ? Double.valueOf(i.value())
                : lat instanceof Value.Double d ? d.value() : null;
        if (x != null) {
          out.add(x);
        }
      }
    }

    @Override
    Candidates lookup(Condition c) {
      return switch (c) {
        case Condition.GeoBoundingBox b -> band(b.bottomRightLat(), b.topLeftLat());
        case Condition.GeoRadius g -> {
          double d = g.radiusMeters() / METERS_PER_DEGREE * 1.01 + 1e-9;
          yield band(g.lat() - d, g.lat() + d);
        }
        case Condition.GeoPolygon g -> {
          double lo = Double.POSITIVE_INFINITY;
          double hi = Double.NEGATIVE_INFINITY;
          for (double[] p : g.exterior()) {
            lo = Math.min(lo, p[0]);
            hi = Math.max(hi, p[0]);
          }
          yield band(lo, hi);
        }
        default -> null;
      };
    }

    private Candidates band(double lo, double hi) {
      return lo > hi ? fixed(Set.of()) : postings.between(lo, true, hi, true);
    }
  }

  /**
   * text: an inverted index of the tokens its analysis makes, in order (so the {@code prefix}
   * tokenizer finds the words a query token starts by a range of keys); a text match narrows to the
   * points holding its rarest token (the rest is checked point by point), a text-any match to those
   * holding any of its tokens, exactly.
   */
  private static final class TextIndex extends FieldIndex {
    final TextAnalyzer analyzer;

    TextIndex(String key, PayloadIndexSpec spec, TermPostings postings) {
      super(key, spec, postings);
      this.analyzer = TextAnalyzer.of(spec.params());
    }

    @Override
    void term(Value v, Set<Object> out) {
      if (v instanceof Value.Str s) {
        out.addAll(analyzer.documentTokens(s.value()));
      }
    }

    /** The points holding a token the query token finds (a prefix range, or the token). */
    private Candidates found(String queryToken) {
      return analyzer.tokenizer() == TextAnalyzer.Tokenizer.PREFIX
          ? postings.prefixed(queryToken)
          : postings.get(queryToken);
    }

    @Override
    Candidates lookup(Condition c) {
      if (!(c instanceof Condition.MatchText m)) {
        return null;
      }
      List<String> tokens = analyzer.queryTokens(m.text());
      if (tokens.isEmpty()
          || (m.kind() == Condition.TextMatch.PHRASE && !analyzer.phraseMatching())) {
        return exact(fixed(Set.of()));
      }
      if (m.kind() == Condition.TextMatch.ANY) {
        List<Candidates> parts = new ArrayList<>();
        new LinkedHashSet<>(tokens).forEach(t -> parts.add(found(t)));
        return exact(union(parts));
      }
      Candidates best = null;
      for (String t : tokens) {
        Candidates one = found(t);
        if (best == null || one.estimate() < best.estimate()) {
          best = one;
        }
      }
      return best;
    }
  }
}
