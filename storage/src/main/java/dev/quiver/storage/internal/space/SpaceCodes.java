package dev.quiver.storage.internal.space;

import dev.quiver.storage.PointId;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.hnsw.Candidates;
import dev.quiver.storage.internal.quant.QuantizedCodes;
import dev.quiver.storage.internal.quant.Quantizer;
import dev.quiver.storage.internal.vector.Epochs;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotScorer;
import dev.quiver.storage.internal.vector.SlotTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The quantized codes of one vector space: the quantization in force, its codes once trained
 * (training from a sample of the live vectors, then encoding every slot), each appended vector
 * encoded as it comes, code stores that a change replaced closed once no read can score them, and
 * what a search over the codes needs: how many candidates to take and their rescoring with the full
 * vectors.
 *
 * <p>Thread-safety: the space's writer (appends, changes) and its indexer (training) write under
 * one lock; searches read the current store without it, and a store they may still read is closed
 * only when the space's {@link Epochs} say no read began before it was replaced.
 */
final class SpaceCodes implements AutoCloseable {
  /** The most vectors a quantizer is trained from. */
  private static final int TRAINING_SAMPLE = 10_000;

  private final Path dir;
  private final VectorParams params;
  private final OffHeapVectors vectors;
  private final SlotTable<PointId> owners;
  private final Epochs epochs;

  /** The quantization in force (served kinds only), or null. */
  private volatile Quantization quantization;

  /** The codes of every slot below {@code vectors.size()} once trained, else null. */
  private volatile QuantizedCodes codes;

  private final Object lock = new Object();

  /** Held while a quantizer is trained: by the indexer, or by a caller draining the index. */
  private final ReentrantLock trainLock = new ReentrantLock();

  /** Code stores replaced while reads may still score them, closed once no read can. */
  private final ConcurrentLinkedQueue<Retired> retired = new ConcurrentLinkedQueue<>();

  private record Retired(QuantizedCodes codes, long epoch) {}

  /**
   * The codes of the space in {@code dir}: those a checkpoint left for its first {@code
   * restoredSize} vectors when {@code quantization} is served, none otherwise (what was there is
   * deleted).
   */
  SpaceCodes(
      Path dir,
      VectorParams params,
      OffHeapVectors vectors,
      SlotTable<PointId> owners,
      Epochs epochs,
      Quantization quantization,
      int restoredSize) {
    this.dir = dir;
    this.params = params;
    this.vectors = vectors;
    this.owners = owners;
    this.epochs = epochs;
    this.quantization = Quantizer.served(quantization) ? quantization : null;
    if (restoredSize == 0 || this.quantization == null) {
      QuantizedCodes.delete(dir); // a fresh space, or one no longer quantized
    } else {
      codes =
          QuantizedCodes.open(
              dir,
              this.quantization,
              params.distance(),
              params.size(),
              restoredSize,
              this.quantization.inRam(vectorsOnDisk()));
    }
  }

  private boolean vectorsOnDisk() {
    return Boolean.TRUE.equals(params.onDisk());
  }

  /**
   * Changes the quantization (a collection update): the codes of the old one are dropped, to be
   * trained again for the new one. Returns whether anything changed.
   */
  boolean set(Quantization next) {
    Quantization served = Quantizer.served(next) ? next : null;
    if (Objects.equals(served, quantization)) {
      return false;
    }
    synchronized (lock) {
      quantization = served;
      QuantizedCodes old = codes;
      codes = null;
      if (old != null) {
        retired.add(new Retired(old, epochs.current()));
      }
      if (served == null) {
        QuantizedCodes.delete(dir);
      }
    }
    return true;
  }

  /** Whether codes are trained and searched. */
  boolean trained() {
    return codes != null;
  }

  /** Whether a quantization is in force whose codes are not trained yet. */
  boolean due() {
    return quantization != null && codes == null;
  }

  /** Bytes of one vector's code, or 0 without codes. */
  int codeBytes() {
    QuantizedCodes c = codes;
    return c == null ? 0 : c.codeBytes();
  }

  /** Bytes one vector takes in RAM: its full vector unless on disk, and its code if held there. */
  long residentBytesPerVector() {
    QuantizedCodes c = codes;
    long full = vectorsOnDisk() ? 0 : (long) params.size() * params.storedAs().bytes();
    return full + (c != null && c.inRam() ? c.codeBytes() : 0);
  }

  /** Encodes an appended (prepared) vector into its slot's code, once codes are trained. */
  void encode(int slot, float[] v) {
    if (quantization == null) {
      return;
    }
    synchronized (lock) {
      QuantizedCodes c = codes;
      if (c != null) {
        c.set(slot, v);
      }
    }
  }

  /**
   * Trains the quantizer from a sample of the live vectors and encodes every slot, unless another
   * thread has just done so.
   */
  void train() {
    trainLock.lock();
    try {
      trainHeld();
    } finally {
      trainLock.unlock();
    }
  }

  private void trainHeld() {
    Quantization config = quantization;
    if (config == null || codes != null) {
      return;
    }
    int n = vectors.size();
    List<float[]> sample = new ArrayList<>();
    int step = Math.max(1, n / TRAINING_SAMPLE);
    for (int slot = 0; slot < n && sample.size() < TRAINING_SAMPLE; slot += step) {
      if (owners.get(slot) != null) {
        sample.add(vectors.get(slot));
      }
    }
    Quantizer quantizer = Quantizer.train(config, params.distance(), params.size(), sample);
    QuantizedCodes fresh;
    synchronized (lock) {
      if (quantization != config) {
        return; // changed meanwhile: the next round trains the new one
      }
      fresh = QuantizedCodes.create(dir, config, quantizer, config.inRam(vectorsOnDisk()));
    }
    float[] v = new float[params.size()];
    int done = 0;
    while (true) {
      synchronized (lock) {
        if (quantization != config) {
          fresh.close();
          return;
        }
        int upTo = Math.min(vectors.size(), done + 1024);
        for (; done < upTo; done++) {
          vectors.copy(done, v);
          fresh.set(done, v);
        }
        if (done == vectors.size()) {
          codes = fresh; // from now on each append encodes its own vector
          return;
        }
      }
    }
  }

  /** Closes the replaced code stores no read can score any more. */
  void closeRetired() {
    Retired r;
    while ((r = retired.peek()) != null && epochs.reclaimable(r.epoch())) {
      retired.poll().codes().close();
    }
  }

  /**
   * A scorer of {@code q} (prepared) over the codes for a search with {@code p}, or null when it
   * searches the full vectors: no codes trained, or {@code p} ignores them.
   */
  SlotScorer scorer(float[] q, QuantizationParams p) {
    QuantizedCodes c = codes;
    return c == null || (p != null && p.ignore()) ? null : c.scorer(q);
  }

  /** How many candidates the codes give for {@code keep} results: {@code keep} x oversampling. */
  int candidates(int keep, QuantizationParams p) {
    double oversampling = p == null ? 1 : p.oversamplingOrDefault();
    return (int) Math.max(keep, Math.min(vectors.size(), Math.ceil(keep * oversampling)));
  }

  /**
   * Candidates found over the codes, as a search returns them: unless {@code p} turns rescoring off
   * (or leaves it to the default, which is off for scalar codes, as in Qdrant), the best {@code
   * candidates} are rescored with the full vectors (Qdrant's oversampling); without rescoring the
   * similarities stay the codes' estimates.
   */
  Candidates rescored(Candidates found, float[] q, int keep, int candidates, QuantizationParams p) {
    boolean byDefault = QuantizationParams.rescoresByDefault(quantization);
    if (!(p == null ? byDefault : p.rescoreOr(byDefault))) {
      return found;
    }
    int[] ranked = found.bestFirstPositions();
    Candidates out = new Candidates(candidates + 1);
    SlotScorer full = vectors.scorer(params.distance(), q);
    for (int i = 0; i < ranked.length && i < Math.max(candidates, keep); i++) {
      int slot = found.node(ranked[i]);
      out.add(slot, full.score(slot));
    }
    return out;
  }

  /** Forces the codes to disk (a checkpoint). */
  void force() {
    QuantizedCodes c = codes;
    if (c != null) {
      c.force();
    }
  }

  /** How many bytes of {@code file} hold data if it is one of the code chunks, else -1. */
  long usedBytes(Path file) {
    QuantizedCodes c = codes;
    return c == null ? -1 : c.usedBytes(file, vectors.size());
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (codes != null) {
        codes.close();
        codes = null;
      }
    }
    Retired r;
    while ((r = retired.poll()) != null) {
      r.codes().close();
    }
  }
}
