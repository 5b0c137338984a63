package dev.quiver.server;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.storage.StorageException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's metrics in Prometheus text format ({@code GET /metrics}), through Micrometer: REST
 * responses by endpoint, method and status with a latency histogram, collection and point counts
 * (read at scrape time), and JVM memory and threads. Thread-safe.
 */
public final class Metrics {
  /** The content type of the Prometheus text exposition format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Dispatcher dispatcher;
  private final MultiGauge points;

  public Metrics(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    // Prometheus reserves "_total" for counters, so this gauge is exposed as "collections"
    Gauge.builder("collections", dispatcher, d -> d.listCollections().size())
        .description("Collections on this node")
        .register(registry);
    points =
        MultiGauge.builder("collection_points")
            .description("Points per collection")
            .register(registry);
  }

  /**
   * Exports when the node's TLS certificate expires, as {@code tls_certificate_expiry_seconds}
   * (seconds since the epoch, read at scrape time, so a reloaded certificate shows).
   */
  public void tlsCertificate(Supplier<Instant> notAfter) {
    Gauge.builder("tls_certificate_expiry_seconds", notAfter, n -> n.get().getEpochSecond())
        .description(
            "When the TLS certificate this node serves expires, in seconds since the epoch")
        .register(registry);
  }

  /**
   * Exports failed authentications ({@code auth_failures_total}) and the failed authentications the
   * audit log summarised instead of recording one by one ({@code audit_entries_summarised_total}).
   */
  public void authentication(AccessControl access) {
    FunctionCounter.builder("auth_failures", access, AccessControl::failedAuthentications)
        .description("Requests refused for missing or invalid credentials, REST and gRPC")
        .register(registry);
    FunctionCounter.builder(
            "audit_entries_summarised", access, AccessControl::suppressedAuditEntries)
        .description("Failed authentications counted in an audit summary entry")
        .register(registry);
  }

  /** Records one REST response. */
  public void restResponse(String endpoint, String method, int status, long nanos) {
    Timer.builder("rest_responses")
        .description("REST responses by endpoint, method and status")
        .tags("endpoint", endpoint, "method", method, "status", Integer.toString(status))
        .publishPercentileHistogram()
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The text exposition, with the collection gauges read now. */
  public String scrape() {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (String name : dispatcher.listCollections()) {
      try {
        long count = dispatcher.collectionInfo(name).pointsCount();
        rows.add(MultiGauge.Row.of(Tags.of("collection", name), count));
      } catch (StorageException e) {
        // dropped meanwhile, or a shard unreachable: left out of this scrape
      }
    }
    points.register(rows, true);
    return registry.scrape();
  }
}
