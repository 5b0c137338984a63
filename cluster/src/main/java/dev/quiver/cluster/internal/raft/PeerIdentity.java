package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Properties;

/**
 * This node's identity in the cluster, kept in {@code cluster/peer.properties} under the storage
 * path: the peer id (random, fixed for the node's life), the URI peers reach it at, and whether it
 * has completed joining. A restart reads it, so a node rejoins without {@code --uri} or {@code
 * --bootstrap}.
 */
record PeerIdentity(long peerId, String uri, boolean joined) {
  static final String FILE = "peer.properties";

  /** Peer ids stay below 2^53 so that JSON clients (JavaScript numbers) read them exactly. */
  static long newPeerId() {
    long id;
    var random = new SecureRandom();
    do {
      id = random.nextLong() & ((1L << 53) - 1);
    } while (id == 0);
    return id;
  }

  static PeerIdentity read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    var p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
      return new PeerIdentity(
          Long.parseLong(p.getProperty("peer_id")),
          p.getProperty("uri"),
          Boolean.parseBoolean(p.getProperty("joined")));
    } catch (IOException | RuntimeException e) {
      throw new StorageException.Corrupted(file, "unreadable peer identity: " + e.getMessage());
    }
  }

  void write(Path dir) {
    var p = new Properties();
    p.setProperty("peer_id", Long.toString(peerId));
    p.setProperty("uri", uri);
    p.setProperty("joined", Boolean.toString(joined));
    Path tmp = dir.resolve(FILE + ".tmp");
    try {
      Files.createDirectories(dir);
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, "Quiver peer identity; do not edit");
      }
      try (var ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StorageException.Io("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  PeerIdentity asJoined() {
    return new PeerIdentity(peerId, uri, true);
  }
}
