package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The numbering of a shard's vector directories ({@code vectors/names}): written with a versioned,
 * checksummed header, read back with the same numbers, the plain file of older shards read and
 * rewritten, a damaged file refused.
 */
class ShardFilesTest {
  @TempDir Path dir;

  private static CollectionConfig config(String... names) {
    var vectors = new HashMap<String, VectorParams>();
    for (String n : names) {
      vectors.put(n, new VectorParams(2, Distance.DOT, null));
    }
    return new CollectionConfig(
        vectors, 1, 1, 1, true, HnswConfig.DEFAULT, OptimizersConfig.DEFAULT, WalConfig.DEFAULT);
  }

  private int magic() throws Exception {
    byte[] head = Arrays.copyOf(Files.readAllBytes(dir.resolve("vectors/names")), 4);
    return ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  @Test
  void numbersSurviveReopeningAndDeletion() throws Exception {
    ShardFiles files = new ShardFiles(dir, config("b", "a"));
    assertThat(files.vectorDir("a")).isEqualTo(dir.resolve("vectors/0")); // name order at first
    assertThat(files.vectorDir("b")).isEqualTo(dir.resolve("vectors/1"));
    assertThat(magic()).isEqualTo(ShardFiles.NAMES_MAGIC);
    files.deleteVector("a");
    assertThat(files.vectorDir("c")).isEqualTo(dir.resolve("vectors/2")); // 0 is not reused

    ShardFiles reopened = new ShardFiles(dir, config("b", "c"));
    assertThat(reopened.vectorDir("b")).isEqualTo(dir.resolve("vectors/1"));
    assertThat(reopened.vectorDir("c")).isEqualTo(dir.resolve("vectors/2"));
    assertThat(reopened.vectorDir("a")).isEqualTo(dir.resolve("vectors/3")); // a new "a"
  }

  @Test
  void thePlainFileOfOlderShardsIsReadAndRewritten() throws Exception {
    Files.createDirectories(dir.resolve("vectors"));
    Files.writeString(dir.resolve("vectors/names"), "z\ny", StandardCharsets.UTF_8);
    ShardFiles files = new ShardFiles(dir, config("y", "z"));
    assertThat(files.vectorDir("z")).isEqualTo(dir.resolve("vectors/0"));
    assertThat(files.vectorDir("y")).isEqualTo(dir.resolve("vectors/1"));
    assertThat(magic()).isEqualTo(ShardFiles.NAMES_MAGIC);
    assertThat(new ShardFiles(dir, config("y", "z")).vectorDir("y"))
        .isEqualTo(dir.resolve("vectors/1"));
  }

  @Test
  void aDamagedFileIsRefused() throws Exception {
    new ShardFiles(dir, config("a", "b"));
    Path names = dir.resolve("vectors/names");
    byte[] bytes = Files.readAllBytes(names);
    bytes[13] ^= 0x20; // a letter of the body: the checksum no longer matches
    Files.write(names, bytes);
    assertThatThrownBy(() -> new ShardFiles(dir, config("a", "b")))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining("checksum");
  }
}
