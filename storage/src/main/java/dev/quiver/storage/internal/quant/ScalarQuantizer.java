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
        float base = offset * sum;
        yield slot -> base + alpha * dot(query, codes.segment(slot), codes.offset(slot));
      }
      case EUCLID -> {
        float[] shifted = shifted(query);
        float scale = alpha * alpha;
        yield slot -> -scale * l2(shifted, codes.segment(slot), codes.offset(slot));
      }
      case MANHATTAN -> {
        float[] shifted = shifted(query);
        yield slot -> -alpha * l1(shifted, codes.segment(slot), codes.offset(slot));
      }
    };
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
