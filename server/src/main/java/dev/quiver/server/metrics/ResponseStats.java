package dev.quiver.server.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One API's responses in Qdrant's metric families, by label values whose last is the response's
 * status (an HTTP status, or a gRPC status code): {@code <prefix>_total} and {@code
 * <prefix>_fail_total} for every response, and for those with the success status their average,
 * minimum and maximum duration ({@code <prefix>_avg_duration_seconds} …) and a histogram ({@code
 * <prefix>_duration_seconds}), keyed without the status. REST shows the status label on the totals
 * and the averages (as Qdrant: {@code status="200"}); gRPC shows none, its totals summed over the
 * codes. {@code /telemetry} reads every status apart ({@link #summaries()}). Thread-safe: recording
 * is lock-free; a scrape reads counters that may move meanwhile.
 */
public final class ResponseStats {
  /** Histogram bounds in seconds, as Qdrant's. */
  static final double[] BUCKETS = {
    0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50
  };

  private final String prefix;
  private final List<String> labelNames;
  private final String okStatus;
  private final boolean statusShown;
  private final Map<List<String>, Counts> counts = new ConcurrentHashMap<>();
  private final Map<List<String>, Timings> timings = new ConcurrentHashMap<>();

  /**
   * @param prefix {@code rest_responses} or {@code grpc_responses}
   * @param labelNames the labels of every response, in order, the status last
   * @param okStatus the status whose responses are timed ({@code 200}, or {@code 0} for gRPC OK)
   * @param statusShown whether the exposition carries the status label
   */
  ResponseStats(String prefix, List<String> labelNames, String okStatus, boolean statusShown) {
    this.prefix = prefix;
    this.labelNames = List.copyOf(labelNames);
    this.okStatus = okStatus;
    this.statusShown = statusShown;
  }

  private static final class Counts {
    final LongAdder total = new LongAdder();
    final LongAdder failed = new LongAdder();
  }

  private static final class Timings {
    final LongAdder count = new LongAdder();
    final LongAdder sumNanos = new LongAdder();
    final AtomicLong minNanos = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong maxNanos = new AtomicLong();
    final LongAdder[] buckets = new LongAdder[BUCKETS.length];

    Timings() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void record(long nanos) {
      count.increment();
      sumNanos.add(nanos);
      minNanos.accumulateAndGet(nanos, Math::min);
      maxNanos.accumulateAndGet(nanos, Math::max);
      double seconds = nanos / 1e9;
      for (int i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]) {
          buckets[i].increment(); // cumulative buckets are summed when written
          return;
        }
      }
    }
  }

  /** Records one response with {@code labels} (in the order of the label names). */
  void record(List<String> labels, boolean ok, long nanos) {
    Counts c = counts.computeIfAbsent(labels, k -> new Counts());
    c.total.increment();
    if (!ok) {
      c.failed.increment();
    }
    if (ok && okStatus.equals(labels.getLast())) {
      timings.computeIfAbsent(withoutStatus(labels), k -> new Timings()).record(nanos);
    }
  }

  private static List<String> withoutStatus(List<String> labels) {
    return List.copyOf(labels.subList(0, labels.size() - 1));
  }

  /**
   * One label set's figures, as {@code /telemetry} reports them: durations in microseconds over the
   * successful responses (null where none were timed).
   */
  public record Summary(
      List<String> labels,
      long count,
      long failed,
      Double avgMicros,
      Double minMicros,
      Double maxMicros,
      Long totalMicros) {}

  /** Every label set's figures, in label order. */
  List<Summary> summaries() {
    List<Summary> out = new ArrayList<>();
    sorted(counts)
        .forEach(
            (k, c) -> {
              Timings t = okStatus.equals(k.getLast()) ? timings.get(withoutStatus(k)) : null;
              long n = t == null ? 0 : t.count.sum();
              out.add(
                  n == 0
                      ? new Summary(k, c.total.sum(), c.failed.sum(), null, null, null, null)
                      : new Summary(
                          k,
                          c.total.sum(),
                          c.failed.sum(),
                          t.sumNanos.sum() / 1e3 / n,
                          t.minNanos.get() / 1e3,
                          t.maxNanos.get() / 1e3,
                          t.sumNanos.sum() / 1000));
            });
    return out;
  }

  /** Appends the families in the Prometheus text format; nothing before the first response. */
  void write(StringBuilder out) {
    if (counts.isEmpty()) {
      return;
    }
    List<String> timedNames = labelNames.subList(0, labelNames.size() - 1);
    List<String> countNames = statusShown ? labelNames : timedNames;
    Map<List<String>, long[]> totals = new TreeMap<>(BY_LABELS); // total, failed
    counts.forEach(
        (k, c) -> {
          long[] t = totals.computeIfAbsent(statusShown ? k : withoutStatus(k), x -> new long[2]);
          t[0] += c.total.sum();
          t[1] += c.failed.sum();
        });
    family(out, prefix + "_total", "counter", "total number of responses");
    totals.forEach((k, t) -> sample(out, prefix + "_total", countNames, k, t[0]));
    family(out, prefix + "_fail_total", "counter", "total number of failed responses");
    totals.forEach((k, t) -> sample(out, prefix + "_fail_total", countNames, k, t[1]));
    Map<List<String>, Timings> timed = new TreeMap<>(BY_LABELS);
    timed.putAll(timings);
    if (timed.isEmpty()) {
      return;
    }
    String avg = prefix + "_avg_duration_seconds";
    family(out, avg, "gauge", "average response duration");
    timed.forEach(
        (k, t) -> {
          long n = t.count.sum();
          sample(out, avg, countNames, shown(k), n == 0 ? 0 : t.sumNanos.sum() / 1e9 / n);
        });
    String min = prefix + "_min_duration_seconds";
    family(out, min, "gauge", "minimum response duration");
    timed.forEach(
        (k, t) -> {
          long v = t.minNanos.get();
          sample(out, min, countNames, shown(k), v == Long.MAX_VALUE ? 0 : v / 1e9);
        });
    String max = prefix + "_max_duration_seconds";
    family(out, max, "gauge", "maximum response duration");
    timed.forEach((k, t) -> sample(out, max, countNames, shown(k), t.maxNanos.get() / 1e9));
    String histogram = prefix + "_duration_seconds";
    family(out, histogram, "histogram", "response duration histogram");
    timed.forEach(
        (k, t) -> {
          long cumulative = 0;
          for (int i = 0; i < BUCKETS.length; i++) {
            cumulative += t.buckets[i].sum();
            sample(out, histogram + "_bucket", timedNames, k, "le", number(BUCKETS[i]), cumulative);
          }
          long n = t.count.sum();
          sample(out, histogram + "_bucket", timedNames, k, "le", "+Inf", n);
          sample(out, histogram + "_sum", timedNames, k, t.sumNanos.sum() / 1e9);
          sample(out, histogram + "_count", timedNames, k, n);
        });
  }

  /** A timings key with the success status put back, where the exposition shows the status. */
  private List<String> shown(List<String> timedKey) {
    if (!statusShown) {
      return timedKey;
    }
    List<String> out = new ArrayList<>(timedKey);
    out.add(okStatus);
    return out;
  }

  private static final Comparator<List<String>> BY_LABELS =
      (a, b) -> String.join("\0", a).compareTo(String.join("\0", b));

  private static <V> Map<List<String>, V> sorted(Map<List<String>, V> m) {
    Map<List<String>, V> out = new TreeMap<>(BY_LABELS);
    out.putAll(m);
    return out;
  }

  static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  static void sample(
      StringBuilder out, String name, List<String> names, List<String> values, double value) {
    sample(out, name, names, values, null, null, value);
  }

  private static void sample(
      StringBuilder out,
      String name,
      List<String> names,
      List<String> values,
      String extraName,
      String extraValue,
      double value) {
    out.append(name);
    if (!names.isEmpty() || extraName != null) {
      out.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(names.get(i)).append("=\"").append(escape(values.get(i))).append('"');
      }
      if (extraName != null) {
        if (!names.isEmpty()) {
          out.append(',');
        }
        out.append(extraName).append("=\"").append(extraValue).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(number(value)).append('\n');
  }

  /** A number as Prometheus reads it: whole numbers without a fraction. */
  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    if (!Double.isFinite(v)) {
      return Double.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    }
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /** A label value with backslashes, quotes and line breaks escaped. */
  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
