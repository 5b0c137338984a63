package dev.quiver.security;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One audit entry: who called what, from where, and what came of it. Fields without a value are
 * null and left out of the JSON line. Immutable.
 *
 * @param method the HTTP method, or {@code gRPC}
 * @param path the request path, or the gRPC method ({@code /qdrant.Points/Upsert})
 * @param status the HTTP status, or the gRPC status code number
 * @param result {@code ok} or {@code denied}
 * @param error why it was denied (null when allowed)
 */
public record AuditEvent(
    Instant timestamp,
    String clientIp,
    String method,
    String path,
    int status,
    String userAgent,
    long durationMs,
    String operation,
    String authType,
    String subject,
    String collection,
    String tracingId,
    String result,
    String error) {

  private static final DateTimeFormatter RFC3339_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** The entry as one line of JSON (no line break). */
  public String toJson() {
    StringBuilder sb = new StringBuilder(256).append('{');
    field(sb, "timestamp", RFC3339_MILLIS.format(timestamp));
    field(sb, "client_ip", clientIp);
    field(sb, "method", method);
    field(sb, "path", path);
    sb.append(",\"status\":").append(status);
    field(sb, "user_agent", userAgent);
    sb.append(",\"duration_ms\":").append(durationMs);
    field(sb, "operation", operation);
    field(sb, "auth_type", authType);
    field(sb, "subject", subject);
    field(sb, "collection", collection);
    field(sb, "tracing_id", tracingId);
    field(sb, "result", result);
    field(sb, "error", error);
    return sb.append('}').toString();
  }

  private static void field(StringBuilder sb, String name, String value) {
    if (value == null) {
      return;
    }
    if (sb.length() > 1) {
      sb.append(',');
    }
    sb.append('"').append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
