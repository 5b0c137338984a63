package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node's own small files (its identity, its shard groups' records) are checked files that
 * the next start reads back; the unversioned files of earlier builds are still read, a damaged file
 * stops the start with its path, and a write cut short is cleaned up.
 */
class NodeFilesTest {
  @TempDir Path dir;

  @Test
  void theIdentityRoundTripsAndReplacesAnEarlierBuildsFile() throws Exception {
    assertThat(PeerIdentity.read(dir)).isNull();
    // as an earlier build wrote it
    Files.writeString(
        dir.resolve(PeerIdentity.OLD_FILE),
        "#Quiver peer identity; do not edit\npeer_id=12345\nuri=https\\://node-1\\:6335\njoined=true\n",
        StandardCharsets.UTF_8);
    var old = PeerIdentity.read(dir);
    assertThat(old).isEqualTo(new PeerIdentity(12345, "https://node-1:6335", true));

    old.write(dir);
    assertThat(dir.resolve(PeerIdentity.OLD_FILE)).doesNotExist();
    assertThat(PeerIdentity.read(dir)).isEqualTo(old);

    byte[] bytes = Files.readAllBytes(dir.resolve(PeerIdentity.FILE));
    bytes[bytes.length - 6] ^= 1;
    Files.write(dir.resolve(PeerIdentity.FILE), bytes);
    assertThatThrownBy(() -> PeerIdentity.read(dir))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining(PeerIdentity.FILE);
  }

  @Test
  void groupRecordsOfBothFormatsAreReadAndACutWriteIsCleanedUp() throws Exception {
    Path groups = dir.resolve("groups");
    var bindings = new GroupBindings(groups);
    RaftGroupId fresh = RaftGroupId.valueOf(UUID.randomUUID());
    bindings.bind(fresh, "docs", 3);
    RaftGroupId earlier = RaftGroupId.valueOf(UUID.randomUUID());
    Files.writeString(groups.resolve(earlier.getUuid().toString()), "logs\n1\n");
    Files.writeString(groups.resolve(UUID.randomUUID() + ".tmp"), "half");
    assertThat(Files.readAllBytes(groups.resolve(fresh.getUuid().toString()))[0]).isZero();

    var loaded = new GroupBindings(groups);
    loaded.load();
    assertThat(loaded.get(fresh)).isEqualTo(new GroupBindings.Binding("docs", 3));
    assertThat(loaded.get(earlier)).isEqualTo(new GroupBindings.Binding("logs", 1));
    assertThat(loaded.groups()).hasSize(2);
    try (var files = Files.list(groups)) {
      assertThat(files.filter(f -> f.toString().endsWith(".tmp")).count()).isZero();
    }

    Path damaged = groups.resolve(fresh.getUuid().toString());
    byte[] bytes = Files.readAllBytes(damaged);
    bytes[bytes.length - 1] ^= 1;
    Files.write(damaged, bytes);
    assertThatThrownBy(() -> new GroupBindings(groups).load())
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining(fresh.getUuid().toString());
  }
}
