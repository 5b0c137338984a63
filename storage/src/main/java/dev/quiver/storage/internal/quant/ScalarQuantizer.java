package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Qdrant's scalar (int8) quantization: one range {@code [lo, hi]} for every component, covering the
 * configured quantile of the sampled values (outliers are clamped), split into 256 steps. A
 * component {@code x} is stored as the signed byte {@code c = round((x - lo) / alpha) - 128}, so
 * {@code x ≈ offset + alpha * c} with {@code offset = lo + 128 * alpha}. A query stays in floats
 * (asymmetric), and each distance is rewritten over the codes: a dot product is {@code offset *
 * sum(q) + alpha * q·c}; an L2 or L1 distance is {@code alpha^2} or {@code alpha} times the
 * distance of {@code (q - offset) / alpha} to {@code c}. The kernels widen eight (or sixteen) bytes
 * at a time to floats with the Vector API. Thread-safe: immutable.
 */
final class ScalarQuantizer implements Quantizer {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * Byte.SIZE));
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  /** The most values a training sample holds (4 MB of floats), whatever the dimension. */
  static final int MAX_SAMPLE_VALUES = 1 << 20;

  private final Distance distance;
  private final int dim;
  private final float offset;
  private final float alpha;

  ScalarQuantizer(Distance distance, int dim, float lo, float hi) {
    this.distance = distance;
    this.dim = dim;
    float step = (hi - lo) / 255f;
    this.alpha = step > 0 && Float.isFinite(step) ? step : 1e-6f;
    this.offset = lo + 128 * alpha;
  }

  static ScalarQuantizer train(
      Quantization.Scalar config, Distance distance, int dim, List<float[]> sample) {
    int vectors = Math.max(1, Math.min(sample.size(), MAX_SAMPLE_VALUES / dim));
    float[] values = new float[Math.min(sample.size(), vectors) * dim];
    int n = 0;
    for (int i = 0; i < vectors && i < sample.size(); i++) {
      float[] v = sample.get((int) ((long) i * sample.size() / vectors));
      System.arraycopy(v, 0, values, n, dim);
      n += dim;
    }
    if (n == 0) {
      return new ScalarQuantizer(distance, dim, -1, 1);
    }
    Arrays.sort(values, 0, n);
    float q = config.quantile() == null ? 1f : config.quantile();
    int lo = (int) Math.floor((1 - q) / 2 * (n - 1));
    int hi = (int) Math.ceil((1 + q) / 2 * (n - 1));
    return new ScalarQuantizer(distance, dim, values[lo], values[Math.min(hi, n - 1)]);
  }

  static ScalarQuantizer read(DataInputStream in, Distance distance, int dim) throws IOException {
    float lo = in.readFloat();
    float hi = in.readFloat();
    return new ScalarQuantizer(distance, dim, lo, hi);
  }

  @Override
  public void write(DataOutputStream out) throws IOException {
    float lo = offset - 128 * alpha;
    out.writeFloat(lo);
    out.writeFloat(lo + 255 * alpha);
  }

  @Override
  public int codeBytes() {
    return dim;
  }

  @Override
  public void encode(float[] v, MemorySegment dst, long at) {
    float lo = offset - 128 * alpha;
    for (int i = 0; i < dim; i++) {
      int c = Math.round((v[i] - lo) / alpha);
      dst.set(ValueLayout.JAVA_BYTE, at + i, (byte) (Math.clamp(c, 0, 255) - 128));
    }
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    return switch (distance) {
      case DOT, COSINE -> {
        float sum = 0;
        for (float x : query) {
          sum += x;
        }
        yield new Batched(true, query, codes, offset * sum, alpha);
      }
      case EUCLID -> new Batched(false, shifted(query), codes, 0, -alpha * alpha);
      case MANHATTAN -> {
        float[] shifted = shifted(query);
        yield slot -> -alpha * l1(shifted, codes.segment(slot), codes.offset(slot));
      }
    };
  }

  /**
   * A scorer of codes: {@code base + factor * raw}, where {@code raw} is the dot product of {@code
   * q} and the code ({@code dot}) or their squared distance. A walk's batch is scored four codes at
   * a time, which share each load of the query and keep four independent chains of widening and FMA
   * busy, as {@code OffHeapVectors.similarities} does for full vectors; one at a time a code's
   * single chain waits on each FMA in turn.
   */
  private record Batched(boolean dot, float[] q, Codes codes, float base, float factor)
      implements SlotScorer {
    @Override
    public float score(int slot) {
      MemorySegment seg = codes.segment(slot);
      long at = codes.offset(slot);
      return base + factor * (dot ? ScalarQuantizer.dot(q, seg, at) : l2(q, seg, at));
    }

    @Override
    public void scores(int[] slots, int count, float[] out) {
      int i = 0;
      for (; i + 4 <= count; i += 4) {
        if (dot) {
          dot4(slots[i], slots[i + 1], slots[i + 2], slots[i + 3], out, i);
        } else {
          l2four(slots[i], slots[i + 1], slots[i + 2], slots[i + 3], out, i);
        }
      }
      for (; i < count; i++) {
        out[i] = score(slots[i]);
      }
    }

    // The two kernels below stay small and call nothing of their own that takes or returns a
    // vector: a vector passed across a call the compiler does not inline is boxed. A first form
    // with such helpers (a widening one, a finishing one) ran seven times slower than one code at
    // a time inside the ANN benchmark, though fast in a probe of its own.

    private void dot4(int s0, int s1, int s2, int s3, float[] out, int at) {
      MemorySegment m0 = codes.segment(s0);
      MemorySegment m1 = codes.segment(s1);
      MemorySegment m2 = codes.segment(s2);
      MemorySegment m3 = codes.segment(s3);
      long b0 = codes.offset(s0);
      long b1 = codes.offset(s1);
      long b2 = codes.offset(s2);
      long b3 = codes.offset(s3);
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F);
      FloatVector a3 = FloatVector.zero(F);
      int i = 0;
      for (int bound = F.loopBound(q.length); i < bound; i += F.length()) {
        FloatVector qv = FloatVector.fromArray(F, q, i);
        a0 =
            qv.fma(
                ByteVector.fromMemorySegment(B, m0, b0 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0),
                a0);
        a1 =
            qv.fma(
                ByteVector.fromMemorySegment(B, m1, b1 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0),
                a1);
        a2 =
            qv.fma(
                ByteVector.fromMemorySegment(B, m2, b2 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0),
                a2);
        a3 =
            qv.fma(
                ByteVector.fromMemorySegment(B, m3, b3 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0),
                a3);
      }
      out[at] = finish(a0.reduceLanes(VectorOperators.ADD), m0, b0, i);
      out[at + 1] = finish(a1.reduceLanes(VectorOperators.ADD), m1, b1, i);
      out[at + 2] = finish(a2.reduceLanes(VectorOperators.ADD), m2, b2, i);
      out[at + 3] = finish(a3.reduceLanes(VectorOperators.ADD), m3, b3, i);
    }

    private void l2four(int s0, int s1, int s2, int s3, float[] out, int at) {
      MemorySegment m0 = codes.segment(s0);
      MemorySegment m1 = codes.segment(s1);
      MemorySegment m2 = codes.segment(s2);
      MemorySegment m3 = codes.segment(s3);
      long b0 = codes.offset(s0);
      long b1 = codes.offset(s1);
      long b2 = codes.offset(s2);
      long b3 = codes.offset(s3);
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F);
      FloatVector a3 = FloatVector.zero(F);
      int i = 0;
      for (int bound = F.loopBound(q.length); i < bound; i += F.length()) {
        FloatVector qv = FloatVector.fromArray(F, q, i);
        FloatVector d0 =
            qv.sub(
                ByteVector.fromMemorySegment(B, m0, b0 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0));
        FloatVector d1 =
            qv.sub(
                ByteVector.fromMemorySegment(B, m1, b1 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0));
        FloatVector d2 =
            qv.sub(
                ByteVector.fromMemorySegment(B, m2, b2 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0));
        FloatVector d3 =
            qv.sub(
                ByteVector.fromMemorySegment(B, m3, b3 + i, NATIVE)
                    .convertShape(VectorOperators.B2F, F, 0));
        a0 = d0.fma(d0, a0);
        a1 = d1.fma(d1, a1);
        a2 = d2.fma(d2, a2);
        a3 = d3.fma(d3, a3);
      }
      out[at] = finish(a0.reduceLanes(VectorOperators.ADD), m0, b0, i);
      out[at + 1] = finish(a1.reduceLanes(VectorOperators.ADD), m1, b1, i);
      out[at + 2] = finish(a2.reduceLanes(VectorOperators.ADD), m2, b2, i);
      out[at + 3] = finish(a3.reduceLanes(VectorOperators.ADD), m3, b3, i);
    }

    /** {@code raw} (the lanes' sum) with the tail from {@code from} on, as the score. */
    private float finish(float raw, MemorySegment seg, long at, int from) {
      for (int i = from; i < q.length; i++) {
        float c = seg.get(ValueLayout.JAVA_BYTE, at + i);
        if (dot) {
          raw += q[i] * c;
        } else {
          float d = q[i] - c;
          raw += d * d;
        }
      }
      return base + factor * raw;
    }
  }

  /** The query in code units: {@code (q - offset) / alpha}. */
  private float[] shifted(float[] query) {
    float[] out = new float[dim];
    for (int i = 0; i < dim; i++) {
      out[i] = (query[i] - offset) / alpha;
    }
    return out;
  }

  private static FloatVector widen(MemorySegment seg, long at) {
    return (FloatVector)
        ByteVector.fromMemorySegment(B, seg, at, ByteOrder.nativeOrder())
            .convertShape(VectorOperators.B2F, F, 0);
  }

  static float dot(float[] q, MemorySegment seg, long at) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(q.length); i < bound; i += F.length()) {
      acc = FloatVector.fromArray(F, q, i).fma(widen(seg, at + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < q.length; i++) {
      sum += q[i] * seg.get(ValueLayout.JAVA_BYTE, at + i);
    }
    return sum;
  }

  static float l2(float[] q, MemorySegment seg, long at) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(q.length); i < bound; i += F.length()) {
      FloatVector d = FloatVector.fromArray(F, q, i).sub(widen(seg, at + i));
      acc = d.fma(d, acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < q.length; i++) {
      float d = q[i] - seg.get(ValueLayout.JAVA_BYTE, at + i);
      sum += d * d;
    }
    return sum;
  }

  static float l1(float[] q, MemorySegment seg, long at) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(q.length); i < bound; i += F.length()) {
      acc = acc.add(FloatVector.fromArray(F, q, i).sub(widen(seg, at + i)).abs());
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < q.length; i++) {
      sum += Math.abs(q[i] - seg.get(ValueLayout.JAVA_BYTE, at + i));
    }
    return sum;
  }
}
