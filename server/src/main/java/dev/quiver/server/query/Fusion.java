package dev.quiver.server.query;

import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.StorageException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fusion of prefetch rankings: reciprocal rank fusion and distribution-based score fusion, as
 * Qdrant computes them. Stateless, so thread-safe.
 */
final class Fusion {
  private Fusion() {}

  /**
   * Fuses prefetch rankings: reciprocal rank fusion ({@code sum weight / (k + rank)}, ranks from 0
   * as Qdrant counts them, so a first place scores 0.5 with the default k of 2) or
   * distribution-based score fusion (each list's scores mapped from {@code mean ± 3 sigma} onto [0,
   * 1], then summed).
   */
  static List<ScoredPoint> fuse(
      Queries.Query.Fusion f, List<List<ScoredPoint>> found, Float threshold, int limit) {
    if (!f.dbsf() && !f.weights().isEmpty() && f.weights().size() != found.size()) {
      throw new StorageException.BadInput(
          "Bad request: the number of rrf weights ("
              + f.weights().size()
              + ") must match the number of prefetches ("
              + found.size()
              + ")");
    }
    Map<PointId, ScoredPoint> first = new LinkedHashMap<>();
    Map<PointId, Float> score = new LinkedHashMap<>();
    for (int l = 0; l < found.size(); l++) {
      List<ScoredPoint> list = found.get(l);
      float mean = 0;
      float sigma = 0;
      if (f.dbsf() && !list.isEmpty()) {
        for (ScoredPoint p : list) {
          mean += p.score();
        }
        mean /= list.size();
        for (ScoredPoint p : list) {
          sigma += (p.score() - mean) * (p.score() - mean);
        }
        sigma = (float) Math.sqrt(sigma / list.size());
      }
      float low = mean - 3 * sigma;
      float high = mean + 3 * sigma;
      float weight = f.weights().isEmpty() ? 1f : f.weights().get(l);
      for (int rank = 0; rank < list.size(); rank++) {
        ScoredPoint p = list.get(rank);
        first.putIfAbsent(p.id(), p);
        float add;
        if (f.dbsf()) {
          add = high == low ? 0.5f : (p.score() - low) / (high - low);
        } else {
          add = weight / (f.k() + rank);
        }
        score.merge(p.id(), add, Float::sum);
      }
    }
    List<ScoredPoint> out = new ArrayList<>(score.size());
    score.forEach(
        (id, s) -> {
          if (threshold == null || s >= threshold) {
            ScoredPoint p = first.get(id);
            out.add(new ScoredPoint(id, p.version(), s, null, null, p.shardKey()));
          }
        });
    out.sort(Queries.BEST_FIRST);
    return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }
}
