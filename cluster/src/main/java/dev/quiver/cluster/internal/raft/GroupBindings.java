package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.CheckedFiles;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * small {@link CheckedFiles} file per group, named by the group's UUID, written atomically) so that
 * a restarting node knows the state machine of every group Ratis reopens before the metadata log
 * has been replayed. The two-line text files of earlier builds (collection, shard) are still read:
 * a checked file starts with a zero byte, which no collection name does. Thread-safe.
 */
final class GroupBindings {
  private static final Logger LOG = LogManager.getLogger(GroupBindings.class);

  /** A group's shard. */
  record Binding(String collection, int shard) {}

  /** "\0BGQ" in the file, little-endian: the zero byte first. */
  static final int MAGIC = 0x51474200;

  static final int VERSION = 1;

  private final Path dir;
  private final Map<RaftGroupId, Binding> bindings = new ConcurrentHashMap<>();

  GroupBindings(Path dir) {
    this.dir = dir;
  }

  /**
   * Reads the recorded bindings; a write cut short (a {@code .tmp} file) is removed, a damaged file
   * stops the start with its path.
   */
  void load() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".tmp")) {
          Files.deleteIfExists(f);
          continue;
        }
        RaftGroupId gid;
        try {
          gid = RaftGroupId.valueOf(UUID.fromString(name));
        } catch (IllegalArgumentException e) {
          LOG.warn("{}: not a shard group's record, left alone", f);
          continue;
        }
        bindings.put(gid, read(f));
      }
    }
  }

  private static Binding read(Path f) throws IOException {
    byte[] head = new byte[1];
    try (var in = Files.newInputStream(f)) {
      if (in.read(head) == 1 && head[0] == 0) {
        try {
          return ShardCodec.read(
              CheckedFiles.read(f, MAGIC, VERSION),
              in2 -> new Binding(ShardCodec.readString(in2), in2.readInt()));
        } catch (ShardCodec.Malformed e) {
          throw new StorageException.Corrupted(f, e.getMessage());
        }
      }
    }
    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    try {
      if (lines.size() == 2) {
        return new Binding(lines.get(0), Integer.parseInt(lines.get(1)));
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new StorageException.Corrupted(f, "neither a checked nor an earlier build's record");
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
      CheckedFiles.write(
          dir.resolve(gid.getUuid().toString()),
          MAGIC,
          VERSION,
          ShardCodec.write(
              out -> {
                ShardCodec.writeString(out, b.collection());
                out.writeInt(b.shard());
              }));
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
