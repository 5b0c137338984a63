package dev.quiver.storage;

import java.util.List;

/** One page of a scroll: points in id order, and the id to continue from (null at the end). */
public record ScrollPage(List<PointRecord> points, PointId nextOffset) {
  public ScrollPage {
    points = List.copyOf(points);
  }
}
