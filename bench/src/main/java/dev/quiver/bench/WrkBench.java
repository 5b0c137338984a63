package dev.quiver.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What TLS and an API key cost REST search throughput, measured by {@code wrk} (a C load generator
 * whose own cost is small, so the server's difference shows): two server processes, one plain and
 * one with TLS and an API key, each loaded with the same 20,000 points, then {@code wrk -t2 -c8}
 * with keep-alive posting nearest-vector queries (limit 10, 1,024 queries in turn) to each in
 * alternating rounds; the ratio is of the sums. {@code wrk} is Debian's package, installed with
 * apt-get when missing and this process may.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@wrk [-Dbench.seconds=10] [-Dbench.rounds=3]}
 */
public final class WrkBench {
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

  private WrkBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = Integer.getInteger("bench.seconds", 10);
    int rounds = Integer.getInteger("bench.rounds", 3);
    Path base = args.length > 0 ? Path.of(args[0]).resolve("minilm-384/base.fvecs") : null;
    LoadGen.data = base != null && Files.exists(base) ? AnnBench.fvecs(base) : null;
    if (!hasWrk() && !(DataSets.aptInstall("wrk") && hasWrk())) {
      System.out.println("wrk is not installed and could not be: nothing measured");
      System.exit(1);
    }
    Path work = Scratch.dir("quiver-wrk");
    Path tls = Files.createDirectories(work.resolve("tls"));
    TlsCostBench.makeCertificates(tls);
    Path script = work.resolve("queries.lua");
    Files.writeString(script, script());
    LoadServer plain = LoadServer.start(work.resolve("plain"), tls, "plain");
    LoadServer secure = LoadServer.start(work.resolve("tls+key"), tls, "tls+key");
    try {
      for (LoadServer s : List.of(plain, secure)) {
        LoadTarget t = s.target();
        try {
          LoadGen.load(t);
        } finally {
          t.close();
        }
      }
      String plainUrl = "http://127.0.0.1:" + plain.http();
      String secureUrl = "https://127.0.0.1:" + secure.http();
      wrk(script, plainUrl, null, 3); // warm-up: both servers compile their hot paths
      wrk(script, secureUrl, LoadGen.KEY, 3);
      List<Double> plainRates = new ArrayList<>();
      List<Double> secureRates = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        boolean plainFirst = round % 2 == 0;
        if (plainFirst) {
          plainRates.add(wrk(script, plainUrl, null, seconds));
        }
        secureRates.add(wrk(script, secureUrl, LoadGen.KEY, seconds));
        if (!plainFirst) {
          plainRates.add(wrk(script, plainUrl, null, seconds));
        }
        System.out.printf(
            Locale.ROOT,
            "round %d: plain %.0f/s, TLS + API key %.0f/s (%.2f)%n",
            round + 1,
            plainRates.getLast(),
            secureRates.getLast(),
            secureRates.getLast() / plainRates.getLast());
      }
      double p = plainRates.stream().mapToDouble(Double::doubleValue).sum();
      double s = secureRates.stream().mapToDouble(Double::doubleValue).sum();
      System.out.printf(
          Locale.ROOT,
          "REST search, wrk -t2 -c8, %d rounds of %d s: plain %.0f/s, TLS + API key %.0f/s;"
              + " TLS + API key / plain %.2f, a cost of %.0f%% (target <= 15%%)%n",
          rounds,
          seconds,
          p / rounds,
          s / rounds,
          s / p,
          100 * (1 - s / p));
    } finally {
      plain.close();
      secure.close();
    }
    System.exit(0);
  }

  private static boolean hasWrk() throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder("wrk", "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.waitFor(10, TimeUnit.SECONDS);
      return true; // it ran (its --version exits 1)
    } catch (IOException e) {
      return false;
    }
  }

  /** A Lua script posting 1,024 different queries in turn, on every connection. */
  private static String script() {
    Random seed = new Random(7);
    StringBuilder lua = new StringBuilder("local bodies = {\n");
    for (int k = 0; k < 1024; k++) {
      StringBuilder body = new StringBuilder("{\"query\":");
      LoadGen.appendVector(body, LoadGen.vector(seed.nextInt(LoadGen.LOADED), seed));
      body.append(",\"limit\":10}");
      lua.append("  [[").append(body).append("]],\n");
    }
    lua.append(
        """
        }
        local i = 0
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        local key = os.getenv("QUIVER_API_KEY")
        if key and key ~= "" then
          wrk.headers["api-key"] = key
        end
        request = function()
          i = i % #bodies + 1
          return wrk.format(nil, "/collections/load/points/query", nil, bodies[i])
        end
        """);
    return lua.toString();
  }

  /** Requests per second {@code wrk} measured against {@code url} for {@code seconds}. */
  private static double wrk(Path script, String url, String key, int seconds) throws Exception {
    var pb =
        new ProcessBuilder("wrk", "-t2", "-c8", "-d" + seconds + "s", "-s", script.toString(), url)
            .redirectErrorStream(true);
    pb.environment().put("QUIVER_API_KEY", key == null ? "" : key);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("wrk did not finish");
    }
    if (out.contains("Non-2xx") || out.contains("Socket errors")) {
      throw new IllegalStateException("wrk saw failed requests:\n" + out);
    }
    Matcher m = RATE.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no rate in wrk's output:\n" + out);
    }
    return Double.parseDouble(m.group(1));
  }
}
