package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadLogTest {
  @TempDir Path dir;

  private static byte[] encoded(String text) {
    return PayloadBytes.encode(new Value.Struct(Map.of("text", new Value.Str(text))));
  }

  @Test
  void payloadsAreReadBackAcrossChunksAndAPayloadLargerThanAChunkGetsItsOwn() throws Exception {
    PayloadLog log = new PayloadLog(dir, 1024, 1);
    List<PayloadLog.Ref> refs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      refs.add(log.append(encoded("payload " + i)));
    }
    PayloadLog.Ref big = log.append(encoded("x".repeat(5000)));
    for (int i = 0; i < 100; i++) {
      assertThat(refs.get(i).payload().fields().get("text"))
          .isEqualTo(new Value.Str("payload " + i));
    }
    assertThat(big.payload().fields().get("text")).isEqualTo(new Value.Str("x".repeat(5000)));
    assertThat(log.chunkCount()).isGreaterThan(2);
    assertThat(Files.size(dir.resolve("payloads-00000.qpl"))).isEqualTo(1024);

    // every chunk starts with its header: magic, version, size in KiB, and the CRC-32C of those
    ByteBuffer header =
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve("payloads-00000.qpl")))
            .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(header.getInt(0)).isEqualTo(PayloadLog.MAGIC);
    assertThat(header.getInt(4)).isEqualTo(PayloadLog.VERSION);
    assertThat(header.getInt(8)).isEqualTo(1);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, 16);
    assertThat(header.getInt(60)).isEqualTo((int) crc.getValue());
  }

  @Test
  void mostlyDeadChunksAreGivenUpWhileRefsToThemStillRead() throws Exception {
    PayloadLog log = new PayloadLog(dir, 4096, 2048);
    List<PayloadLog.Ref> refs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      refs.add(log.append(encoded("payload number " + i)));
    }
    int chunks = log.chunkCount();
    assertThat(chunks).isGreaterThan(3);
    assertThat(log.victims()).as("nothing dead").isEmpty();
    // the first 700 replaced: their chunks are dead but for what the last 300 share
    for (int i = 0; i < 700; i++) {
      log.release(refs.get(i));
    }
    Set<PayloadLog.Chunk> victims = log.victims();
    assertThat(victims).isNotEmpty();
    for (PayloadLog.Chunk c : victims) {
      assertThat(c).isNotSameAs(refs.getLast().chunk()); // the chunk being written is kept
    }
    long before = log.deadBytes();
    log.drop(victims);
    assertThat(log.chunkCount()).isEqualTo(chunks - victims.size());
    assertThat(log.deadBytes()).isLessThan(before);
    assertThat(Files.exists(dir.resolve("payloads-00000.qpl"))).isFalse();
    // a reader that still holds a ref into a dropped chunk reads its payload intact
    assertThat(refs.getFirst().payload().fields().get("text"))
        .isEqualTo(new Value.Str("payload number 0"));
  }

  @Test
  void filesAnEarlierRunLeftAreDeleted() throws Exception {
    Files.write(dir.resolve("payloads-00007.qpl"), new byte[100]);
    Files.write(dir.resolve("keep.txt"), new byte[1]);
    new PayloadLog(dir, 1024, 1);
    assertThat(Files.exists(dir.resolve("payloads-00007.qpl"))).isFalse();
    assertThat(Files.exists(dir.resolve("keep.txt"))).isTrue();
  }
}
