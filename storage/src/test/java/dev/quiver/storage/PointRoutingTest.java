package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Where ids land, and how many move when a shard is added or the last one removed. */
class PointRoutingTest {
  private static final int POINTS = 30_000;

  private static PointId id(int i) {
    return i % 2 == 0 ? PointId.of(i) : PointId.of(new UUID(i, ~i));
  }

  @Test
  void jumpMovesOnlyThePointsOfTheAddedShardAndSpreadsEvenly() {
    for (int n = 1; n <= 8; n++) {
      int moved = 0;
      int[] sizes = new int[n + 1];
      for (int i = 0; i < POINTS; i++) {
        int before = PointRouting.JUMP.shardOf(id(i), n);
        int after = PointRouting.JUMP.shardOf(id(i), n + 1);
        sizes[after]++;
        if (before != after) {
          assertThat(after).as("a moved point goes to the new shard").isEqualTo(n);
          moved++;
        }
      }
      double share = (double) moved / POINTS;
      assertThat(share)
          .as("share moved from %d to %d", n, n + 1)
          .isBetween(1.0 / (n + 1) - 0.02, 1.0 / (n + 1) + 0.02);
      for (int size : sizes) {
        assertThat((double) size / POINTS).isBetween(1.0 / (n + 1) - 0.02, 1.0 / (n + 1) + 0.02);
      }
    }
  }

  @Test
  void moduloMovesMostPoints() {
    int moved = 0;
    for (int i = 0; i < POINTS; i++) {
      if (PointRouting.MODULO.shardOf(id(i), 2) != PointRouting.MODULO.shardOf(id(i), 3)) {
        moved++;
      }
    }
    assertThat((double) moved / POINTS).isBetween(0.64, 0.69);
  }

  /** The routing of stored collections is part of the format: these values never change. */
  @Test
  void placementsArePinned() {
    int[] jump = new int[8];
    int[] modulo = new int[8];
    for (int i = 0; i < 8; i++) {
      jump[i] = PointRouting.JUMP.shardOf(PointId.of(i), 5);
      modulo[i] = PointRouting.MODULO.shardOf(PointId.of(i), 5);
    }
    assertThat(jump).containsExactly(PINNED_JUMP);
    assertThat(modulo).containsExactly(PINNED_MODULO);
    assertThat(PointRouting.JUMP.shardOf(PointId.of(12345), 1)).isZero();
  }

  @Test
  void partsAreEvenAndIndependentOfTheShard() {
    int[][] counts = new int[3][4];
    for (int i = 0; i < POINTS; i++) {
      counts[PointRouting.JUMP.shardOf(id(i), 3)][PointRouting.partOf(id(i), 4)]++;
    }
    for (int[] shard : counts) {
      for (int n : shard) {
        assertThat((double) n / POINTS).isBetween(1.0 / 12 - 0.01, 1.0 / 12 + 0.01);
      }
    }
    int[] parts = new int[8];
    for (int i = 0; i < 8; i++) {
      parts[i] = PointRouting.partOf(PointId.of(i), 5);
    }
    assertThat(parts).containsExactly(PINNED_PARTS);
  }

  private static final int[] PINNED_PARTS = {4, 3, 2, 1, 4, 1, 3, 4};

  private static final int[] PINNED_JUMP = {0, 0, 3, 0, 1, 0, 4, 4};
  private static final int[] PINNED_MODULO = {0, 4, 4, 1, 1, 1, 1, 4};
}
