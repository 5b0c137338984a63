package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose storage disk fills up, on a real file system that runs out of space (a small tmpfs
 * in a mount namespace of the node's own, {@link SmallDisk}; the rest of the disk is taken by a
 * filler file, the data of someone else). Writes are refused with 507 and Qdrant's "No space left
 * on device", nothing acknowledged is lost, reads go on, writes resume once space is freed without
 * a restart, and every acknowledged point is there after a SIGKILL and a restart.
 */
class DiskFullIT {
  private static final int DIM = 64;
  private static final int BATCH = 250;
  private static final long MIB = 1 << 20;

  @TempDir Path work;
  private SmallDisk disk;
  private QuiverProcess node;

  @AfterEach
  void stop() throws Exception {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (disk != null) {
        disk.close();
      }
    }
  }

  /** The free-space floor (the WAL capacity, 32 MiB by default) turns writes away first. */
  @Test
  void writesAreRefusedBeforeTheDiskIsFull() throws Exception {
    run(96 * MIB, null, 40 * MIB, 0);
    assertThat(disk.free()).as("bytes still free when writes were refused").isGreaterThan(MIB);
  }

  /**
   * With a floor of 1 MiB (the WAL capacity) a write bigger than the room left passes the floor and
   * is refused whole before it is logged: none of its points appears, then or after a restart.
   */
  @Test
  void aWriteBiggerThanTheRoomLeftIsRefusedWhole() throws Exception {
    run(48 * MIB, 1, 3 * MIB, 2_000);
  }

  /**
   * Fills the disk to {@code leaveFree}, sends one batch of {@code bigBatch} points if not 0 (it
   * must be refused), then batches until one is refused, and checks the rest.
   */
  private void run(long diskBytes, Integer walCapacityMb, long leaveFree, int bigBatch)
      throws Exception {
    Random r = new Random(TestSeed.of("DiskFullIT"));
    disk = SmallDisk.mount(work.resolve("storage"), diskBytes);
    node = new QuiverProcess(work, Map.of()).prefix(disk.enter(work)).start();
    Rest rest = new Rest(node.httpPort, new OpenApiValidator());
    rest.call(
        "PUT",
        "/collections/{collection_name}",
        "/collections/d",
        "{\"vectors\":{\"size\":"
            + DIM
            + ",\"distance\":\"Dot\"}"
            + (walCapacityMb == null
                ? ""
                : ",\"wal_config\":{\"wal_capacity_mb\":" + walCapacityMb + "}")
            + "}");
    List<Integer> acked = new ArrayList<>();
    int next = 0;
    for (int b = 0; b < 4; b++, next += BATCH) {
      assertThat(
              rest.send("PUT", "/collections/d/points?wait=true", batch(next, BATCH, r)).status())
          .isEqualTo(200);
      for (int i = 0; i < BATCH; i++) {
        acked.add(next + i);
      }
    }
    disk.fillLeaving(leaveFree);
    if (bigBatch > 0) {
      Rest.Answer big =
          rest.send("PUT", "/collections/d/points?wait=true", batch(next, bigBatch, r));
      next += bigBatch;
      assertThat(big.status()).as("%s", big.body()).isEqualTo(507);
      assertThat(big.error()).contains("No space left on device");
      assertThat(count(rest)).as("points after the big write").isEqualTo(acked.size());
    }
    Rest.Answer refused = null;
    for (int b = 0; b < 400 && refused == null; b++) {
      Rest.Answer a = rest.send("PUT", "/collections/d/points?wait=true", batch(next, BATCH, r));
      if (a.status() == 200) {
        for (int i = 0; i < BATCH; i++) {
          acked.add(next + i);
        }
      } else {
        refused = a;
      }
      next += BATCH;
    }
    assertThat(refused).as("a write refused within 400 batches").isNotNull();
    assertThat(refused.status()).as("%s", refused.body()).isEqualTo(507);
    assertThat(refused.error()).contains("No space left on device");
    System.out.println("refused: " + refused.error());

    // full: writes go on being refused as such, deletes too if they need room; reads answer
    for (int i = 0; i < 3; i++) {
      Rest.Answer a = rest.send("PUT", "/collections/d/points?wait=true", batch(next, BATCH, r));
      next += BATCH;
      assertThat(a.status()).as("%s", a.body()).isEqualTo(507);
    }
    assertThat(count(rest)).as("points after the refusals").isEqualTo(acked.size());
    assertThat(
            rest.send(
                    "POST",
                    "/collections/d/points/search",
                    "{\"vector\":" + vector(r) + ",\"limit\":5}")
                .status())
        .isEqualTo(200);
    assertThat(node.running()).isTrue();

    // room again: writes resume on the same process
    disk.unfill();
    int resumed = next;
    Eventually.within(
        10,
        () ->
            assertThat(
                    rest.send("PUT", "/collections/d/points?wait=true", batch(resumed, BATCH, r))
                        .status())
                .isEqualTo(200));
    for (int i = 0; i < BATCH; i++) {
      acked.add(resumed + i);
    }
    assertThat(count(rest)).isEqualTo(acked.size());

    // and everything acknowledged survives a SIGKILL
    node.kill();
    node = new QuiverProcess(work, Map.of()).prefix(disk.enter(work)).start();
    Rest after = new Rest(node.httpPort, new OpenApiValidator());
    assertThat(count(after)).as("points after the restart").isEqualTo(acked.size());
    for (int start = 0; start < acked.size(); start += 500) {
      List<Integer> chunk = acked.subList(start, Math.min(acked.size(), start + 500));
      JsonNode got =
          after
              .send(
                  "POST", "/collections/d/points", "{\"ids\":" + chunk + ",\"with_payload\":true}")
              .result();
      assertThat(got).as("points %s..", chunk.getFirst()).hasSize(chunk.size());
      for (JsonNode p : got) {
        assertThat(p.at("/payload/i").asInt()).isEqualTo(p.get("id").asInt());
      }
    }
  }

  private static int count(Rest rest) throws Exception {
    return rest.send("POST", "/collections/d/points/count", "{\"exact\":true}")
        .result()
        .path("count")
        .asInt();
  }

  private static String vector(Random r) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < DIM; i++) {
      sb.append(i == 0 ? "" : ",").append(r.nextFloat());
    }
    return sb.append(']').toString();
  }

  private static String batch(int from, int points, Random r) {
    StringBuilder sb = new StringBuilder("{\"points\":[");
    for (int i = 0; i < points; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(from + i)
          .append(",\"vector\":")
          .append(vector(r))
          .append(",\"payload\":{\"i\":")
          .append(from + i)
          .append(",\"text\":\"")
          .append("lorem ipsum dolor sit amet ".repeat(8))
          .append("\"}}");
    }
    return sb.append("]}").toString();
  }
}
