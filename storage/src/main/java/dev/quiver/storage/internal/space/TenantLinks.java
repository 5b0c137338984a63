package dev.quiver.storage.internal.space;

import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.internal.hnsw.Candidates;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotInts;
import dev.quiver.storage.internal.vector.SlotScorer;
import dev.quiver.storage.internal.vector.SlotSet;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * Qdrant's payload-aware links ({@code payload_m}) for one tenant field of a vector space (a {@code
 * keyword} or {@code uuid} index with {@code is_tenant: true}): a graph of groups ({@link
 * HnswIndex#grouped}) whose groups are the field's values, so that each tenant's vectors are linked
 * among themselves and a search for one tenant walks that tenant's vectors only, however small a
 * share of the space it is.
 *
 * <p>A slot joins its tenant's links when the space's indexer inserts it. A slot whose tenant
 * changed after that, or that was already in the space when these links were made, is
 * <em>stale</em> until the indexer links it again ({@link #relink}); a slot whose payload holds
 * several values of the field belongs to no one group. Searches score both kinds directly, so a
 * search for a tenant finds every vector of it whatever the links' state. The links are working
 * storage, made again from the payloads when a shard opens.
 *
 * <p>Thread-safety: {@link #assign} is called by the shard's single writer, {@link #relink} and
 * inserts by the space's indexer under its lock, searches by any number of threads at any time.
 */
final class TenantLinks implements AutoCloseable {
  /** The group of a slot whose payload has several values of the field. */
  private static final int SEVERAL = -2;

  final String field;
  final int m;
  final HnswIndex graph;
  private final SlotInts groups = new SlotInts();
  private final Map<Object, Integer> ids = new ConcurrentHashMap<>();
  private int nextId; // the writer's

  /** Slots whose links are missing or stale; searches score them directly. */
  private final SlotSet stale = new SlotSet();

  /** Slots in no one group because their payload has several values of the field. */
  private final SlotSet several = new SlotSet();

  TenantLinks(
      String field, OffHeapVectors vectors, Path dir, Distance distance, int m, int efConstruct) {
    this.field = field;
    this.m = m;
    this.graph = HnswIndex.grouped(vectors, dir, distance, m, efConstruct, groups::get);
  }

  /** The group of {@code slot}: negative when it is in none. */
  int group(int slot) {
    return groups.get(slot);
  }

  /** The group of the tenant {@code term}, or -1 when no slot of this space ever had it. */
  int groupOf(Object term) {
    Integer g = ids.get(term);
    return g == null ? -1 : g;
  }

  /**
   * Records the tenant of {@code slot}: {@code term}, or none (null), or several values when {@code
   * severalValues}. A slot whose group changed is stale until linked again.
   */
  void assign(int slot, Object term, boolean severalValues) {
    int g = severalValues ? SEVERAL : term == null ? -1 : ids.computeIfAbsent(term, t -> nextId++);
    if (groups.get(slot) == g) {
      return;
    }
    groups.set(slot, g);
    if (g == SEVERAL) {
      several.add(slot);
    } else {
      several.remove(slot);
    }
    stale.add(slot);
  }

  /** Slots waiting to be linked again. */
  int staleCount() {
    return stale.size();
  }

  /**
   * Links again up to {@code max} stale slots, on {@code workers}: each leaves the graph and, when
   * its point is there and it has a group, is inserted into its group; one whose point is gone is
   * handed to {@code dropped} (the space frees it once no graph holds it). A slot the space's
   * indexer has still to insert ({@code queued}) is only struck off (the insert reads its group
   * then). Runs under the indexer's lock. Returns how many slots it looked at.
   */
  int relink(
      int max, IntPredicate queued, IntPredicate owned, Workers workers, IntConsumer dropped) {
    int[] batch = stale.first(max);
    List<Integer> insert = new ArrayList<>();
    int[] seen = new int[batch.length];
    for (int i = 0; i < batch.length; i++) {
      int s = batch[i];
      seen[i] = groups.get(s);
      if (queued.test(s)) {
        continue;
      }
      boolean linked = graph.contains(s);
      if (linked) {
        graph.unlink(s);
      }
      if (!owned.test(s)) {
        if (linked) {
          dropped.accept(s);
        }
      } else if (seen[i] >= 0) {
        insert.add(s);
      }
    }
    workers.run(insert.stream().mapToInt(Integer::intValue).toArray(), graph::insert);
    for (int i = 0; i < batch.length; i++) {
      // a slot whose group changed meanwhile stays stale: the insert may have read the old one
      if (groups.get(batch[i]) == seen[i]) {
        stale.remove(batch[i]);
        if (groups.get(batch[i]) != seen[i]) {
          stale.add(batch[i]);
        }
      }
    }
    return batch.length;
  }

  /** Runs an insert for each of some slots, on as many threads as the indexer has now. */
  interface Workers {
    void run(int[] slots, IntConsumer insert);
  }

  /**
   * The {@code ef} best slots of group {@code g} that {@code accept} admits, by a walk of the
   * group's links (as ACORN-1 walks with {@code acorn}), with the group's stale slots and those of
   * several tenants scored directly.
   */
  Candidates search(SlotScorer scorer, int ef, IntPredicate accept, int g, boolean acorn) {
    // the stale slots first: a slot leaves them only once linked again, so one read here as not
    // stale was linked before the walk began; read after the walk, a slot linked behind the walk
    // and struck off meanwhile would be missed both ways
    Candidates direct = new Candidates(16);
    if (g >= 0) {
      addDirectly(stale, s -> groups.get(s) == g && accept.test(s), scorer, direct);
    }
    addDirectly(several, accept, scorer, direct);
    Candidates found =
        g < 0 ? new Candidates(ef + 1) : graph.searchGroup(scorer, ef, accept, g, acorn);
    found.addAll(direct);
    return found;
  }

  private static void addDirectly(
      SlotSet set, IntPredicate accept, SlotScorer scorer, Candidates found) {
    for (int s = set.next(0); s >= 0; s = set.next(s + 1)) {
      if (accept.test(s)) {
        found.add(s, scorer.score(s));
      }
    }
  }

  /** Whether these links were read from a checkpoint and not yet checked against the payloads. */
  boolean restored;

  /**
   * Writes these links for a checkpoint: the tenants' terms by group, each group's entry, each of
   * the first {@code size} slots' group, the stale slots, then the graph's lists. Called with no
   * write, insert or relink running (the shard's write lock and the indexer's lock held).
   */
  void write(DataOutputStream out, int size) throws IOException {
    out.writeInt(m);
    Object[] terms = new Object[nextId];
    ids.forEach((term, g) -> terms[g] = term);
    out.writeInt(terms.length);
    for (Object term : terms) {
      ShardCodec.writeString(out, (String) term);
    }
    graph.writeGroupEntries(out);
    out.writeInt(size);
    for (int slot = 0; slot < size; slot++) {
      out.writeInt(groups.get(slot));
    }
    out.writeInt(stale.size());
    for (int slot = stale.next(0); slot >= 0; slot = stale.next(slot + 1)) {
      out.writeInt(slot);
    }
    graph.write(out, size);
  }

  /** Links of {@code field} as {@link #write} wrote them, their files under {@code dir}. */
  static TenantLinks read(
      String field,
      DataInputStream in,
      OffHeapVectors vectors,
      Path dir,
      Distance distance,
      int efConstruct)
      throws IOException {
    int m = in.readInt();
    if (m <= 0 || m > HnswConfig.MAX_M) {
      throw new IOException("tenant links with m " + m);
    }
    TenantLinks t = new TenantLinks(field, vectors, dir, distance, m, efConstruct);
    int terms = ShardCodec.count(in);
    for (int g = 0; g < terms; g++) {
      t.ids.put(ShardCodec.readString(in), g);
    }
    t.nextId = terms;
    t.graph.readGroupEntries(in);
    int size = ShardCodec.count(in);
    for (int slot = 0; slot < size; slot++) {
      int g = in.readInt();
      if (g < SEVERAL || g >= terms) {
        throw new IOException("slot " + slot + " in unknown group " + g);
      }
      if (g != -1) {
        t.groups.set(slot, g);
      }
      if (g == SEVERAL) {
        t.several.add(slot);
      }
    }
    int stale = ShardCodec.count(in);
    for (int i = 0; i < stale; i++) {
      t.stale.add(in.readInt());
    }
    t.graph.read(in);
    t.restored = true;
    return t;
  }

  /** Reads past links written by {@link #write}. */
  static void skip(DataInputStream in) throws IOException {
    in.readInt(); // m
    int terms = ShardCodec.count(in);
    for (int g = 0; g < terms; g++) {
      ShardCodec.readString(in);
    }
    in.skipNBytes(12L * ShardCodec.count(in)); // group entries
    in.skipNBytes(4L * ShardCodec.count(in)); // each slot's group
    in.skipNBytes(4L * ShardCodec.count(in)); // stale slots
    HnswIndex.skip(in);
  }

  @Override
  public void close() {
    graph.close();
  }
}
