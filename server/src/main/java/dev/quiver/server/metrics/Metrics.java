package dev.quiver.server.metrics;

import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.config.BuildInfo;
import dev.quiver.server.guard.AccessControl;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.StorageException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The node's metrics in Prometheus text format ({@code GET /metrics}) under Qdrant's names, so the
 * dashboards and alerts written for Qdrant read them: {@code app_info}, {@code
 * app_status_recovery_mode}, {@code collections_total}, {@code collections_vector_total}, {@code
 * collection_points}, {@code rest_responses_*} by method, endpoint (the route's path template, the
 * collection parameter named {@code {name}} as in Qdrant's routes) and status, {@code
 * grpc_responses_*} by endpoint ({@code /qdrant.Points/Search}), and the {@code cluster_*} gauges.
 * Quiver's own metrics follow through Micrometer: JVM memory and threads, failed authentications,
 * the TLS certificate's expiry. Collection and cluster figures are read at scrape time.
 * Thread-safe.
 */
public final class Metrics {
  /** The content type of the Prometheus text exposition format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Dispatcher dispatcher;
  private final ResponseStats rest =
      new ResponseStats("rest_responses", List.of("method", "endpoint", "status"), "200", true);
  private final ResponseStats grpc =
      new ResponseStats("grpc_responses", List.of("endpoint", "code"), "0", false);

  public Metrics(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
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

  /** The HTTP methods counted by name; any other a client sends is counted as {@code OTHER}. */
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /**
   * Records one REST response; {@code endpoint} is the route's path template ("unknown" when no
   * route matched), so the label values stay as few as the routes whatever clients send. A response
   * is a failure unless its status is 2xx.
   */
  public void restResponse(String method, String endpoint, int status, long nanos) {
    rest.record(
        List.of(METHODS.contains(method) ? method : "OTHER", endpoint, Integer.toString(status)),
        status / 100 == 2,
        nanos);
  }

  /** Records one gRPC call, by its full method name and status code (0: OK, else failed). */
  public void grpcResponse(String fullMethodName, int code, long nanos) {
    grpc.record(List.of("/" + fullMethodName, Integer.toString(code)), code == 0, nanos);
  }

  /** REST responses by method, endpoint and status (for {@code /telemetry}). */
  public List<ResponseStats.Summary> restSummaries() {
    return rest.summaries();
  }

  /** gRPC responses by endpoint (for {@code /telemetry}). */
  public List<ResponseStats.Summary> grpcSummaries() {
    return grpc.summaries();
  }

  /** The text exposition: Qdrant's families, then Quiver's own. */
  public String scrape() {
    StringBuilder out = new StringBuilder(4096);
    ResponseStats.family(out, "app_info", "gauge", "information about qdrant server");
    ResponseStats.sample(
        out,
        "app_info",
        List.of("name", "version"),
        List.of("qdrant", BuildInfo.QDRANT_API_VERSION),
        1);
    ResponseStats.family(
        out, "app_status_recovery_mode", "gauge", "if qdrant is started in recovery mode");
    ResponseStats.sample(out, "app_status_recovery_mode", List.of(), List.of(), 0);
    collections(out);
    cluster(out);
    rest.write(out);
    grpc.write(out);
    out.append(registry.scrape());
    return out.toString();
  }

  private void collections(StringBuilder out) {
    List<String> names = dispatcher.catalog().listCollections();
    List<long[]> counts = new ArrayList<>(); // points, vectors
    List<String> present = new ArrayList<>();
    for (String name : names) {
      try {
        CollectionInfo info = dispatcher.catalog().collectionInfo(name);
        CollectionConfig c = info.config();
        long kinds = c.vectors().size() + c.sparseVectors().size();
        counts.add(new long[] {info.pointsCount(), info.pointsCount() * Math.max(1, kinds)});
        present.add(name);
      } catch (StorageException e) {
        // dropped meanwhile, or a shard unreachable: left out of this scrape
      }
    }
    ResponseStats.family(out, "collections_total", "gauge", "number of collections");
    ResponseStats.sample(out, "collections_total", List.of(), List.of(), names.size());
    long vectors = 0;
    for (long[] c : counts) {
      vectors += c[1];
    }
    ResponseStats.family(
        out, "collections_vector_total", "gauge", "total number of vectors in all collections");
    ResponseStats.sample(out, "collections_vector_total", List.of(), List.of(), vectors);
    ResponseStats.family(out, "collection_points", "gauge", "approximate amount of points");
    for (int i = 0; i < present.size(); i++) {
      ResponseStats.sample(
          out, "collection_points", List.of("id"), List.of(present.get(i)), counts.get(i)[0]);
    }
  }

  private void cluster(StringBuilder out) {
    ClusterStatus status = dispatcher.cluster().clusterStatus();
    ResponseStats.family(out, "cluster_enabled", "gauge", "is cluster support enabled");
    ResponseStats.sample(out, "cluster_enabled", List.of(), List.of(), status.enabled() ? 1 : 0);
    if (!status.enabled()) {
      return;
    }
    ResponseStats.family(out, "cluster_peers_total", "gauge", "total number of cluster peers");
    ResponseStats.sample(out, "cluster_peers_total", List.of(), List.of(), status.peers().size());
    ResponseStats.family(out, "cluster_term", "counter", "current cluster term");
    ResponseStats.sample(out, "cluster_term", List.of(), List.of(), status.term());
    ResponseStats.family(
        out,
        "cluster_commit",
        "counter",
        "index of last committed (finalized) operation cluster peer is aware of");
    ResponseStats.sample(
        out,
        "cluster_commit",
        List.of("peer_id"),
        List.of(Long.toString(status.peerId())),
        status.commit());
    ResponseStats.family(
        out,
        "cluster_pending_operations_total",
        "gauge",
        "total number of pending operations for cluster peer");
    ResponseStats.sample(
        out, "cluster_pending_operations_total", List.of(), List.of(), status.pendingOperations());
    ResponseStats.family(out, "cluster_voter", "gauge", "is cluster peer a voter or learner");
    ResponseStats.sample(out, "cluster_voter", List.of(), List.of(), status.voter() ? 1 : 0);
    ResponseStats.family(
        out,
        "cluster_message_format",
        "gauge",
        "format of Raft entries and peer messages the cluster writes (Quiver)");
    ResponseStats.sample(
        out, "cluster_message_format", List.of(), List.of(), status.messageFormat());
    ResponseStats.family(
        out,
        "peer_max_message_format",
        "gauge",
        "newest format of Raft entries and peer messages this peer reads (Quiver)");
    ResponseStats.sample(
        out, "peer_max_message_format", List.of(), List.of(), status.maxMessageFormat());
  }
}
