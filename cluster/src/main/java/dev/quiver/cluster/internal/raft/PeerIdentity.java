package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.CheckedFiles;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Properties;

/**
 * This node's identity in the cluster, kept in {@code cluster/peer.identity} under the storage
 * path: the peer id (random, fixed for the node's life), the URI peers reach it at, and whether it
 * has completed joining. A restart reads it, so a node rejoins without {@code --uri} or {@code
 * --bootstrap}. The file is a {@link CheckedFiles} one (magic, version, length, CRC32C); the {@code
 * peer.properties} of earlier builds is read when it is all there is, and replaced at the next
 * write.
 */
record PeerIdentity(long peerId, String uri, boolean joined) {
  static final String FILE = "peer.identity";

  /** What earlier builds wrote: a Java properties file, without a version or checksum. */
  static final String OLD_FILE = "peer.properties";

  static final int MAGIC = 0x51504944; // "QPID"
  static final int VERSION = 1;

  /** Peer ids stay below 2^53 so that JSON clients (JavaScript numbers) read them exactly. */
  static long newPeerId() {
    long id;
    var random = new SecureRandom();
    do {
      id = random.nextLong() & ((1L << 53) - 1);
    } while (id == 0);
    return id;
  }

  /** The stored identity, or null on a first start. */
  static PeerIdentity read(Path dir) {
    Path file = dir.resolve(FILE);
    if (Files.exists(file)) {
      try {
        return ShardCodec.read(
            CheckedFiles.read(file, MAGIC, VERSION),
            in -> new PeerIdentity(in.readLong(), ShardCodec.readString(in), in.readBoolean()));
      } catch (ShardCodec.Malformed e) {
        throw new StorageException.Corrupted(file, "unreadable peer identity: " + e.getMessage());
      }
    }
    Path old = dir.resolve(OLD_FILE);
    if (!Files.exists(old)) {
      return null;
    }
    var p = new Properties();
    try (Reader r = Files.newBufferedReader(old, StandardCharsets.UTF_8)) {
      p.load(r);
      return new PeerIdentity(
          Long.parseLong(p.getProperty("peer_id")),
          p.getProperty("uri"),
          Boolean.parseBoolean(p.getProperty("joined")));
    } catch (IOException | RuntimeException e) {
      throw new StorageException.Corrupted(old, "unreadable peer identity: " + e.getMessage());
    }
  }

  /** Replaces the stored identity (atomically; an earlier build's file goes once this is down). */
  void write(Path dir) {
    try {
      Files.createDirectories(dir);
      CheckedFiles.write(
          dir.resolve(FILE),
          MAGIC,
          VERSION,
          ShardCodec.write(
              out -> {
                out.writeLong(peerId);
                ShardCodec.writeString(out, uri);
                out.writeBoolean(joined);
              }));
      Files.deleteIfExists(dir.resolve(OLD_FILE));
    } catch (IOException e) {
      throw new StorageException.Io("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  PeerIdentity asJoined() {
    return new PeerIdentity(peerId, uri, true);
  }
}
