package dev.quiver.storage.internal.shard;

import dev.quiver.storage.AcornParams;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.hnsw.Candidates;
import dev.quiver.storage.internal.payload.PayloadIndexes;
import dev.quiver.storage.internal.space.HeapSpace;
import dev.quiver.storage.internal.space.MultiSpace;
import dev.quiver.storage.internal.space.Rows;
import dev.quiver.storage.internal.space.SparseSpace;
import dev.quiver.storage.internal.space.VectorSpace;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotTable;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.storage.internal.vector.VectorMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * The read side of a {@link LocalShard}: searches (dense by graph or scan, sparse by inverted index
 * or scan, multivectors by MaxSim), retrieval by id, counts and scroll pages, each planned from the
 * payload indexes, the filter and the space's size. Reads run lock-free over the shard's concurrent
 * maps and hold an epoch while they look at vector slots, so that no slot they see is used again
 * meanwhile; a point written during a search is tested against the filter again. Thread-safe.
 */
public final class ShardSearch {
  private final LocalShard shard;

  ShardSearch(LocalShard shard) {
    this.shard = shard;
  }

  List<ScoredPoint> search(SearchRequest request) {
    int token = shard.epochs.enter();
    try {
      return searchHeld(request);
    } finally {
      shard.epochs.exit(token);
    }
  }

  private List<ScoredPoint> searchHeld(SearchRequest request) {
    if (request.sparseVector() != null) {
      return searchSparse(request);
    }
    VectorParams params = VectorChecks.params(shard.config, request.vectorName());
    if (params.multivector()) {
      return searchMulti(request, params);
    }
    if (request.vector().length != params.size()) {
      throw VectorChecks.dimensionError(params.size(), request.vector().length);
    }
    VectorSpace space = shard.spaces.get(request.vectorName());
    Distance distance = params.distance();
    float[] query = request.vector();
    if (distance == Distance.COSINE) {
      query = query.clone();
      VectorMath.normalize(query);
    }
    // sized by the data, not by the request: limit + offset can reach 2^32 and no search can
    // return more vectors than the space has slots
    int keep =
        (int) Math.max(1, Math.min((long) request.limit() + request.offset(), space.slots()));
    Filter filter = request.filter();
    long asOf =
        shard.lastApplied; // shard.points written after this are tested against the filter again
    RequestScope scope = RequestScope.current();
    PayloadIndexes.Candidates narrowed =
        filter == null || shard.indexes.isEmpty() ? null : shard.indexes.candidates(filter);
    IntPredicate accept = accepting(space.owners, filter, narrowed, scope);
    // the share of slots the filter admits, sampled once for whichever decision asks first
    SampledShare share = new SampledShare(space.vectors.size(), space.owners, accept);
    Candidates found;
    String tenantField = null;
    Object tenant = null;
    Tenants tenants = shard.tenants;
    for (String field : tenants.fields()) {
      Object term = tenants.required(filter, field);
      if (term != null && space.tenantServes(field)) {
        tenantField = field;
        tenant = term;
        break;
      }
    }
    if (tenant != null
        && narrowed != null
        && !request.exact()
        && !space.scanIsCheaper((int) Math.min(narrowed.estimate(), Integer.MAX_VALUE))) {
      // one tenant, too many of its points to score them all: a walk of that tenant's links
      found =
          space.searchTenant(
              tenantField,
              tenant,
              query,
              ef(request, space, keep),
              keep,
              accept,
              request.quantization(),
              acorn(request, space, narrowed, share));
    } else if (narrowed != null
        && (request.exact()
            || !space.graphServes()
            || narrowed.estimate() * 10 <= space.live()
            || space.scanIsCheaper((int) Math.min(narrowed.estimate(), Integer.MAX_VALUE)))) {
      // the payload shard.indexes leave few shard.points: score just those
      int[] slots = slots(narrowed, request.vectorName(), narrowed.exact() ? null : filter);
      found =
          request.exact()
              ? space.scanSlots(query, keep, slots)
              : space.scanSlots(query, keep, slots, request.quantization());
    } else if (request.exact()
        || !space.graphServes()
        || keep >= space.live() // every point is wanted: a scan finds them all, and sooner
        || (narrowed == null && planExact(space, filter, share))) {
      // an exact search scores the full vectors; another scan scores the codes, if any
      found =
          request.exact()
              ? space.scan(query, keep, accept)
              : space.scan(query, keep, accept, request.quantization());
    } else {
      // with the slots appended but not yet in the graph; over the quantized codes if any
      found =
          space.search(
              query,
              ef(request, space, keep),
              keep,
              accept,
              request.quantization(),
              acorn(request, space, narrowed, share));
    }
    int[] ranked = found.bestFirstPositions();
    scope.charge(Math.min(request.limit(), ranked.length));
    List<ScoredPoint> out = new ArrayList<>(Math.min(request.limit(), ranked.length));
    int skipped = 0;
    // a slot being indexed is found by the graph walk and by the scan of pending slots alike
    Set<Integer> seen = new HashSet<>();
    for (int pos : ranked) {
      if (out.size() == request.limit()) {
        break;
      }
      int slot = found.node(pos);
      if (!seen.add(slot)) {
        continue;
      }
      PointId id = space.owners.get(slot);
      Stored s = id == null ? null : shard.points.get(id);
      if (s == null || s.slotOf(request.vectorName()) != slot) {
        continue; // deleted or replaced meanwhile
      }
      if (s.version() > asOf && filter != null && !shard.passes(filter, s)) {
        // its payload changed during the search: the candidate test saw the one before (its slot,
        // and so its vector and score, cannot have changed: slots wait for reads to end)
        continue;
      }
      float score = OffHeapVectors.score(distance, found.similarity(pos));
      if (request.scoreThreshold() != null && !distance.passes(score, request.scoreThreshold())) {
        break; // best first: nothing later passes either
      }
      if (skipped++ < request.offset()) {
        continue;
      }
      out.add(scored(s, score, request));
    }
    return out;
  }

  /**
   * Whether a filtered graph walk goes as ACORN-1 does: the request enables it and the filter's
   * selectivity is at most its bound, estimated (as Qdrant does) from the payload indexes'
   * candidates over the live points, or else from a sample of the slots.
   */
  private static boolean acorn(
      SearchRequest request,
      VectorSpace space,
      PayloadIndexes.Candidates narrowed,
      SampledShare share) {
    AcornParams acorn = request.acorn();
    if (acorn == null || request.filter() == null) {
      return false;
    }
    int live = Math.max(1, space.live());
    double selectivity =
        narrowed != null ? Math.min(1.0, (double) narrowed.estimate() / live) : share.get();
    return acorn.applies(selectivity);
  }

  /** A graph walk's {@code ef}: the request's (at most the slots), else {@code ef_construct}. */
  private static int ef(SearchRequest request, VectorSpace space, int keep) {
    return Math.max(
        keep,
        request.hnswEf() != null
            ? Math.min(request.hnswEf(), space.slots())
            : space.hnsw.efConstruct());
  }

  /** The slots a search may return: owned, by a point that passes {@code filter} (if any). */
  private IntPredicate accepting(SlotTable<PointId> owners, Filter filter, RequestScope scope) {
    return accepting(owners, filter, null, scope);
  }

  /**
   * Which slots a search may return: those of live points that pass {@code filter}. With the
   * payload indexes' {@code narrowed} candidates, a slot is first looked up among them (a set
   * membership test, where testing the filter reads the point's payload), and the filter is tested
   * only when they are a superset.
   */
  private IntPredicate accepting(
      SlotTable<PointId> owners,
      Filter filter,
      PayloadIndexes.Candidates narrowed,
      RequestScope scope) {
    if (filter == null) {
      return slot -> owners.get(slot) != null;
    }
    if (narrowed != null) {
      return slot -> {
        scope.tick();
        PointId id = owners.get(slot);
        if (id == null || !narrowed.contains(id)) {
          return false;
        }
        if (narrowed.exact()) {
          return true;
        }
        Stored s = shard.points.get(id);
        return s != null && shard.passes(filter, s);
      };
    }
    return slot -> {
      scope.tick();
      PointId id = owners.get(slot);
      Stored s = id == null ? null : shard.points.get(id);
      return s != null && shard.passes(filter, s);
    };
  }

  /** A search result for point {@code s}, with what the request wants returned. */
  private ScoredPoint scored(Stored s, float score, SearchRequest request) {
    return new ScoredPoint(
        s.id(),
        s.version(),
        score,
        request.withPayload().select(s.payload()),
        selectVectors(s, request.withVectors()),
        null,
        null,
        selectHeap(s, request.withVectors(), shard.sparseSpaces),
        floats(selectHeap(s, request.withVectors(), shard.multiSpaces)));
  }

  /**
   * A search of a multivector: every candidate (the payload shard.indexes' when they narrow the
   * filter, else every slot) scored by MaxSim against the query's rows (a single vector is one
   * row).
   */
  private List<ScoredPoint> searchMulti(SearchRequest request, VectorParams params) {
    String name = request.vectorName();
    MultiSpace space = shard.multiSpaces.get(name);
    float[] flat = request.vector();
    int dim = params.size();
    if (flat.length == 0 || flat.length % dim != 0) {
      throw VectorChecks.dimensionError(dim, flat.length);
    }
    float[][] rows = new float[flat.length / dim][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = VectorChecks.queryRow(params, Arrays.copyOfRange(flat, i * dim, (i + 1) * dim));
    }
    int keep = (int) Math.max(1, Math.min((long) request.limit() + request.offset(), space.live()));
    Filter filter = request.filter();
    long asOf = shard.lastApplied;
    RequestScope scope = RequestScope.current();
    PayloadIndexes.Candidates narrowed =
        filter == null || shard.indexes.isEmpty() ? null : shard.indexes.candidates(filter);
    List<TopK.Hit> hits;
    if (narrowed != null) {
      hits =
          space.scan(
              rows,
              keep,
              request.scoreThreshold(),
              slots(narrowed, name, narrowed.exact() ? null : filter),
              slot -> space.owners.get(slot) != null);
    } else {
      IntPredicate accept = accepting(space.owners, filter, scope);
      SampledShare share = new SampledShare(space.slots(), space.owners, accept);
      if (request.exact()
          || keep >= space.live()
          || !space.graphServes(space.live())
          || (filter != null && fewPass(space.live(), share, c -> !space.graphServes(c)))) {
        hits = space.scan(rows, keep, request.scoreThreshold(), space.allSlots(), accept);
      } else {
        int ef =
            Math.max(
                keep,
                request.hnswEf() != null
                    ? Math.min(request.hnswEf(), space.slots())
                    : space.defaultEf());
        boolean acorn =
            filter != null && request.acorn() != null && request.acorn().applies(share.get());
        hits = space.search(rows, ef, keep, request.scoreThreshold(), accept, acorn);
      }
    }
    return heapResults(request, space, hits, asOf);
  }

  /**
   * The results of a search of a heap space: the hits whose point still holds them, after the
   * offset, as the request wants them returned.
   */
  private List<ScoredPoint> heapResults(
      SearchRequest request, HeapSpace<?> space, List<TopK.Hit> hits, long asOf) {
    String name = request.vectorName();
    Filter filter = request.filter();
    RequestScope.current().charge(Math.min(request.limit(), hits.size()));
    List<ScoredPoint> out = new ArrayList<>(Math.min(request.limit(), hits.size()));
    int skipped = 0;
    for (TopK.Hit hit : hits) {
      if (out.size() == request.limit()) {
        break;
      }
      PointId id = space.owners.get(hit.slot());
      Stored s = id == null ? null : shard.points.get(id);
      if (s == null || s.slotOf(name) != hit.slot()) {
        continue; // deleted or replaced meanwhile
      }
      if (s.version() > asOf && filter != null && !shard.passes(filter, s)) {
        continue; // its payload changed during the search
      }
      if (skipped++ < request.offset()) {
        continue;
      }
      out.add(scored(s, hit.score(), request));
    }
    return out;
  }

  /**
   * A search of a sparse vector: exact, by its inverted index; by scoring the candidates one by one
   * when the payload shard.indexes leave fewer than the vector's {@code full_scan_threshold}, or
   * when the request asks for {@code exact}.
   */
  private List<ScoredPoint> searchSparse(SearchRequest request) {
    String name = request.vectorName();
    SparseSpace space = shard.sparseSpaces.get(name);
    if (space == null) {
      VectorParams params = shard.config.vectors().get(name);
      throw new StorageException.BadInput(
          params == null
              ? "Not existing vector name error: " + name
              : "Wrong input: vector `"
                  + name
                  + (params.multivector() ? "` is a multivector" : "` is dense")
                  + "; a sparse vector was given");
    }
    int keep = (int) Math.max(1, Math.min((long) request.limit() + request.offset(), space.live()));
    Filter filter = request.filter();
    long asOf = shard.lastApplied;
    RequestScope scope = RequestScope.current();
    IntPredicate live = slot -> space.owners.get(slot) != null;
    PayloadIndexes.Candidates narrowed =
        filter == null || shard.indexes.isEmpty() ? null : shard.indexes.candidates(filter);
    IntPredicate accept = accepting(space.owners, filter, narrowed, scope);
    List<TopK.Hit> hits;
    if (narrowed != null && narrowed.estimate() < space.params.fullScanThresholdOrDefault()) {
      int[] candidates = slots(narrowed, name, narrowed.exact() ? null : filter);
      hits = space.scan(request.sparseVector(), keep, request.scoreThreshold(), candidates, live);
    } else if (request.exact()) {
      hits =
          space.scan(
              request.sparseVector(), keep, request.scoreThreshold(), space.allSlots(), accept);
    } else {
      hits = space.search(request.sparseVector(), keep, request.scoreThreshold(), accept);
    }
    return heapResults(request, space, hits, asOf);
  }

  /**
   * The slots of {@code vectorName} of the candidates that exist and pass {@code filter} (null: the
   * candidates are exact), in ascending order (a scan of them reads the vector files forward), each
   * once.
   */
  private int[] slots(PayloadIndexes.Candidates candidates, String vectorName, Filter filter) {
    var found =
        new Consumer<PointId>() {
          int[] out = new int[(int) Math.min(candidates.estimate(), 1024)];
          int n;

          @Override
          public void accept(PointId id) {
            Stored s = shard.points.get(id);
            int slot = s == null ? -1 : s.slotOf(vectorName);
            if (slot >= 0 && (filter == null || shard.passes(filter, s))) {
              if (n == out.length) {
                out = Arrays.copyOf(out, n * 2 + 1);
              }
              out[n++] = slot;
            }
          }
        };
    candidates.forEach(found);
    int[] slots = found.out;
    Arrays.sort(slots, 0, found.n);
    int unique = 0;
    for (int i = 0; i < found.n; i++) {
      if (unique == 0 || slots[unique - 1] != slots[i]) {
        slots[unique++] = slots[i]; // a union may name a point twice
      }
    }
    return Arrays.copyOf(slots, unique);
  }

  /**
   * Whether an exact scan beats the graph: always below the full-scan threshold, and for filters
   * that a sample says few shard.points pass (a graph walk would visit many nodes to find few that
   * pass, and lose recall), estimated by testing up to {@value #SAMPLE} random live slots.
   */
  private boolean planExact(VectorSpace space, Filter filter, SampledShare share) {
    if (space.scanIsCheaper(space.live())) {
      return true;
    }
    return filter != null && fewPass(space.live(), share, space::scanIsCheaper);
  }

  /**
   * Whether the sampled {@code share} says few pass: under ~10%, or few enough that {@code
   * scanIsCheaper} says scoring just them beats a graph walk; true when there are no slots.
   */
  private static boolean fewPass(int live, SampledShare share, IntPredicate scanIsCheaper) {
    if (share.n == 0) {
      return true;
    }
    double passing = share.get();
    return scanIsCheaper.test((int) (live * passing)) || passing < 0.1; // under ~10%: scan
  }

  /**
   * {@link #sampledShare} of a search's filter, taken when first asked for and kept: the plan (scan
   * or walk) and the ACORN gate read the same sample. Not thread-safe: one search's.
   */
  private static final class SampledShare {
    final int n;
    private final SlotTable<PointId> owners;
    private final IntPredicate accept;
    private double value = Double.NaN;

    SampledShare(int n, SlotTable<PointId> owners, IntPredicate accept) {
      this.n = n;
      this.owners = owners;
      this.accept = accept;
    }

    double get() {
      if (Double.isNaN(value)) {
        value = sampledShare(n, owners, accept);
      }
      return value;
    }
  }

  /**
   * The share of live slots among the first {@code n} that {@code accept} admits, estimated from up
   * to {@value #SAMPLE} random live slots (the same ones for the same {@code n}); 0 when none is
   * found.
   */
  private static double sampledShare(int n, SlotTable<PointId> owners, IntPredicate accept) {
    if (n == 0) {
      return 0;
    }
    SplittableRandom r = new SplittableRandom(n);
    int tried = 0;
    int passed = 0;
    for (int i = 0; i < SAMPLE * 4 && tried < SAMPLE; i++) {
      int slot = r.nextInt(n);
      if (owners.get(slot) == null) {
        continue;
      }
      tried++;
      if (accept.test(slot)) {
        passed++;
      }
    }
    return tried == 0 ? 0 : (double) passed / tried;
  }

  private static final int SAMPLE = 256;

  List<PointRecord> retrieve(List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    int token = shard.epochs.enter();
    try {
      return retrieveHeld(ids, withPayload, withVectors);
    } finally {
      shard.epochs.exit(token);
    }
  }

  private List<PointRecord> retrieveHeld(
      List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    List<PointRecord> out = new ArrayList<>(ids.size());
    var seen = new HashSet<PointId>();
    for (PointId id : ids) {
      Stored s = shard.points.get(id);
      if (s != null && seen.add(id)) {
        out.add(record(s, withPayload, withVectors));
      }
    }
    return out;
  }

  long count() {
    return shard.points.size();
  }

  long count(Filter filter) {
    if (filter == null) {
      return shard.points.size();
    }
    return shard.matching(filter).count();
  }

  ScrollPage scroll(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors) {
    int token = shard.epochs.enter();
    try {
      return scrollHeld(filter, offset, limit, withPayload, withVectors);
    } finally {
      shard.epochs.exit(token);
    }
  }

  private ScrollPage scrollHeld(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors) {
    List<Stored> page = new ArrayList<>((int) Math.min(limit + 1L, shard.points.size() + 1L));
    PayloadIndexes.Candidates c =
        filter == null || shard.indexes.isEmpty() ? null : shard.indexes.candidates(filter);
    if (c != null && c.estimate() < Math.max(1024, shard.points.size() / 8)) {
      // few candidates: sort them rather than walk every id
      c.ids().stream()
          .filter(id -> offset == null || id.compareTo(offset) >= 0)
          .sorted()
          .map(shard.points::get)
          .filter(s -> s != null && (c.exact() || shard.passes(filter, s)))
          .limit(limit + 1L)
          .forEach(page::add);
    } else {
      RequestScope scope = RequestScope.current();
      for (PointId id : offset == null ? shard.order : shard.order.tailSet(offset, true)) {
        scope.tick();
        Stored s = shard.points.get(id);
        if (s != null && (filter == null || shard.passes(filter, s))) {
          page.add(s);
          if (page.size() > limit) {
            break;
          }
        }
      }
    }
    RequestScope.current().charge(Math.min(limit, page.size()));
    List<PointRecord> out = new ArrayList<>(Math.min(limit, page.size()));
    for (int i = 0; i < Math.min(limit, page.size()); i++) {
      Stored s = page.get(i);
      out.add(record(s, withPayload, withVectors));
    }
    return new ScrollPage(out, page.size() > limit ? page.get(limit).id() : null);
  }

  boolean anyPayloadMatches(Filter filter) {
    return shard
        .matching(filter)
        .findAny()
        .isPresent(); // stops at the first, uses payload shard.indexes
  }

  private PointRecord record(Stored s, WithPayload withPayload, WithVectors withVectors) {
    return new PointRecord(
        s.id(),
        withPayload.select(s.payload()),
        selectVectors(s, withVectors),
        null,
        selectHeap(s, withVectors, shard.sparseSpaces),
        floats(selectHeap(s, withVectors, shard.multiSpaces)));
  }

  /** Multivectors as the reads return them: rows of float32 components. */
  private static Map<String, float[][]> floats(Map<String, Rows> rows) {
    if (rows == null) {
      return null;
    }
    Map<String, float[][]> out = new HashMap<>();
    rows.forEach((name, r) -> out.put(name, r.toFloats()));
    return out;
  }

  /**
   * The point's vectors of {@code shard.spaces} (sparse or multi) the read wants, or null when it
   * wants none or there are none.
   */
  private static <V> Map<String, V> selectHeap(
      Stored s, WithVectors with, Map<String, ? extends HeapSpace<V>> heapSpaces) {
    if (!with.enabled() || heapSpaces.isEmpty()) {
      return null;
    }
    Map<String, V> out = null;
    for (var e : s.slots().entrySet()) {
      HeapSpace<V> space = heapSpaces.get(e.getKey());
      if (space != null && with.wants(e.getKey())) {
        V v = space.vectors.get(e.getValue());
        if (v != null) {
          if (out == null) {
            out = new HashMap<>();
          }
          out.put(e.getKey(), v);
        }
      }
    }
    return out;
  }

  private Map<String, float[]> selectVectors(Stored s, WithVectors with) {
    if (!with.enabled()) {
      return null;
    }
    Map<String, float[]> out = new HashMap<>();
    s.slots()
        .forEach(
            (name, slot) -> {
              VectorSpace space = shard.spaces.get(name);
              if (space != null && with.wants(name)) {
                out.put(name, space.vectors.get(slot));
              }
            });
    return out;
  }
}
