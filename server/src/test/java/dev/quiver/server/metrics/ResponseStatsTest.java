package dev.quiver.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;

public class ResponseStatsTest {

  @Test
  void countsEveryResponseAndTimesTheSuccessfulOnes() {
    ResponseStats rest =
        new ResponseStats("rest_responses", List.of("method", "endpoint", "status"), "200", true);
    rest.record(List.of("GET", "/a", "200"), true, 2_000_000); // 2 ms
    rest.record(List.of("GET", "/a", "200"), true, 40_000_000); // 40 ms
    rest.record(List.of("GET", "/a", "404"), false, 1_000);
    StringBuilder out = new StringBuilder();
    rest.write(out);
    String text = out.toString();
    assertThat(text)
        .contains("# TYPE rest_responses_total counter\n")
        .contains("rest_responses_total{method=\"GET\",endpoint=\"/a\",status=\"200\"} 2\n")
        .contains("rest_responses_total{method=\"GET\",endpoint=\"/a\",status=\"404\"} 1\n")
        .contains("rest_responses_fail_total{method=\"GET\",endpoint=\"/a\",status=\"404\"} 1\n")
        .contains("rest_responses_fail_total{method=\"GET\",endpoint=\"/a\",status=\"200\"} 0\n")
        .contains(
            "rest_responses_avg_duration_seconds{method=\"GET\",endpoint=\"/a\",status=\"200\"}"
                + " 0.021\n")
        .contains(
            "rest_responses_min_duration_seconds{method=\"GET\",endpoint=\"/a\",status=\"200\"}"
                + " 0.002\n")
        .contains(
            "rest_responses_max_duration_seconds{method=\"GET\",endpoint=\"/a\",status=\"200\"}"
                + " 0.04\n")
        // cumulative buckets: 2 ms is under 0.005, 40 ms under 0.05
        .contains(
            "rest_responses_duration_seconds_bucket{method=\"GET\",endpoint=\"/a\",le=\"0.001\"} 0\n")
        .contains(
            "rest_responses_duration_seconds_bucket{method=\"GET\",endpoint=\"/a\",le=\"0.005\"} 1\n")
        .contains(
            "rest_responses_duration_seconds_bucket{method=\"GET\",endpoint=\"/a\",le=\"0.05\"} 2\n")
        .contains(
            "rest_responses_duration_seconds_bucket{method=\"GET\",endpoint=\"/a\",le=\"+Inf\"} 2\n")
        .contains("rest_responses_duration_seconds_sum{method=\"GET\",endpoint=\"/a\"} 0.042\n")
        .contains("rest_responses_duration_seconds_count{method=\"GET\",endpoint=\"/a\"} 2\n")
        .doesNotContain("status=\"404\"} 0.");
  }

  @Test
  void grpcTotalsAreSummedOverCodesAndLabelValuesEscaped() {
    ResponseStats grpc =
        new ResponseStats("grpc_responses", List.of("endpoint", "code"), "0", false);
    grpc.record(List.of("/qdrant.Points/Search", "0"), true, 1_000);
    grpc.record(List.of("/qdrant.Points/Search", "3"), false, 1_000);
    grpc.record(List.of("/qdrant.Points/Search", "5"), false, 1_000);
    grpc.record(List.of("/odd\"name\\", "0"), true, 1_000);
    StringBuilder out = new StringBuilder();
    grpc.write(out);
    assertThat(out.toString())
        .contains("grpc_responses_total{endpoint=\"/qdrant.Points/Search\"} 3\n")
        .contains("grpc_responses_fail_total{endpoint=\"/qdrant.Points/Search\"} 2\n")
        .contains(
            "grpc_responses_avg_duration_seconds{endpoint=\"/qdrant.Points/Search\"} 0.000001\n")
        .contains("grpc_responses_duration_seconds_count{endpoint=\"/qdrant.Points/Search\"} 1\n")
        .contains("grpc_responses_total{endpoint=\"/odd\\\"name\\\\\"} 1\n")
        .doesNotContain("code=");
    // telemetry keeps the codes apart
    assertThat(grpc.summaries())
        .extracting(ResponseStats.Summary::labels, ResponseStats.Summary::count)
        .contains(
            tuple(List.of("/qdrant.Points/Search", "0"), 1L),
            tuple(List.of("/qdrant.Points/Search", "3"), 1L));
  }

  @Test
  void nothingIsWrittenBeforeTheFirstResponse() {
    StringBuilder out = new StringBuilder();
    new ResponseStats("grpc_responses", List.of("endpoint", "code"), "0", false).write(out);
    assertThat(out).isEmpty();
  }
}
