package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.payload.PayloadLog;
import dev.quiver.storage.internal.space.IndexThreads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Payloads held on disk ({@code on_disk_payload: true}): read back through every change, after
 * their chunks are given up, with readers running meanwhile, across a reopen, and when the setting
 * turns.
 */
class OnDiskPayloadTest {
  @TempDir Path dir;

  private static final int POINTS = 200;

  private static CollectionConfig config(boolean onDisk) {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(2, Distance.DOT, null)),
        1,
        1,
        1,
        onDisk,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT);
  }

  private LocalShard open(CollectionConfig config) {
    return new LocalShard(
        dir,
        config,
        false,
        new IndexThreads(),
        new PayloadLog(dir.resolve(ShardFiles.PAYLOAD_DIR), 8192, 4096));
  }

  private static Value.Struct payload(int id, int round) {
    return new Value.Struct(
        Map.of(
            "id",
            new Value.Int(id),
            "round",
            new Value.Int(round),
            "text",
            new Value.Str("t" + id)));
  }

  private static List<Point> points(int round) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < POINTS; i++) {
      out.add(new Point(PointId.of(i), Map.of("", new float[] {i, 1}), payload(i, round)));
    }
    return out;
  }

  private static List<PointRecord> all(LocalShard shard) {
    List<PointId> ids = new ArrayList<>();
    for (int i = 0; i < POINTS; i++) {
      ids.add(PointId.of(i));
    }
    return shard.retrieve(ids, WithPayload.ALL, WithVectors.NONE);
  }

  private long payloadFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve(ShardFiles.PAYLOAD_DIR))) {
      return files.count();
    }
  }

  @Test
  void payloadsSurviveRewritesChunkReclaimsAndConcurrentReaders() throws Exception {
    try (LocalShard shard = open(config(true))) {
      shard.apply(1, new UpdateOp.Upsert(points(0)));
      AtomicBoolean stop = new AtomicBoolean();
      List<String> wrong = new ArrayList<>();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      for (PointRecord r : all(shard)) {
                        long id = ((PointId.Num) r.id()).value();
                        Value.Struct p = r.payload();
                        if (!p.fields().get("id").equals(new Value.Int(id))
                            || !p.fields().get("text").equals(new Value.Str("t" + id))) {
                          synchronized (wrong) {
                            wrong.add(r.id() + " read " + p);
                          }
                        }
                      }
                    }
                  });
      long op = 1;
      for (int round = 1; round <= 60; round++) {
        shard.apply(++op, new UpdateOp.Upsert(points(round)));
      }
      stop.set(true);
      reader.join();
      assertThat(wrong).isEmpty();
      // sixty rounds wrote ~40 chunks of 8 KiB; mostly dead ones were given up as they filled
      assertThat(payloadFiles()).isLessThan(12);
      for (PointRecord r : all(shard)) {
        assertThat(r.payload().fields().get("round")).isEqualTo(new Value.Int(60));
      }
      shard.apply(++op, new UpdateOp.DeletePoints(List.of(PointId.of(0))));
      assertThat(all(shard)).hasSize(POINTS - 1);
    }
    try (LocalShard reopened = open(config(true))) {
      assertThat(all(reopened)).hasSize(POINTS - 1);
      for (PointRecord r : all(reopened)) {
        assertThat(r.payload().fields().get("round")).isEqualTo(new Value.Int(60));
      }
    }
  }

  @Test
  void turningTheSettingMovesEveryPayloadOnAndOffTheDisk() throws Exception {
    try (LocalShard shard = open(config(true))) {
      shard.apply(1, new UpdateOp.Upsert(points(1)));
      assertThat(payloadFiles()).isPositive();
      shard.updateConfig(config(false));
      for (PointRecord r : all(shard)) {
        assertThat(r.payload()).isEqualTo(payload((int) ((PointId.Num) r.id()).value(), 1));
      }
      shard.apply(2, new UpdateOp.Upsert(points(2)));
      shard.updateConfig(config(true));
      for (PointRecord r : all(shard)) {
        assertThat(r.payload()).isEqualTo(payload((int) ((PointId.Num) r.id()).value(), 2));
      }
    }
  }
}
