package dev.quiver.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The memory soak: a server process (TLS, API key and JWT on, as in production) under 32 clients
 * for a bounded time (30 minutes by default) with a mix of gRPC and REST searches, filtered
 * searches, scrolls and 16-point upserts that rewrite existing points (so deleted vectors pile up
 * and the vacuum must reclaim them). Every sample forces a full GC in the server ({@code jcmd
 * GC.run}) and records the heap it keeps, its open file descriptors, threads and resident memory.
 * Prints a markdown table, the growth between the first sample after warm-up and the end, and a PNG
 * chart.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@soak [-Dbench.soak.minutes=30]}
 */
public final class Soak {
  private static final int CLIENTS = 32;
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private record Sample(
      double minute, long requests, double heapMb, int fds, int threads, double rssMb) {}

  private Soak() {}

  public static void main(String[] args) throws Exception {
    double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 30;
    Path base = args.length > 2 ? Path.of(args[1]).resolve(args[2]).resolve("base.fvecs") : null;
    LoadGen.data = base != null && Files.exists(base) ? AnnBench.fvecs(base) : null;
    Path work = Scratch.dir("quiver-soak");
    Path tls = Files.createDirectories(work.resolve("tls"));
    TlsCostBench.makeCertificates(tls);
    String mode = System.getProperty("bench.soak.mode", "tls+jwt");
    LoadServer server = LoadServer.start(work.resolve(mode), tls, mode);
    List<Sample> samples = new ArrayList<>();
    AtomicLong requests = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    try {
      LoadTarget t = server.target();
      LoadGen.load(t);
      ClosedLoop.Call[] mix = {
        LoadGen.call(t, "grpc", "search"),
        LoadGen.call(t, "grpc", "search"),
        LoadGen.call(t, "grpc", "search"),
        LoadGen.call(t, "rest", "search"),
        LoadGen.call(t, "grpc", "filtered"),
        LoadGen.call(t, "rest", "filtered"),
        LoadGen.call(t, "grpc", "scroll"),
        LoadGen.call(t, "rest", "scroll"),
        r -> { // rewrite 16 existing points: the collection stays the same size
          int from = r.nextInt(LoadGen.LOADED - 16);
          return t.sendAsync(
              "/collections/load/points?wait=true", "PUT", LoadGen.points(from, 16, r));
        },
      };
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int seed = i;
        clients.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed * 104729L);
                      while (!stop.get()) {
                        try {
                          mix[r.nextInt(mix.length)].start(r).get();
                          requests.incrementAndGet();
                        } catch (Exception e) {
                          errors.incrementAndGet();
                        }
                      }
                    }));
      }
      long start = System.nanoTime();
      long end = start + (long) (minutes * 60e9);
      long every = Math.max(10_000_000_000L, (long) (minutes * 60e9 / 30)); // ~30 samples
      long pid = server.process().pid();
      while (true) {
        double minute = (System.nanoTime() - start) / 60e9;
        samples.add(sample(pid, minute, requests.get()));
        Sample s = samples.getLast();
        System.out.printf(
            Locale.ROOT,
            "%6.1f min: %,d requests (%d errors), heap after GC %.1f MB, %d fds, %d threads,"
                + " RSS %.0f MB%n",
            s.minute(),
            s.requests(),
            errors.get(),
            s.heapMb(),
            s.fds(),
            s.threads(),
            s.rssMb());
        if (System.nanoTime() >= end) {
          break;
        }
        Thread.sleep(Math.max(1, Math.min(every, end - System.nanoTime()) / 1_000_000));
      }
      stop.set(true);
      for (Thread c : clients) {
        c.join(TimeUnit.SECONDS.toMillis(60));
      }
      t.close();
    } finally {
      server.close();
    }
    report(samples, errors.get());
    Path png = Path.of("target", "soak.png").toAbsolutePath();
    chart(samples, png);
    System.out.println("chart: " + png);
    System.exit(0);
  }

  /** Forces a full GC in the server, then reads its heap, descriptors, threads and RSS. */
  private static Sample sample(long pid, double minute, long requests) throws Exception {
    jcmd(pid, "GC.run");
    String heap = jcmd(pid, "GC.heap_info");
    Matcher m = USED.matcher(heap);
    double heapMb = m.find() ? Long.parseLong(m.group(1)) / 1024.0 : -1;
    int fds;
    try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      fds = (int) list.count();
    }
    int threads = 0;
    double rss = 0;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("Threads:")) {
        threads = Integer.parseInt(line.substring(8).trim());
      } else if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.substring(6).replace("kB", "").trim()) / 1024.0;
      }
    }
    return new Sample(minute, requests, heapMb, fds, threads, rss);
  }

  private static String jcmd(long pid, String command) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  private static void report(List<Sample> samples, long errors) {
    System.out.println();
    System.out.println(
        "| minute | requests/s | heap after GC (MB) | open fds | threads | RSS (MB) |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    Sample prev = null;
    for (Sample s : samples) {
      double rate =
          prev == null ? 0 : (s.requests() - prev.requests()) / ((s.minute() - prev.minute()) * 60);
      System.out.printf(
          Locale.ROOT,
          "| %.1f | %.0f | %.1f | %d | %d | %.0f |%n",
          s.minute(),
          rate,
          s.heapMb(),
          s.fds(),
          s.threads(),
          s.rssMb());
      prev = s;
    }
    // compare the end with the first sample after warm-up (a tenth of the run)
    Sample last = samples.getLast();
    Sample first =
        samples.stream()
            .filter(s -> s.minute() >= last.minute() / 10)
            .findFirst()
            .orElse(samples.getFirst());
    double halfMinute = last.minute() / 2;
    double secondHalfMax =
        samples.stream()
            .filter(s -> s.minute() >= halfMinute)
            .mapToDouble(Sample::heapMb)
            .max()
            .orElse(0);
    double firstHalfMax =
        samples.stream()
            .filter(s -> s.minute() < halfMinute)
            .mapToDouble(Sample::heapMb)
            .max()
            .orElse(0);
    System.out.printf(
        Locale.ROOT,
        "%n%d clients, %.1f minutes, %,d requests, %d errors%n"
            + "heap after GC: %.1f MB at %.1f min -> %.1f MB at the end (%+.1f%%);"
            + " highest in the first half %.1f MB, in the second %.1f MB%n"
            + "open fds: %d -> %d; threads: %d -> %d; RSS: %.0f -> %.0f MB%n",
        CLIENTS,
        last.minute(),
        last.requests(),
        errors,
        first.heapMb(),
        first.minute(),
        last.heapMb(),
        100 * (last.heapMb() - first.heapMb()) / first.heapMb(),
        firstHalfMax,
        secondHalfMax,
        first.fds(),
        last.fds(),
        first.threads(),
        last.threads(),
        first.rssMb(),
        last.rssMb());
  }

  private static void chart(List<Sample> samples, Path png) throws Exception {
    int w = 900;
    int h = 420;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    int left = 70;
    int right = w - 70;
    int top = 40;
    int bottom = h - 50;
    double maxMinute = Math.max(1e-9, samples.getLast().minute());
    double maxHeap = samples.stream().mapToDouble(Sample::heapMb).max().orElse(1) * 1.2;
    double maxFds = samples.stream().mapToInt(Sample::fds).max().orElse(1) * 1.2;
    g.setColor(Color.BLACK);
    g.drawLine(left, bottom, right, bottom);
    g.drawLine(left, top, left, bottom);
    g.drawLine(right, top, right, bottom);
    g.drawString(
        "Quiver soak: heap after full GC (blue, MB, left) and open fds (red, right)", left, 25);
    g.drawString(String.format(Locale.ROOT, "%.0f min", maxMinute), right - 40, bottom + 20);
    g.drawString("0", left - 10, bottom + 20);
    g.drawString(String.format(Locale.ROOT, "%.0f", maxHeap), 10, top + 5);
    g.drawString(String.format(Locale.ROOT, "%.0f", maxFds), right + 8, top + 5);
    g.setStroke(new BasicStroke(2f));
    for (int series = 0; series < 2; series++) {
      g.setColor(series == 0 ? new Color(30, 90, 200) : new Color(200, 40, 40));
      int px = -1;
      int py = -1;
      for (Sample s : samples) {
        int x = left + (int) ((right - left) * s.minute() / maxMinute);
        double v = series == 0 ? s.heapMb() / maxHeap : s.fds() / maxFds;
        int y = bottom - (int) ((bottom - top) * v);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
    }
    g.dispose();
    Files.createDirectories(png.getParent());
    ImageIO.write(img, "png", png.toFile());
  }
}
