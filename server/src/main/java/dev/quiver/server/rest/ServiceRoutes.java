package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.api.QdrantApi;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.security.Access;
import dev.quiver.server.config.BuildInfo;
import dev.quiver.server.config.SecurityChecklist;
import dev.quiver.server.metrics.Metrics;
import dev.quiver.server.metrics.ResponseStats;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Quantization;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The service's own routes: version, health probes, metrics, telemetry, issues, quotas and the
 * audit log. Each decodes with the JSON codecs, calls the dispatcher and encodes; no logic of its
 * own. Thread-safe.
 */
final class ServiceRoutes implements RouteFamily {
  private final Dispatcher dispatcher;
  private final Metrics metrics;
  private final Path auditDir;
  private final Supplier<List<SecurityChecklist.Item>> securityCheck;

  /** {@code securityCheck} evaluates the security checklist against the node's configuration. */
  ServiceRoutes(
      Dispatcher dispatcher,
      Metrics metrics,
      Path auditDir,
      Supplier<List<SecurityChecklist.Item>> securityCheck) {
    this.dispatcher = dispatcher;
    this.metrics = metrics;
    this.auditDir = auditDir;
    this.securityCheck = securityCheck;
  }

  @Override
  public void register(Map<String, Router.Handler> h) {
    h.put("root", r -> version());
    h.put(
        "metrics",
        r ->
            new RestResponse(
                HttpResponseStatus.OK,
                Metrics.CONTENT_TYPE,
                metrics.scrape().getBytes(StandardCharsets.UTF_8)));
    h.put("healthz", r -> RestResponse.text(HttpResponseStatus.OK, "healthz check passed"));
    h.put("livez", r -> RestResponse.text(HttpResponseStatus.OK, "healthz check passed"));
    h.put("readyz", r -> RestResponse.text(HttpResponseStatus.OK, "all shards are ready"));
    h.put("telemetry", this::telemetry);
    h.put(
        "get_issues",
        r -> {
          ObjectNode o = Json.MAPPER.createObjectNode();
          o.putArray("issues"); // Quiver does not collect performance issue reports
          return RestResponse.ok(o, r.startedNanos());
        });
    h.put("clear_issues", Handlers::done);
    h.put(
        "security_check",
        r -> {
          List<SecurityChecklist.Item> items = securityCheck.get();
          ObjectNode o = Json.MAPPER.createObjectNode();
          o.put("passed", SecurityChecklist.passed(items));
          o.set("items", SecurityChecklist.json(items));
          return RestResponse.ok(o, r.startedNanos());
        });
    h.put(
        "get_quotas",
        r ->
            RestResponse.ok(QuotaJson.status(dispatcher.quotas().quotaStatus()), r.startedNanos()));
    h.put(
        "update_quotas",
        r -> {
          dispatcher.quotas().setQuotas(QuotaJson.config(r.json()));
          return Handlers.done(r);
        });
    h.put(
        "audit_logs",
        r -> {
          JsonNode body = r.json();
          JsonNode local = AuditQuery.run(auditDir, body); // a bad query stops here
          return RestResponse.ok(
              AuditQuery.merged(
                  local, body, dispatcher.cluster().peerAuditEntries(Json.bytes(body)).values()),
              r.startedNanos());
        });
  }

  private static RestResponse version() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("title", QdrantApi.TITLE);
    o.put("version", BuildInfo.QDRANT_API_VERSION);
    o.put("commit", BuildInfo.COMMIT);
    o.put("quiver_version", BuildInfo.VERSION);
    return RestResponse.raw(o);
  }

  /**
   * {@code GET /telemetry}: this node's id, the application and its collections (with {@code
   * details_level} 1 or more, each collection's size and parameters), visible ones only.
   */
  private RestResponse telemetry(RestRequest r) {
    int details = r.intQuery("details_level", 0);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", TELEMETRY_ID);
    ObjectNode app = o.putObject("app");
    app.put("name", "quiver");
    app.put("version", BuildInfo.QDRANT_API_VERSION);
    app.put("startup", STARTED);
    ObjectNode features = app.putObject("features");
    for (String f :
        List.of("debug", "service_debug_feature", "recovery_mode", "gpu", "rocksdb", "staging")) {
      features.put(f, false);
    }
    if (r.principal().access() instanceof Access.Global) {
      o.set("quota", QuotaJson.telemetry(dispatcher.quotas().quota().localStatus()));
      o.set("cluster", ClusterJson.clusterTelemetry(dispatcher.cluster().clusterStatus()));
      ObjectNode requests = o.putObject("requests");
      requests.putObject("rest").set("responses", responses(metrics.restSummaries(), true));
      requests.putObject("grpc").set("responses", responses(metrics.grpcSummaries(), false));
    }
    ObjectNode collections = o.putObject("collections");
    List<String> visible =
        dispatcher.catalog().listCollections().stream()
            .filter(r.principal().access().visible())
            .toList();
    collections.put("number_of_collections", visible.size());
    if (details >= 1) {
      ArrayNode list = collections.putArray("collections");
      for (String name : visible) {
        var info = dispatcher.catalog().collectionInfo(name);
        ObjectNode c = list.addObject();
        c.put("vectors", info.pointsCount() * info.config().vectors().size());
        c.put("optimizers_status", "ok");
        c.set("params", CollectionInfoJson.collectionInfo(info).at("/config/params"));
        c.set("vectors_memory", vectorsMemory(info.config()));
      }
    }
    return RestResponse.ok(o, r.startedNanos());
  }

  /**
   * Quiver's own figure: per dense vector, its quantization and the bytes one vector takes in RAM
   * (the full vector unless {@code on_disk}, and its code when the codes are held in memory) and on
   * disk (both).
   */
  private static ObjectNode vectorsMemory(CollectionConfig config) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    config
        .vectors()
        .forEach(
            (name, p) -> {
              Quantization q = p.quantizationOr(config.quantization());
              boolean onDisk = Boolean.TRUE.equals(p.onDisk());
              long full = (long) p.size() * p.storedAs().bytes();
              int code = q == null ? 0 : q.codeBytes(p.size());
              ObjectNode v = out.putObject(name);
              v.put("quantization", q == null ? "none" : q.kind());
              v.put(
                  "bytes_per_vector_in_ram",
                  (onDisk ? 0 : full) + (q != null && q.inRam(onDisk) ? code : 0));
              v.put("bytes_per_vector_on_disk", full + code);
            });
    return out;
  }

  /**
   * Response figures as Qdrant's telemetry shapes them: by endpoint ({@code "GET /collections"} for
   * REST, the method path for gRPC), then by status, each with its count, failures and durations in
   * microseconds.
   */
  private static ObjectNode responses(List<ResponseStats.Summary> summaries, boolean rest) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    for (ResponseStats.Summary s : summaries) {
      List<String> l = s.labels();
      String endpoint = rest ? l.get(0) + " " + l.get(1) : l.get(0);
      ObjectNode byStatus =
          out.has(endpoint) ? (ObjectNode) out.get(endpoint) : out.putObject(endpoint);
      ObjectNode stats = byStatus.putObject(l.getLast());
      stats.put("count", s.count());
      stats.put("fail_count", s.failed());
      if (s.avgMicros() != null) {
        stats.put("avg_duration_micros", s.avgMicros());
        stats.put("min_duration_micros", s.minMicros());
        stats.put("max_duration_micros", s.maxMicros());
        stats.put("total_duration_micros", s.totalMicros());
      }
    }
    return out;
  }

  private static final String TELEMETRY_ID = UUID.randomUUID().toString();

  private static final String STARTED = Instant.now().toString();
}
