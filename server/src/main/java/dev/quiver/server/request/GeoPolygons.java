package dev.quiver.server.request;

import java.util.Arrays;
import java.util.List;

/**
 * Qdrant's validation of a {@code geo_polygon}'s rings, for both edges: a ring is closed (its first
 * and last points are the same) and has at least four points. Stateless.
 */
public final class GeoPolygons {
  private GeoPolygons() {}

  /**
   * Returns {@code ring} (points as {@code [lat, lon]}) when it is valid.
   *
   * @param where "JSON body" or "body", as {@link RequestException.Invalid} takes it
   * @throws RequestException.Invalid naming {@code path} otherwise
   */
  public static List<double[]> checked(List<double[]> ring, String where, String path) {
    if (ring.size() < 4) {
      throw new RequestException.Invalid(
          where, path, "polygon invalid, the size must be at least 4");
    }
    if (!Arrays.equals(ring.getFirst(), ring.getLast())) {
      throw new RequestException.Invalid(
          where,
          path,
          "polygon invalid, the first and the last points should be the same to form a closed"
              + " line");
    }
    return ring;
  }
}
