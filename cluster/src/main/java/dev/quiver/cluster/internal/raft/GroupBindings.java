package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Which collection shard each Raft group on this node replicates, kept in {@code groups/} (one
 * small file per group, written atomically) so that a restarting node knows the state machine of
 * every group Ratis reopens before the metadata log has been replayed.
 */
final class GroupBindings {
  private static final Logger LOG = LogManager.getLogger(GroupBindings.class);

  /** A group's shard. */
  record Binding(String collection, int shard) {}

  private final Path dir;
  private final Map<RaftGroupId, Binding> bindings = new ConcurrentHashMap<>();

  GroupBindings(Path dir) {
    this.dir = dir;
  }

  /** Reads the recorded bindings. */
  void load() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        if (lines.size() == 2) {
          bindings.put(
              RaftGroupId.valueOf(UUID.fromString(f.getFileName().toString())),
              new Binding(lines.get(0), Integer.parseInt(lines.get(1))));
        }
      }
    }
  }

  /** The shard of {@code gid}, or null. */
  Binding get(RaftGroupId gid) {
    return bindings.get(gid);
  }

  /** Every bound group. */
  Set<RaftGroupId> groups() {
    return Set.copyOf(bindings.keySet());
  }

  boolean contains(RaftGroupId gid) {
    return bindings.containsKey(gid);
  }

  void bind(RaftGroupId gid, String collection, int shard) {
    Binding b = new Binding(collection, shard);
    bindings.put(gid, b);
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(gid.getUuid() + ".tmp");
      Files.writeString(tmp, b.collection() + "\n" + b.shard() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve(gid.getUuid().toString()), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StorageException.Io("cannot record shard group " + gid + ": " + e.getMessage(), e);
    }
  }

  void unbind(RaftGroupId gid) {
    bindings.remove(gid);
    try {
      Files.deleteIfExists(dir.resolve(gid.getUuid().toString()));
    } catch (IOException e) {
      LOG.warn("cannot remove the record of shard group {}: {}", gid, e.toString());
    }
  }
}
