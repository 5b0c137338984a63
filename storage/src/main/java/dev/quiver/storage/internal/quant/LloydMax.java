package dev.quiver.storage.internal.quant;

/**
 * The Lloyd-Max quantizer of a standard normal: the {@code n} levels that minimise the mean squared
 * error, found by Lloyd's iteration (each threshold the midpoint of its two levels, each level the
 * mean of the normal between its thresholds) over a fine grid of the density. Computed once per
 * size; the results are the classic tables (Max, 1960: ±0.798 for two levels, ±0.453 and ±1.510 for
 * four). Stateless (static methods only), so thread-safe.
 */
final class LloydMax {
  private static final int GRID = 1 << 16;
  private static final double RANGE = 8;
  private static final int ROUNDS = 300;

  private LloydMax() {}

  /** The {@code n} levels, ascending. */
  static float[] levels(int n) {
    double[] x = new double[GRID];
    double[] p = new double[GRID];
    for (int i = 0; i < GRID; i++) {
      x[i] = -RANGE + 2 * RANGE * (i + 0.5) / GRID;
      p[i] = Math.exp(-x[i] * x[i] / 2);
    }
    double[] level = new double[n];
    for (int k = 0; k < n; k++) {
      level[k] = -3 + 6 * (k + 0.5) / n; // evenly spread to start
    }
    for (int round = 0; round < ROUNDS; round++) {
      double[] mass = new double[n];
      double[] moment = new double[n];
      int k = 0;
      for (int i = 0; i < GRID; i++) {
        while (k < n - 1 && x[i] >= (level[k] + level[k + 1]) / 2) {
          k++;
        }
        mass[k] += p[i];
        moment[k] += p[i] * x[i];
      }
      for (int j = 0; j < n; j++) {
        if (mass[j] > 0) {
          level[j] = moment[j] / mass[j];
        }
      }
    }
    float[] out = new float[n];
    for (int j = 0; j < n; j++) {
      out[j] = (float) level[j];
    }
    return out;
  }
}
