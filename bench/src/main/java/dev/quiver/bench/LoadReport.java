package dev.quiver.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The load benchmark's results as a Markdown table (with each mode against the plain server) and as
 * grouped bars in a PNG. Stateless, so thread-safe.
 */
final class LoadReport {
  private LoadReport() {}

  // ---- reporting ----

  static void report(Map<LoadGen.Case, LoadGen.Stats> results) {
    System.out.println();
    System.out.println(
        "| api | operation | clients | mode | req/s | p50 ms | p99 ms | p99.9 ms | errors | vs plain |");
    System.out.println("|---|---|---:|---|---:|---:|---:|---:|---:|---:|");
    results.forEach(
        (c, s) -> {
          LoadGen.Stats plain =
              results.get(new LoadGen.Case("plain", c.api(), c.op(), c.clients()));
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %d | %s | %.0f | %.2f | %.2f | %.2f | %d | %.2f |%n",
              c.api(),
              c.op(),
              c.clients(),
              c.mode(),
              s.qps(),
              s.p50(),
              s.p99(),
              s.p999(),
              s.errors(),
              plain == null ? Double.NaN : s.qps() / plain.qps());
        });
    // REST against gRPC, same operation, clients and mode
    System.out.println();
    System.out.println("| operation | clients | mode | REST / gRPC |");
    System.out.println("|---|---:|---|---:|");
    results.forEach(
        (c, s) -> {
          if (c.api().equals("rest")) {
            LoadGen.Stats g = results.get(new LoadGen.Case(c.mode(), "grpc", c.op(), c.clients()));
            if (g == null) {
              return;
            }
            System.out.printf(
                Locale.ROOT,
                "| %s | %d | %s | %.2f |%n",
                c.op(),
                c.clients(),
                c.mode(),
                s.qps() / g.qps());
          }
        });
  }

  /** Grouped bars: one group per (api, operation, clients), one bar per mode. */
  static void chart(Map<LoadGen.Case, LoadGen.Stats> results, Path png) throws Exception {
    List<String> groups = new ArrayList<>();
    for (LoadGen.Case c : results.keySet()) {
      String g = c.api() + " " + c.op() + " " + c.clients();
      if (!groups.contains(g)) {
        groups.add(g);
      }
    }
    String[] modes = {"plain", "tls", "tls+jwt"};
    Color[] colors = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868)};
    int w = 60 + groups.size() * 48;
    int h = 520;
    var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    double max = results.values().stream().mapToDouble(LoadGen.Stats::qps).max().orElse(1);
    double logMax = Math.log10(Math.max(10, max));
    int top = 40;
    int bottom = h - 130;
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("Quiver end-to-end requests/s (log scale) by API, operation, clients", 10, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    for (int p = 1; p <= Math.ceil(logMax); p++) {
      int y = bottom - (int) ((bottom - top) * p / logMax);
      g.setColor(new Color(0xDDDDDD));
      g.drawLine(50, y, w - 10, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%,d", (long) Math.pow(10, p)), 5, y + 4);
    }
    for (int i = 0; i < groups.size(); i++) {
      String[] parts = groups.get(i).split(" ");
      int x0 = 55 + i * 48;
      for (int m = 0; m < modes.length; m++) {
        LoadGen.Stats s =
            results.get(new LoadGen.Case(modes[m], parts[0], parts[1], Integer.parseInt(parts[2])));
        if (s == null) {
          continue;
        }
        int bh = (int) ((bottom - top) * Math.log10(Math.max(1, s.qps())) / logMax);
        g.setColor(colors[m]);
        g.fillRect(x0 + m * 13, bottom - bh, 12, bh);
      }
      var t = g.getTransform();
      g.rotate(Math.toRadians(60), x0, bottom + 8);
      g.setColor(Color.BLACK);
      g.drawString(groups.get(i), x0, bottom + 8);
      g.setTransform(t);
    }
    for (int m = 0; m < modes.length; m++) {
      g.setColor(colors[m]);
      g.fillRect(w - 220 + m * 70, 28, 10, 10);
      g.setColor(Color.BLACK);
      g.drawString(modes[m], w - 206 + m * 70, 37);
    }
    g.dispose();
    Files.createDirectories(png.getParent());
    ImageIO.write(img, "png", png.toFile());
  }
}
