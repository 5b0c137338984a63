package dev.quiver.bench;

import dev.quiver.storage.Distance;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** The benchmark's data sets, from {@code ../shared/data} and (Fashion-MNIST images) Debian. */
final class DataSets {
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

  private DataSets() {}

  /** The data set, its queries cut to {@code nq}; null (with a note) when it cannot be had. */
  static AnnBench.DataSet load(Path dataDir, String name, int nq) throws Exception {
    Path dir = dataDir.resolve(name);
    int[][] gt = AnnBench.ivecs(dir.resolve("gt100.ivecs"));
    float[][] base;
    float[][] queries;
    Distance distance;
    if (name.equals("fashion-mnist")) {
      if (!Files.exists(FASHION.resolve("train-images-idx3-ubyte.gz"))
          && !aptInstall("dataset-fashion-mnist")) {
        System.out.println("fashion-mnist: the Debian package dataset-fashion-mnist is missing");
        return null;
      }
      base = idx(FASHION.resolve("train-images-idx3-ubyte.gz"));
      queries = idx(FASHION.resolve("t10k-images-idx3-ubyte.gz"));
      distance = Distance.EUCLID;
    } else {
      base = AnnBench.fvecs(dir.resolve("base.fvecs"));
      queries = AnnBench.fvecs(dir.resolve("query.fvecs"));
      distance = Distance.COSINE;
    }
    int n = Math.min(nq, queries.length);
    return new AnnBench.DataSet(
        name, base, Arrays.copyOf(queries, n), Arrays.copyOf(gt, n), distance);
  }

  /** IDX3 images (big-endian header, unsigned bytes) as float vectors. */
  static float[][] idx(Path gz) throws IOException {
    try (var in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz), 1 << 16))) {
      if (in.readInt() != 2051) {
        throw new IOException(gz + " is not an IDX3 image file");
      }
      int count = in.readInt();
      int dim = in.readInt() * in.readInt();
      float[][] out = new float[count][dim];
      byte[] row = new byte[dim];
      for (int i = 0; i < count; i++) {
        in.readFully(row);
        for (int j = 0; j < dim; j++) {
          out[i][j] = row[j] & 0xff;
        }
      }
      return out;
    }
  }

  /** Installs a Debian package when it is missing and this process may (root, apt-get). */
  static boolean aptInstall(String pkg) {
    try {
      if (!"root".equals(System.getProperty("user.name"))) {
        System.out.println("(not root: cannot apt-get install " + pkg + ")");
        return false;
      }
      System.out.println("apt-get install -y " + pkg);
      Process p =
          new ProcessBuilder("apt-get", "install", "-y", "-q", pkg)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Writes vectors as {@code .fvecs} (for the Python peer). */
  static void writeFvecs(float[][] vectors, Path file) throws IOException {
    var b = ByteBuffer.allocate(vectors.length * (4 + vectors[0].length * 4));
    b.order(ByteOrder.LITTLE_ENDIAN);
    for (float[] v : vectors) {
      b.putInt(v.length);
      for (float f : v) {
        b.putFloat(f);
      }
    }
    Files.write(file, b.array());
  }

  /** Writes the ground truth rows as {@code .ivecs}. */
  static void writeIvecs(int[][] rows, Path file) throws IOException {
    var b = ByteBuffer.allocate(rows.length * (4 + rows[0].length * 4));
    b.order(ByteOrder.LITTLE_ENDIAN);
    for (int[] r : rows) {
      b.putInt(r.length);
      for (int x : r) {
        b.putInt(x);
      }
    }
    Files.write(file, b.array());
  }
}
