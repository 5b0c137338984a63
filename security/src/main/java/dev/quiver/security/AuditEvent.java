package dev.quiver.security;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

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
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /**
   * The longest a field is written: request paths and errors {@value #LONG_FIELD} characters, every
   * other field {@value #SHORT_FIELD}; longer values are cut and marked, so a client cannot make
   * one entry kilobytes long.
   */
  public static final int LONG_FIELD = 1024;

  public static final int SHORT_FIELD = 256;

  /** The entry as one line of JSON (no line break). */
  public String toJson() {
    StringBuilder sb = new StringBuilder(256).append('{');
    field(sb, "timestamp", RFC3339_MILLIS.format(timestamp));
    field(sb, "client_ip", clip(clientIp, SHORT_FIELD));
    field(sb, "method", clip(method, SHORT_FIELD));
    field(sb, "path", clip(path, LONG_FIELD));
    sb.append(",\"status\":").append(status);
    field(sb, "user_agent", clip(userAgent, SHORT_FIELD));
    sb.append(",\"duration_ms\":").append(durationMs);
    field(sb, "operation", clip(operation, SHORT_FIELD));
    field(sb, "auth_type", clip(authType, SHORT_FIELD));
    field(sb, "subject", clip(subject, SHORT_FIELD));
    field(sb, "collection", clip(collection, SHORT_FIELD));
    field(sb, "tracing_id", clip(tracingId, SHORT_FIELD));
    field(sb, "result", clip(result, SHORT_FIELD));
    field(sb, "error", clip(error, LONG_FIELD));
    return sb.append('}').toString();
  }

  /** {@code value} cut to {@code max} characters, marked when cut. */
  static String clip(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    return value.substring(0, max) + "...(" + (value.length() - max) + " more characters)";
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
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
