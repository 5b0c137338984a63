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
    int chunk = 1 << 20;
    int chunks = 512;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment seg = arena.allocate((long) chunk * chunks, 64);
      for (long i = 0; i < seg.byteSize(); i += 4) {
        seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i & 1023) * 0.001f);
      }
      double best = 0;
      float sink = 0;
      for (int pass = 0; pass < 12; pass++) { // the first passes compile the loop
        long t = System.nanoTime();
        for (int c = 0; c < chunks; c++) {
          sink += sum(seg.asSlice((long) c * chunk, chunk));
        }
        double secs = (System.nanoTime() - t) / 1e9;
        best = Math.max(best, seg.byteSize() / secs);
      }
      if (sink == 42) {
        System.out.print(""); // keeps the sums alive
      }
      return best;
    }
  }

  /** Four independent accumulators, so the loop is bound by loads, not by add latency. */
  private static float sum(MemorySegment s) {
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = FloatVector.zero(S);
    FloatVector a2 = FloatVector.zero(S);
    FloatVector a3 = FloatVector.zero(S);
    int step = S.length() * Float.BYTES;
    int n = (int) s.byteSize();
    for (int off = 0; off + 4 * step <= n; off += 4 * step) {
      a0 = a0.add(FloatVector.fromMemorySegment(S, s, off, ByteOrder.nativeOrder()));
      a1 = a1.add(FloatVector.fromMemorySegment(S, s, off + step, ByteOrder.nativeOrder()));
      a2 = a2.add(FloatVector.fromMemorySegment(S, s, off + 2 * step, ByteOrder.nativeOrder()));
      a3 = a3.add(FloatVector.fromMemorySegment(S, s, off + 3 * step, ByteOrder.nativeOrder()));
    }
    return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
  }
}
