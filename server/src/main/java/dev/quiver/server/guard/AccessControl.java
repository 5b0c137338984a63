package dev.quiver.server.guard;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.security.Action;
import dev.quiver.security.ActionTable;
import dev.quiver.security.AuditEvent;
import dev.quiver.security.AuditLog;
import dev.quiver.security.AuthenticationFailed;
import dev.quiver.security.Authenticator;
import dev.quiver.security.Credentials;
import dev.quiver.security.Principal;
import dev.quiver.security.ValueExists;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.Value;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Authentication, authorization and auditing as both edges run them: the same authenticator, the
 * same {@link ActionTable}, the same audit log. Thread-safe.
 */
public final class AccessControl {
  private final Authenticator authenticator;
  private final ActionTable table;
  private final Dispatcher dispatcher;
  private final AuditLog audit;
  private final boolean trustForwardedHeaders;
  private final AuditThrottle throttle = new AuditThrottle(10, 60, 10_000, System::nanoTime);
  private final LongAdder failedAuthentications = new LongAdder();
  private final LongAdder suppressedAuditEntries = new LongAdder();

  public AccessControl(
      Authenticator authenticator,
      ActionTable table,
      Dispatcher dispatcher,
      AuditLog audit,
      boolean trustForwardedHeaders) {
    this.authenticator = authenticator;
    this.table = table;
    this.dispatcher = dispatcher;
    this.audit = audit;
    this.trustForwardedHeaders = trustForwardedHeaders;
  }

  public ActionTable table() {
    return table;
  }

  public AuditLog auditLog() {
    return audit;
  }

  /**
   * Authenticates, including a JWT's {@code value_exists} condition (collection missing: 403; no
   * matching point: 401, as in Qdrant).
   */
  public Principal authenticate(Credentials credentials) {
    Principal p = authenticateStateless(credentials);
    checkStateful(p);
    return p;
  }

  /**
   * The keys and the JWT's signature, expiry and claims: no storage read, so it may run on an event
   * loop. {@link #checkStateful} completes it.
   */
  public Principal authenticateStateless(Credentials credentials) {
    return authenticator.authenticate(credentials);
  }

  /**
   * A JWT's {@code value_exists} condition: reads the collection (a remote read in a cluster), so
   * it runs on a request thread. Nothing to do for other principals.
   */
  public void checkStateful(Principal p) {
    ValueExists v = p.valueExists();
    if (v != null) {
      if (!dispatcher.catalog().collectionExists(v.collection())) {
        throw new AuthenticationFailed("Invalid JWT, stateful validation failed", true);
      }
      // one point must hold every listed entry, two on the same key included (as Qdrant's must)
      List<Condition> must = new ArrayList<>();
      for (ValueExists.Match m : v.matches()) {
        must.add(new Condition.Match(m.key(), toValue(m.value())));
      }
      if (!dispatcher
          .points()
          .payloadMatchExists(v.collection(), new Filter(must, List.of(), List.of(), null))) {
        throw new AuthenticationFailed("Invalid JWT, stateful validation failed", false);
      }
    }
  }

  private static Value toValue(Object o) {
    return switch (o) {
      case String s -> new Value.Str(s);
      case Long l -> new Value.Int(l);
      case Double d -> new Value.Double(d);
      case Boolean b -> new Value.Bool(b);
      default -> Value.Null.INSTANCE;
    };
  }

  /**
   * Checks the action for {@code collection} (null for global operations) and read access to the
   * other collections the request looks into ({@code lookup_from}, {@code with_lookup}).
   *
   * @throws dev.quiver.security.Forbidden when not allowed
   */
  public void authorize(Principal p, Action action, String collection, List<String> lookups) {
    p.access().check(action.requirement(), collection);
    p.access().checkReadAll(lookups);
  }

  /**
   * The client address for the audit log: the TCP peer, or with {@code trust_forwarded_headers} the
   * first address of {@code X-Forwarded-For} or the {@code for=} of {@code Forwarded}.
   */
  public String clientIp(String peer, String forwarded, String xForwardedFor) {
    if (trustForwardedHeaders) {
      if (xForwardedFor != null && !xForwardedFor.isBlank()) {
        return xForwardedFor.split(",")[0].trim();
      }
      if (forwarded != null) {
        for (String part : forwarded.split("[;,]")) {
          String t = part.trim();
          if (t.regionMatches(true, 0, "for=", 0, 4)) {
            return t.substring(4).replace("\"", "");
          }
        }
      }
    }
    return peer;
  }

  /**
   * One request's audit facts: who sent it and how, fixed when it arrives, then what it asked for
   * and who it was, set as it is routed and authenticated; recorded once at its end. The request's
   * threads hand it on to one another; the later facts are volatile, set by one and read by
   * another.
   */
  public static final class Audit {
    final long startedNanos = System.nanoTime();
    final Instant timestamp = Instant.now();
    final String clientIp;
    final String method;
    final String path;
    final String userAgent;
    final String tracingId;
    private volatile String operation;
    private volatile Principal principal;
    private volatile String collection;

    /**
     * @param clientIp the client's address (or the proxy's forwarded one)
     * @param method the HTTP method, or {@code gRPC}
     * @param path the path, or the gRPC method as {@code /service/method}
     * @param userAgent the client's user agent, or null
     * @param tracingId the request's tracing id header, or null
     */
    public Audit(String clientIp, String method, String path, String userAgent, String tracingId) {
      this.clientIp = clientIp;
      this.method = method;
      this.path = path;
      this.userAgent = userAgent;
      this.tracingId = tracingId;
    }

    /** A request whose connection facts the audit log does not need (it will not be recorded). */
    public static Audit unrecorded() {
      return new Audit(null, null, null, null, null);
    }

    /** The operation id the request was routed to. */
    public void operation(String operation) {
      this.operation = operation;
    }

    /** Who the request authenticated as. */
    public void principal(Principal principal) {
      this.principal = principal;
    }

    /** The collection the request names, if any. */
    public void collection(String collection) {
      this.collection = collection;
    }
  }

  /**
   * Records a finished request; {@code error} non-null marks it denied. A request denied before any
   * principal was established is a failed authentication: counted always, and recorded through the
   * {@link AuditThrottle}, so one address cannot flood the log.
   */
  public void record(Audit a, int status, String error) {
    boolean failedAuthentication = a.principal == null && error != null;
    if (failedAuthentication) {
      failedAuthentications.increment();
    }
    if (!audit.enabled()) {
      return;
    }
    if (failedAuthentication) {
      AuditThrottle.Decision d = throttle.failure(a.clientIp);
      if (d.summarised() > 0) {
        audit.record(summary(a.clientIp, d.summarised(), d.windowSeconds()));
      }
      if (!d.record()) {
        suppressedAuditEntries.increment();
        return;
      }
    }
    audit.record(
        new AuditEvent(
            a.timestamp,
            a.clientIp,
            a.method,
            a.path,
            status,
            a.userAgent,
            (System.nanoTime() - a.startedNanos) / 1_000_000,
            a.operation,
            a.principal == null ? null : a.principal.authType().name(),
            a.principal == null ? null : a.principal.subject(),
            a.collection,
            a.tracingId,
            error == null ? "ok" : "denied",
            error));
  }

  private static AuditEvent summary(String clientIp, long count, long windowSeconds) {
    return new AuditEvent(
        Instant.now(),
        clientIp,
        null,
        null,
        401,
        null,
        0,
        "failed_authentications_summary",
        null,
        null,
        null,
        null,
        "denied",
        count
            + " more failed authentications from this address within "
            + windowSeconds
            + " s, not recorded one by one");
  }

  /** Writes the summaries still pending (at shutdown). */
  public void flushAuditSummaries() {
    if (audit.enabled()) {
      throttle.drain().forEach((ip, n) -> audit.record(summary(ip.isEmpty() ? null : ip, n, 60)));
    }
  }

  /** Failed authentications since start, recorded or not (exported in {@code /metrics}). */
  public long failedAuthentications() {
    return failedAuthentications.sum();
  }

  /** Failed authentications counted in a summary instead of an entry of their own. */
  public long suppressedAuditEntries() {
    return suppressedAuditEntries.sum();
  }

  /** Whether the operation's checks go to the audit log. */
  public static boolean audited(Action action) {
    return action == null || action.audited();
  }
}
