package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every point acknowledged with {@code wait=true} is there after the process is stopped, whether by
 * SIGTERM or by SIGKILL in the middle of a write stream.
 */
class DurabilityIT {
  @TempDir Path work;
  QuiverProcess node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static String batch(int from, int n, Random r) {
    StringBuilder sb = new StringBuilder("{\"points\":[");
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"id\":")
          .append(from + i)
          .append(",\"vector\":[")
          .append(r.nextFloat())
          .append(',')
          .append(r.nextFloat())
          .append(',')
          .append(r.nextFloat())
          .append("],\"payload\":{\"i\":")
          .append(from + i)
          .append("}}");
    }
    return sb.append("]}").toString();
  }

  private static void assertAllPresent(Rest rest, List<Integer> ids) throws Exception {
    for (int start = 0; start < ids.size(); start += 500) {
      List<Integer> chunk = ids.subList(start, Math.min(ids.size(), start + 500));
      JsonNode got =
          rest.call(
                  "POST",
                  "/collections/{collection_name}/points",
                  "/collections/d/points",
                  "{\"ids\":" + chunk + ",\"with_payload\":true}")
              .result();
      assertThat(got).as("points %s..", chunk.getFirst()).hasSize(chunk.size());
      for (JsonNode p : got) {
        assertThat(p.at("/payload/i").asInt()).isEqualTo(p.get("id").asInt());
      }
    }
  }

  @Test
  void acknowledgedWritesSurviveSigtermAndSigkill() throws Exception {
    long seed = TestSeed.of("DurabilityIT");
    Random r = new Random(seed);
    var openApi = new OpenApiValidator();
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        "/collections/{collection_name}",
        "/collections/d",
        "{\"vectors\":{\"size\":3,\"distance\":\"Euclid\"}}");
    List<Integer> acked = new ArrayList<>();
    for (int b = 0; b < 10; b++) {
      var a =
          rest.call(
              "PUT",
              "/collections/{collection_name}/points",
              "/collections/d/points?wait=true",
              batch(b * 100, 100, r));
      assertThat(a.status()).isEqualTo(200);
      for (int i = 0; i < 100; i++) {
        acked.add(b * 100 + i);
      }
    }
    assertThat(node.stop()).as("clean exit on SIGTERM").isIn(0, 143);
    node = new QuiverProcess(work, Map.of()).start();
    rest = new Rest(node.httpPort, openApi);
    assertAllPresent(rest, acked);

    // Writers run concurrently while the process is killed; whatever was acknowledged must survive.
    List<Integer> ackedBeforeKill = java.util.Collections.synchronizedList(new ArrayList<>(acked));
    ExecutorService writers = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    Rest live = rest;
    for (int w = 0; w < 4; w++) {
      int writer = w;
      futures.add(
          writers.submit(
              () -> {
                Random wr = new Random(seed + writer);
                for (int b = 0; b < 200; b++) {
                  int from = 10_000 + writer * 100_000 + b * 20;
                  try {
                    var a =
                        live.send("PUT", "/collections/d/points?wait=true", batch(from, 20, wr));
                    if (a.status() == 200) {
                      for (int i = 0; i < 20; i++) {
                        ackedBeforeKill.add(from + i);
                      }
                    }
                  } catch (Exception e) {
                    return null; // the server is gone
                  }
                }
                return null;
              }));
    }
    Eventually.within(
        30,
        () -> {
          synchronized (ackedBeforeKill) {
            assertThat(ackedBeforeKill.size())
                .as("writes acknowledged while the writers run")
                .isGreaterThan(acked.size() + 200);
          }
        });
    node.kill(); // with writes in flight
    writers.shutdown();
    assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    List<Integer> expected;
    synchronized (ackedBeforeKill) {
      expected = new ArrayList<>(ackedBeforeKill);
    }
    assertThat(expected.size())
        .as("some writes were acknowledged before the kill")
        .isGreaterThan(acked.size());

    node = new QuiverProcess(work, Map.of()).start();
    assertAllPresent(new Rest(node.httpPort, openApi), expected);
  }
}
