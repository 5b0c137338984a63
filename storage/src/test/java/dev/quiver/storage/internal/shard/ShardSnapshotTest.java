package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.files.Archives;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardSnapshotTest {
  @TempDir Path dir;

  private static CollectionConfig config(int dim) {
    return new CollectionConfig(
        Map.of("big", new VectorParams(dim, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 10_000, 0, false),
        new OptimizersConfig(0.2, 1000, 0, null, 100_000, 5, null),
        WalConfig.DEFAULT);
  }

  private static Point point(int id, int dim) {
    float[] v = new float[dim];
    v[id % dim] = 1;
    return new Point(PointId.of(id), Map.of("big", v), null);
  }

  /**
   * One 65,536-d vector maps a 4 GiB chunk; the snapshot copied all of it (18 s under the write
   * lock). It now copies the vectors there are, and the archive restores them.
   */
  @Test
  void aSnapshotIsBoundedByTheDataNotTheMappedChunks() throws Exception {
    int dim = 65_536;
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    try (LocalShard shard = new LocalShard(dir.resolve("s"), config(dim))) {
      shard.apply(1, new UpdateOp.Upsert(List.of(point(7, dim))));
      try (ZipOutputStream zip = new ZipOutputStream(archive)) {
        shard.snapshotTo(zip, "");
      }
    }
    assertThat(archive.size()).isLessThan(4 << 20);
    Path archiveFile = dir.resolve("a.zip");
    Files.write(archiveFile, archive.toByteArray());
    Archives.unzip(archiveFile, dir.resolve("restored"));
    try (LocalShard restored = new LocalShard(dir.resolve("restored"), config(dim))) {
      var p =
          restored.retrieve(List.of(PointId.of(7)), WithPayload.NONE, WithVectors.ALL).getFirst();
      assertThat(p.vectors().get("big")[7]).isEqualTo(1f);
      restored.apply(2, new UpdateOp.Upsert(List.of(point(8, dim)))); // the short chunk grows
      assertThat(restored.count()).isEqualTo(2);
    }
  }

  /**
   * Writes went on waiting for a whole snapshot copy; now a write completes while the copy is held
   * up (by an archive stream that does not move until the write is done).
   */
  @Test
  void writesGoOnWhileASnapshotIsCopied() throws Exception {
    try (LocalShard shard = new LocalShard(dir.resolve("s"), config(8))) {
      for (int i = 0; i < 100; i++) {
        shard.apply(i + 1, new UpdateOp.Upsert(List.of(point(i, 8))));
      }
      CountDownLatch copying = new CountDownLatch(1);
      CountDownLatch written = new CountDownLatch(1);
      AtomicBoolean writeWaited = new AtomicBoolean();
      OutputStream slow =
          new FilterOutputStream(OutputStream.nullOutputStream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              copying.countDown();
              try {
                if (!written.await(10, TimeUnit.SECONDS)) {
                  writeWaited.set(true); // the write could not run while the copy went on
                }
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
          };
      Thread snapshot =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (ZipOutputStream zip = new ZipOutputStream(slow)) {
                      shard.snapshotTo(zip, "");
                    } catch (IOException e) {
                      throw new RuntimeException(e);
                    }
                  });
      assertThat(copying.await(30, TimeUnit.SECONDS)).isTrue();
      shard.apply(1000, new UpdateOp.Upsert(List.of(point(500, 8)))); // blocked before
      written.countDown();
      snapshot.join(30_000);
      assertThat(snapshot.isAlive()).isFalse();
      assertThat(writeWaited).isFalse();
      assertThat(shard.count()).isEqualTo(101);
    }
  }
}
