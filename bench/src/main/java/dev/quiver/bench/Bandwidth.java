package dev.quiver.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-thread memory read bandwidth, measured the way an exact scan reads: a Vector API sum over
 * an off-heap buffer far larger than the caches (best of several passes).
 */
final class Bandwidth {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private Bandwidth() {}

  static double singleThreadBytesPerSecond() {
    long bytes = 512L << 20;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment seg = arena.allocate(bytes, 64);
      for (long i = 0; i < bytes; i += 4) {
        seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i & 1023) * 0.001f);
      }
      double best = 0;
      float sink = 0;
      for (int pass = 0; pass < 6; pass++) {
        long t = System.nanoTime();
        FloatVector acc = FloatVector.zero(S);
        long step = (long) S.length() * Float.BYTES;
        for (long off = 0; off + step <= bytes; off += step) {
          acc = acc.add(FloatVector.fromMemorySegment(S, seg, off, ByteOrder.nativeOrder()));
        }
        sink += acc.reduceLanes(VectorOperators.ADD);
        double secs = (System.nanoTime() - t) / 1e9;
        best = Math.max(best, bytes / secs);
      }
      if (sink == 42) {
        System.out.print(""); // keeps the sum alive
      }
      return best;
    }
  }
}
