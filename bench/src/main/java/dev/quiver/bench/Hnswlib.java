package dev.quiver.bench;

import dev.quiver.storage.Distance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * hnswlib (Debian {@code python3-hnswlib}) as a peer: the same data written to a temporary
 * directory, built on two threads and searched one query at a time on one thread by a Python
 * script; each query's time includes the Python call (tens of microseconds), so its QPS is a lower
 * bound for the C++ library.
 */
final class Hnswlib {
  private static final Pattern NUMBER = Pattern.compile("\"(\\w+)\": ([0-9.eE+-]+)");

  record Result(double buildPerSecond, List<AnnBench.Row> rows) {}

  private Hnswlib() {}

  private static final String SCRIPT =
      """
      import sys, time, json
      import numpy as np, hnswlib
      def vecs(p, t):
          a = np.fromfile(p, dtype='int32')
          return a.reshape(-1, a[0] + 1)[:, 1:].copy().view(t)
      base = vecs(sys.argv[1], 'float32'); q = vecs(sys.argv[2], 'float32')
      gt = vecs(sys.argv[3], 'int32')
      m, efc = int(sys.argv[5]), int(sys.argv[6])
      idx = hnswlib.Index(space=sys.argv[4], dim=base.shape[1])
      idx.init_index(max_elements=len(base), M=m, ef_construction=efc, random_seed=42)
      t = time.time(); idx.add_items(base, np.arange(len(base)), num_threads=2)
      print(json.dumps({"build": len(base) / (time.time() - t)}), flush=True)
      idx.set_num_threads(1)
      for ef in [int(x) for x in sys.argv[7].split(',')]:
          idx.set_ef(max(ef, 10))
          for rep in range(2):
              lat = []; hits = 0; t0 = time.time()
              for i in range(len(q)):
                  t = time.perf_counter()
                  labels, _ = idx.knn_query(q[i:i + 1], k=10)
                  lat.append(time.perf_counter() - t)
                  hits += len(set(labels[0].tolist()) & set(gt[i][:10].tolist()))
              el = time.time() - t0
          lat.sort()
          print(json.dumps({"ef": ef, "recall": hits / (10 * len(q)), "qps": len(q) / el,
                            "p50": lat[len(q) // 2] * 1e3, "p99": lat[int(len(q) * 0.99)] * 1e3}), flush=True)
      """;

  /** Runs hnswlib on {@code ds}, or returns null (with a note) when it is not available. */
  static Result run(AnnBench.DataSet ds, int m, int efConstruct, int[] efs) throws Exception {
    if (!available() && !(DataSets.aptInstall("python3-hnswlib") && available())) {
      System.out.println("hnswlib: python3-hnswlib is not available; skipped");
      return null;
    }
    Path dir = Scratch.dir("quiver-ann-hnswlib");
    DataSets.writeFvecs(ds.base(), dir.resolve("base.fvecs"));
    DataSets.writeFvecs(ds.queries(), dir.resolve("query.fvecs"));
    DataSets.writeIvecs(ds.gt(), dir.resolve("gt.ivecs"));
    Files.writeString(dir.resolve("run.py"), SCRIPT);
    StringBuilder list = new StringBuilder();
    for (int ef : efs) {
      list.append(list.isEmpty() ? "" : ",").append(ef);
    }
    // hnswlib's inner product on normalised vectors is the cosine order; its l2 the Euclid order
    Process p =
        new ProcessBuilder(
                python(),
                dir.resolve("run.py").toString(),
                dir.resolve("base.fvecs").toString(),
                dir.resolve("query.fvecs").toString(),
                dir.resolve("gt.ivecs").toString(),
                ds.distance() == Distance.EUCLID ? "l2" : "ip",
                Integer.toString(m),
                Integer.toString(efConstruct),
                list.toString())
            .redirectErrorStream(true)
            .start();
    double build = 0;
    List<AnnBench.Row> rows = new ArrayList<>();
    for (String line :
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
      Map<String, Double> v = new HashMap<>();
      Matcher mm = NUMBER.matcher(line);
      while (mm.find()) {
        v.put(mm.group(1), Double.parseDouble(mm.group(2)));
      }
      if (v.containsKey("build")) {
        build = v.get("build");
      } else if (v.containsKey("ef")) {
        rows.add(
            new AnnBench.Row(
                "hnswlib",
                v.get("ef").intValue(),
                v.get("recall"),
                v.get("qps"),
                v.get("p50"),
                v.get("p99")));
        System.out.printf(
            Locale.ROOT,
            "  hnswlib ef=%d: recall %.3f, %.0f QPS%n",
            v.get("ef").intValue(),
            v.get("recall"),
            v.get("qps"));
      } else if (!line.isBlank()) {
        System.out.println("hnswlib: " + line);
      }
    }
    p.waitFor();
    return rows.isEmpty() ? null : new Result(build, rows);
  }

  /** Debian's python (where {@code python3-hnswlib} installs), not one shadowing it on the PATH. */
  private static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  private static boolean available() {
    try {
      return new ProcessBuilder(python(), "-c", "import hnswlib, numpy")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor()
          == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
