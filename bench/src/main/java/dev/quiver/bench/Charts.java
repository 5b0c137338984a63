package dev.quiver.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** PNG charts of the benchmarks (java.awt, headless). */
final class Charts {
  private static final Color[] COLORS = {
    new Color(30, 90, 200), new Color(200, 40, 40), new Color(30, 150, 60), new Color(150, 90, 20)
  };

  private Charts() {}

  /** Recall@10 (x) against single-thread QPS (y, log scale), one line per engine. */
  static void recallVsQps(String title, List<AnnBench.Row> rows, Path png) throws Exception {
    Map<String, List<AnnBench.Row>> byEngine = new LinkedHashMap<>();
    for (AnnBench.Row r : rows) {
      if (r.ef() > 0) {
        byEngine.computeIfAbsent(r.engine(), k -> new ArrayList<>()).add(r);
      }
    }
    int w = 900;
    int h = 560;
    int left = 80;
    int right = w - 170;
    int top = 50;
    int bottom = h - 60;
    double minRecall =
        Math.max(
            0, Math.min(0.9, rows.stream().mapToDouble(AnnBench.Row::recall).min().orElse(0.9)));
    double maxQps = rows.stream().mapToDouble(AnnBench.Row::qps).max().orElse(1) * 1.3;
    double minQps = Math.max(1, rows.stream().mapToDouble(AnnBench.Row::qps).min().orElse(1) / 1.3);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.drawString(title + ": recall@10 vs single-thread QPS (log), one point per ef", left, 25);
    g.drawLine(left, bottom, right, bottom);
    g.drawLine(left, top, left, bottom);
    g.setColor(Color.GRAY);
    for (double rc = Math.ceil(minRecall * 50) / 50; rc <= 1.0001; rc += 0.02) {
      int x = left + (int) ((right - left) * (rc - minRecall) / (1 - minRecall));
      g.drawLine(x, bottom, x, bottom + 5);
      g.drawString(String.format(Locale.ROOT, "%.2f", rc), x - 12, bottom + 20);
    }
    for (double q = Math.pow(10, Math.floor(Math.log10(minQps))); q <= maxQps; q *= 10) {
      for (int k : new int[] {1, 2, 5}) {
        double v = q * k;
        if (v < minQps || v > maxQps) {
          continue;
        }
        int y = y(v, minQps, maxQps, top, bottom);
        g.drawLine(left - 5, y, left, y);
        g.drawString(String.format(Locale.ROOT, "%.0f", v), 10, y + 5);
      }
    }
    g.drawString("recall@10", (left + right) / 2, h - 15);
    g.setStroke(new BasicStroke(2f));
    int i = 0;
    for (var e : byEngine.entrySet()) {
      g.setColor(COLORS[i % COLORS.length]);
      int px = -1;
      int py = -1;
      for (AnnBench.Row r : e.getValue()) {
        int x =
            left
                + (int)
                    ((right - left)
                        * (Math.max(minRecall, r.recall()) - minRecall)
                        / (1 - minRecall));
        int y = y(r.qps(), minQps, maxQps, top, bottom);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
      g.drawString(e.getKey(), right + 20, top + 20 + 22 * i);
      g.fillRect(right + 5, top + 12 + 22 * i, 10, 10);
      i++;
    }
    g.dispose();
    Files.createDirectories(png.getParent());
    ImageIO.write(img, "png", png.toFile());
  }

  private static int y(double qps, double min, double max, int top, int bottom) {
    double f = (Math.log(qps) - Math.log(min)) / (Math.log(max) - Math.log(min));
    return bottom - (int) ((bottom - top) * f);
  }
}
