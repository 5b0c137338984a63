package dev.quiver.storage.internal.hnsw;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.internal.hnsw.GraphLinks.Links;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * Keeps every node of an {@link HnswIndex} reachable. A node whose in-links were all dropped (each
 * list that held it overflowed and kept more diverse members) is never found by a search, however
 * large its {@code ef}: about one node in 400 of minilm-384 after a build. A check walks each layer
 * from the entry point (each group from its own, in a graph of groups) and gives every node it does
 * not reach an in-link again, as Lucene joins components after a build. Checks are spaced by the
 * inserts since the last one ({@link HnswIndex.Check}), so they stay a small share of a build; a
 * removal runs one at its end.
 *
 * <p>Thread-safety: a check must not run with inserts or removals (the index's caller holds the
 * indexing lock); searches may run meanwhile. {@link #added} may be called from any thread.
 */
final class GraphRepair {
  private final HnswIndex graph;
  private final GraphLinks links;
  private final LayerWalks walks;

  /** Each node's group in a graph of groups; null for one whole graph. */
  private final IntUnaryOperator group;

  GraphRepair(HnswIndex graph, GraphLinks links, LayerWalks walks, IntUnaryOperator group) {
    this.graph = graph;
    this.links = links;
    this.walks = walks;
    this.group = group;
  }

  /** Counts an insert, or a node read from a file, towards the next check. */
  void added() {
    unchecked.incrementAndGet();
  }

  /**
   * Links every unreached node of {@code [0, nodes)} if a check is due ({@code when}); how many.
   */
  int run(HnswIndex.Check when, int nodes) {
    int since = unchecked.get();
    if (!when.due(since, checked)) {
      return 0;
    }
    unchecked.addAndGet(-since);
    checked = nodes;
    return reconnect(nodes);
  }

  /** The nodes of {@code [0, nodes)} that the bottom layer's walks do not reach. */
  int unreachable(int nodes) {
    BitSet reached = new BitSet(nodes);
    int[] stack = new int[Math.max(16, nodes)];
    int missed = 0;
    for (int n = 0; n < nodes; n++) {
      if (!graph.contains(n) || reached.get(n)) {
        continue;
      }
      long ep = group == null ? graph.entry() : graph.entryOf(group.applyAsInt(n), -1, 0);
      if (ep >= 0 && !reached.get((int) ep)) {
        int g = group == null ? 0 : group.applyAsInt(n);
        reach(
            (int) ep,
            0,
            nodes,
            group == null ? null : x -> group.applyAsInt(x) == g,
            reached,
            stack);
      }
      if (!reached.get(n)) {
        missed++;
      }
    }
    return missed;
  }

  /** Inserts since the last reachability check ({@link #run}). */
  private final AtomicInteger unchecked = new AtomicInteger();

  /** The slots the last reachability check looked at. */
  private volatile int checked;

  /** Links every node of {@code [0, nodes)} that its layers' walks do not reach; how many. */
  int reconnect(int nodes) {
    return group == null ? reconnectUnreachable(nodes) : reconnectGroups(nodes);
  }

  /**
   * {@link #reconnectUnreachable} for a graph of groups: each group walked from its entry on the
   * bottom layer, within the group; a node it does not reach is linked from there.
   */
  private int reconnectGroups(int nodes) {
    BitSet reached = new BitSet(nodes);
    int[] stack = new int[Math.max(16, nodes)];
    for (int n = 0; n < nodes; n++) {
      int g = graph.contains(n) ? group.applyAsInt(n) : -1;
      if (g < 0 || reached.get(n)) {
        continue;
      }
      int ep = (int) graph.entryOf(g, -1, 0);
      if (ep >= 0 && !reached.get(ep)) {
        reach(ep, 0, nodes, x -> group.applyAsInt(x) == g, reached, stack);
      }
    }
    int relinked = 0;
    for (int n = 0; n < nodes; n++) {
      int g = graph.contains(n) ? group.applyAsInt(n) : -1;
      if (g >= 0 && !reached.get(n) && linkedWithin(n, g)) {
        long ep = graph.entryOf(g, -1, 0);
        if (ep >= 0) {
          relink(n, 0, ep, x -> group.applyAsInt(x) == g, reached, stack, nodes);
          relinked++;
        }
      }
    }
    return relinked;
  }

  /**
   * Whether {@code n}'s bottom-layer links stay in group {@code g}: not so for a node whose group
   * changed since it was linked, which waits to be taken out and inserted into its new group (and
   * is searched directly meanwhile); linking it from its new group would tie the two groups.
   */
  private boolean linkedWithin(int n, int g) {
    for (int x : graph.neighbours(n, 0)) {
      if (group.applyAsInt(x) != g) {
        return false;
      }
    }
    return true;
  }

  /**
   * Links every node that some layer of it no longer reaches from the entry point: unreached on the
   * bottom layer, a node is never found; unreached above, searches descend into the wrong region.
   * Layers are repaired top down, so a node's descent to a lower layer runs on a repaired one.
   */
  private int reconnectUnreachable(int nodes) {
    long ep = graph.entry();
    if (ep == -1) {
      return 0;
    }
    int[] stack = new int[Math.max(16, nodes)];
    int relinked = 0;
    for (int l = (int) (ep >>> 32); l >= 0; l--) {
      BitSet reached = new BitSet(nodes);
      reach((int) ep, l, nodes, null, reached, stack);
      for (int n = 0; n < nodes; n++) {
        if (links.levels(n) > l && !reached.get(n)) {
          relink(n, l, ep, null, reached, stack, nodes);
          relinked++;
        }
      }
    }
    return relinked;
  }

  /**
   * Marks in {@code reached} every node of layer {@code level} reachable from {@code from} (through
   * nodes {@code within} admits; all when null) and not marked yet.
   */
  private void reach(
      int from, int level, int nodes, IntPredicate within, BitSet reached, int[] stack) {
    int[] list = new int[links.capacity()];
    int top = 0;
    stack[top++] = from;
    reached.set(from);
    while (top > 0) {
      int listed = links.read(stack[--top], level, list, null);
      for (int k = 0; k < listed; k++) {
        int x = list[k];
        if (x < nodes
            && graph.contains(x)
            && !reached.get(x)
            && (within == null || within.test(x))) {
          reached.set(x);
          stack[top++] = x;
        }
      }
    }
  }

  /**
   * Gives {@code node}, which the walks of layer {@code level} from {@code ep} do not reach, an
   * in-link there: the nearest reached node whose list has room takes it (Lucene's way of joining
   * components: the link bypasses the diversity rule, which is what dropped the node's in-links).
   * When no node near it has room, or in a graph of groups, the node is linked again as if
   * inserted, its neighbours taking it by the diversity rule. Whatever the node reaches becomes
   * reached.
   */
  private void relink(
      int node, int level, long ep, IntPredicate within, BitSet reached, int[] stack, int nodes) {
    GraphVectors.NodeScorer q = graph.scorer(node);
    try {
      int from = (int) ep;
      for (int l = (int) (ep >>> 32); l > level; l--) {
        from = walks.greedy(q, from, l, within);
      }
      Candidates found =
          walks.layer(
              q,
              Candidates.of(from, q.score(from)),
              graph.efConstruct(),
              level,
              x -> x != node && reached.get(x),
              RequestScope.UNBOUNDED,
              within);
      int max = level == 0 ? 2 * graph.m() : graph.m();
      // in a graph of groups only the re-insert: in-links past the diversity rule, made while
      // tenants change under churn, left a tenant's walk finding half its ten nearest
      // (TenantLinksTest), which re-inserting does not
      int[] order = within == null ? found.bestFirstPositions() : new int[0];
      for (int pos : order) {
        int other = found.node(pos);
        synchronized (graph.lock(other)) {
          Links cur = links.get(other, level);
          if (cur.ids().length < max) {
            graph.setLinks(other, level, HnswIndex.withMember(cur, node, found.similarity(pos)));
            reach(node, level, nodes, within, reached, stack);
            return;
          }
        }
      }
      graph.connect(node, level, q, ep, within);
      reach(node, level, nodes, within, reached, stack);
    } finally {
      graph.release(q);
    }
  }
}
