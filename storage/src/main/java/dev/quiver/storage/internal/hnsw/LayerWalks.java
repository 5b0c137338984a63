package dev.quiver.storage.internal.hnsw;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntPredicate;

/**
 * The walks of one graph's layers, as searches and inserts take them: the paper's greedy step and
 * best-first search (its Algorithm 2), and ACORN-1's variant of the latter for filtered searches.
 * They read the neighbour lists without locks (see {@link GraphLinks} for what a racing read may
 * see). Thread-safe: each walk takes its own visited sets from a pool.
 */
final class LayerWalks {
  private final GraphLinks links;
  private final GraphVectors vectors;

  /** Reusable visited sets: a walk marks nodes without clearing an array per call. */
  private final ConcurrentLinkedQueue<VisitedSet> visitedPool = new ConcurrentLinkedQueue<>();

  LayerWalks(GraphLinks links, GraphVectors vectors) {
    this.links = links;
    this.vectors = vectors;
  }

  /**
   * The paper's greedy step on {@code level}, through nodes {@code within} admits (all: null). A
   * node is scored once per step even when several lists on the way hold it, and a list's new nodes
   * are scored as one batch.
   */
  int greedy(SlotScorer scorer, int start, int level, IntPredicate within) {
    int best = start;
    float bestSim = scorer.score(best);
    int size = vectors.size();
    VisitedSet visited = visitedSet(size);
    try {
      visited.visit(best);
      int[] list = new int[links.capacity()];
      float[] scores = new float[list.length];
      boolean moved = true;
      while (moved) {
        moved = false;
        int count = unvisited(best, level, list, size, visited, within);
        scorer.scores(list, count, scores);
        for (int k = 0; k < count; k++) {
          if (scores[k] > bestSim) {
            bestSim = scores[k];
            best = list[k];
            moved = true;
          }
        }
      }
      return best;
    } finally {
      visitedPool.offer(visited);
    }
  }

  /**
   * Algorithm 2: best-first search on one layer from {@code entryPoints}, keeping the {@code ef}
   * best nodes that {@code accept} admits (all nodes {@code within} admits, or all when null, are
   * walked through; only admitted ones are results).
   */
  Candidates layer(
      SlotScorer scorer,
      Candidates entryPoints,
      int ef,
      int level,
      IntPredicate accept,
      RequestScope scope,
      IntPredicate within) {
    int size = vectors.size();
    VisitedSet visited = visitedSet(size);
    try {
      // nodes to expand, best first: a min-heap on negated similarity
      Candidates frontier =
          new Candidates(Math.max(16, (int) Math.min(2L * ef, Integer.MAX_VALUE)));
      Candidates results = new Candidates(ef + 1);
      for (int i = 0; i < entryPoints.size(); i++) {
        int n = entryPoints.node(i);
        float s = entryPoints.similarity(i);
        visited.visit(n);
        frontier.add(n, -s);
        if (accept == null || accept.test(n)) {
          results.add(n, s);
        }
      }
      int[] batch = new int[links.capacity()];
      float[] scores = new float[batch.length];
      while (frontier.size() > 0) {
        scope.tick();
        float cs = -frontier.worst();
        int cn = frontier.pollWorst();
        if (results.size() >= ef && cs < results.worst()) {
          break;
        }
        int count = unvisited(cn, level, batch, size, visited, within);
        scorer.scores(batch, count, scores);
        offer(batch, scores, count, ef, accept, frontier, results);
      }
      return results;
    } finally {
      visitedPool.offer(visited);
    }
  }

  /**
   * A step's scored nodes: each better than the {@code ef}-th result (or while there are fewer)
   * joins the {@code frontier}, and the results too if {@code accept} admits it (all: null).
   */
  private static void offer(
      int[] batch,
      float[] scores,
      int count,
      int ef,
      IntPredicate accept,
      Candidates frontier,
      Candidates results) {
    for (int k = 0; k < count; k++) {
      int n = batch[k];
      float s = scores[k];
      if (results.size() < ef || s > results.worst()) {
        frontier.add(n, -s);
        if (accept == null || accept.test(n)) {
          results.add(n, s);
          if (results.size() > ef) {
            results.removeWorst();
          }
        }
      }
    }
  }

  /**
   * ACORN-1 (Patel et al., SIGMOD 2024, as Qdrant walks it) on the bottom layer from {@code
   * entryNode}: only admitted nodes are scored and expanded. Of a node's neighbours, the admitted
   * ones are scored (up to a list's capacity); each rejected one is a bridge whose own neighbours
   * are tested in turn, and up to a list's capacity more admitted ones among them are scored. A
   * filter that leaves the admitted nodes scattered over the graph (few links between them) is
   * followed through the rejected ones without scoring those; the price is the filter tests of the
   * second hop. Until the walk has found an admitted node it walks as {@link #layer} does (the
   * greedy descent above ignores the filter, so the entry may be rejected and far from any admitted
   * node): every neighbour is scored and the best are expanded, admitted or not.
   */
  Candidates acorn(
      SlotScorer scorer,
      int entryNode,
      float entrySim,
      int ef,
      IntPredicate accept,
      RequestScope scope,
      IntPredicate within) {
    int size = vectors.size();
    VisitedSet visited = visitedSet(size);
    VisitedSet bridged = visitedSet(size); // nodes tested as a second hop
    try {
      int cap = links.capacity();
      Candidates frontier =
          new Candidates(Math.max(16, (int) Math.min(2L * ef, Integer.MAX_VALUE)));
      Candidates results = new Candidates(ef + 1);
      int[] list = new int[cap];
      int[] hop2 = new int[cap];
      int[] bridges = new int[cap];
      int[] batch = new int[cap * (cap + 1)];
      float[] scores = new float[batch.length];
      visited.visit(entryNode);
      frontier.add(entryNode, -entrySim);
      if (accept.test(entryNode)) {
        results.add(entryNode, entrySim);
      }
      while (frontier.size() > 0) {
        scope.tick();
        float cs = -frontier.worst();
        int cn = frontier.pollWorst();
        if (results.size() >= ef && cs < results.worst()) {
          break;
        }
        boolean seeking = results.size() == 0; // no admitted node yet: a plain step
        int count = 0;
        int bridgeCount = 0;
        int listed = links.read(cn, 0, list, null);
        for (int k = 0; k < listed && count < cap; k++) {
          int n = list[k];
          if (n >= size || visited.seen(n) || (within != null && !within.test(n))) {
            continue;
          }
          visited.visit(n);
          if (seeking || accept.test(n)) {
            batch[count++] = n;
          } else {
            bridges[bridgeCount++] = n;
          }
        }
        for (int b = 0; b < bridgeCount; b++) {
          int limit = count + cap;
          int hops = links.read(bridges[b], 0, hop2, null);
          for (int k = 0; k < hops && count < limit; k++) {
            int n = hop2[k];
            if (n >= size
                || visited.seen(n)
                || !bridged.visit(n)
                || (within != null && !within.test(n))) {
              continue;
            }
            if (accept.test(n)) {
              visited.visit(n);
              batch[count++] = n;
            }
          }
        }
        scorer.scores(batch, count, scores);
        // once seeking is over, every node scored was admitted when it was gathered
        offer(batch, scores, count, ef, seeking ? accept : null, frontier, results);
      }
      return results;
    } finally {
      visitedPool.offer(visited);
      visitedPool.offer(bridged);
    }
  }

  /**
   * Reads {@code node}'s list on {@code level} into {@code out}, keeps the members below {@code
   * size} that are not visited yet and that {@code within} admits (all: null), marks them visited,
   * and returns how many it kept (at the front of {@code out}).
   */
  private int unvisited(
      int node, int level, int[] out, int size, VisitedSet visited, IntPredicate within) {
    int listed = links.read(node, level, out, null);
    int count = 0;
    for (int k = 0; k < listed; k++) {
      int n = out[k];
      if (n < size && visited.visit(n) && (within == null || within.test(n))) {
        out[count++] = n;
      }
    }
    return count;
  }

  private VisitedSet visitedSet(int size) {
    VisitedSet visited = visitedPool.poll();
    if (visited == null) {
      visited = new VisitedSet();
    }
    visited.reset(size);
    return visited;
  }
}
