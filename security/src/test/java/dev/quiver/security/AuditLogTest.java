package dev.quiver.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path dir;

  private static AuditEvent event() {
    return new AuditEvent(
        Instant.now(),
        "127.0.0.1",
        "GET",
        "/collections",
        200,
        "curl/8 \"x\"",
        3,
        "get_collections",
        "ApiKey",
        null,
        null,
        null,
        "ok",
        null);
  }

  private List<Path> files() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("audit\\..*\\.log"))
          .sorted()
          .toList();
    }
  }

  @Test
  void linesAreJsonWithTheSeedsFields() throws Exception {
    try (AuditLog log = AuditLog.open(dir, AuditLog.Rotation.DAILY, 7)) {
      log.record(event());
      log.record(
          new AuditEvent(
              Instant.parse("2026-03-04T10:30:45.123Z"),
              "192.168.1.100",
              "POST",
              "/collections/my_collection/points/search",
              403,
              null,
              45,
              "search_points",
              "Jwt",
              "bob",
              "my_collection",
              "req-1",
              "denied",
              "Forbidden: Access to collection my_collection is required"));
    }
    List<Path> files = files();
    assertThat(files).hasSize(1);
    List<String> lines = Files.readAllLines(files.getFirst());
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .contains("\"user_agent\":\"curl/8 \\\"x\\\"\"")
        .contains("\"status\":200");
    assertThat(lines.get(1))
        .isEqualTo(
            "{\"timestamp\":\"2026-03-04T10:30:45.123Z\",\"client_ip\":\"192.168.1.100\",\"method\":\"POST\","
                + "\"path\":\"/collections/my_collection/points/search\",\"status\":403,\"duration_ms\":45,"
                + "\"operation\":\"search_points\",\"auth_type\":\"Jwt\",\"subject\":\"bob\",\"collection\":\"my_collection\","
                + "\"tracing_id\":\"req-1\",\"result\":\"denied\",\"error\":\"Forbidden: Access to collection my_collection is required\"}");
  }

  /**
   * A flood (2.1 GB in 20 s from one client) had no bound: files roll past their size within a
   * period, all of them stay under the total, and each entry's fields are clipped.
   */
  @Test
  void filesRollBySizeTheTotalIsCappedAndLongFieldsAreClipped() throws Exception {
    String longPath = "/" + "p".repeat(4096);
    String longAgent = "a".repeat(3000);
    try (AuditLog log = AuditLog.open(dir, AuditLog.Rotation.DAILY, 1000, 64 << 10, 256 << 10)) {
      for (int i = 0; i < 2000; i++) {
        log.record(
            new AuditEvent(
                Instant.now(),
                "10.0.0.9",
                "GET",
                longPath,
                401,
                longAgent,
                0,
                null,
                null,
                null,
                null,
                null,
                "denied",
                "Unauthorized: Must provide an API key"));
      }
    }
    List<Path> files = files();
    long total = 0;
    for (Path f : files) {
      total += Files.size(f);
      assertThat(Files.size(f)).isLessThan((64 << 10) + 4096);
    }
    assertThat(files.size()).isGreaterThan(1);
    assertThat(total).isLessThanOrEqualTo((256 << 10) + (64 << 10) + 4096);
    String line = Files.readAllLines(files.getLast()).getLast();
    assertThat(line.length()).isLessThan(AuditEvent.LONG_FIELD + 3 * AuditEvent.SHORT_FIELD + 400);
    assertThat(line).contains("more characters");
  }

  @Test
  void filesRollAndOldOnesAreDeleted() throws Exception {
    // One file per second stands in for days: the same appender, policy and delete action.
    try (AuditLog log = AuditLog.open(dir, AuditLog.Rotation.SECONDLY, 2)) {
      long end = System.currentTimeMillis() + 4_500;
      while (System.currentTimeMillis() < end) {
        log.record(event());
        Thread.sleep(100);
      }
    }
    List<Path> files = files();
    // Log4j's delete runs at rollover, before or after the new file appears: N or N+1 remain.
    assertThat(files.size()).as("files %s", files).isBetween(2, 3);
    for (Path f : files) {
      assertThat(f.getFileName().toString())
          .matches("audit\\.\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}\\.\\d+\\.log");
    }
  }

  @Test
  void unwritableDirectoryFailsToOpen() throws Exception {
    Path file = dir.resolve("not-a-dir");
    Files.writeString(file, "x");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AuditLog.open(file.resolve("audit"), AuditLog.Rotation.DAILY, 7))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("audit");
  }
}
