package dev.quiver.storage.internal.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float vector's lanes in one fixed order, whether the code runs interpreted or
 * compiled. {@code reduceLanes(ADD)} leaves the order open, and HotSpot uses that: the interpreted
 * code adds lane by lane, C2's code pairwise, so the same two vectors scored before and after a
 * kernel was compiled could differ in the last bit (an exact search and the rescore of the same
 * point disagreed that way). Here the upper half of the lanes is added to the lower half until one
 * lane is left: {@code ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7))} for eight, in every mode,
 * at the cost of the reduction it replaces (halves of 256 and 512 bits are split off the register,
 * the last four lanes rotated). Stateless, so thread-safe.
 */
public final class LaneSums {
  private static final VectorSpecies<Float> S128 = FloatVector.SPECIES_128;
  private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
  private static final VectorShuffle<Float> BY_TWO = VectorShuffle.fromOp(S128, i -> (i + 2) % 4);
  private static final VectorShuffle<Float> BY_ONE = VectorShuffle.fromOp(S128, i -> (i + 1) % 4);

  private LaneSums() {}

  /** The lanes of {@code v} added in the fixed pairwise order. */
  public static float sum(FloatVector v) {
    int lanes = v.length();
    if (lanes < 4) { // no such preferred species on the platforms this runs on; still one order
      float s = 0;
      for (int i = 0; i < lanes; i++) {
        s += v.lane(i);
      }
      return s;
    }
    if (lanes == 16) {
      v = folded(v, S256);
    }
    if (lanes >= 8) {
      v = folded(v, S128);
    }
    v = v.add(v.rearrange(BY_TWO));
    v = v.add(v.rearrange(BY_ONE));
    return v.lane(0);
  }

  /** The upper half of {@code v} added to its lower half, as a vector of {@code half}. */
  private static FloatVector folded(FloatVector v, VectorSpecies<Float> half) {
    return ((FloatVector) v.reinterpretShape(half, 0))
        .add((FloatVector) v.reinterpretShape(half, 1));
  }
}
