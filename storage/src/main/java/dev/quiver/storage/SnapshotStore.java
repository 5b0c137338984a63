package dev.quiver.storage;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Snapshot files under {@code storage.snapshots_path}: {@code <collection>/<name>.snapshot} for
 * collections and {@code <name>.snapshot} at the top for full snapshots (every collection), each
 * with a {@code .checksum} file holding its SHA-256, as Qdrant lays them out. Files are written
 * under a temporary name, forced and renamed, so a listed snapshot is always complete. Names are
 * checked before they touch the file system. Thread-safe.
 */
public final class SnapshotStore {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.snapshot");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss-SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Path root;
  private final CollectionRegistry registry;

  /** One snapshot: its file name, when it was made, its size and SHA-256 (hex). */
  public record Description(String name, Instant creationTime, long size, String checksum) {}

  public SnapshotStore(Path root, CollectionRegistry registry) {
    this.root = root;
    this.registry = registry;
  }

  /** Snapshots the collection now (see {@link Collection#snapshot}). */
  public Description create(String collection) {
    Collection c = registry.require(collection);
    return write(root.resolve(collection), collection, c::snapshot);
  }

  /**
   * Stores an uploaded snapshot of {@code collection} (which need not exist yet) beside its own,
   * with its checksum, and returns its file to recover from. With {@code expectedChecksum}
   * (SHA-256, hex) a different upload is refused before anything is written.
   */
  public Path upload(String collection, byte[] archive, String expectedChecksum) {
    String problem = CollectionNames.problem(collection);
    if (problem != null) {
      throw new StorageException.BadInput(problem);
    }
    checkChecksum(archive, expectedChecksum);
    Path dir = root.resolve(collection);
    return dir.resolve(write(dir, collection + "-upload", out -> out.write(archive)).name());
  }

  /** Snapshots every collection into one archive of collection snapshots. */
  public Description createFull() {
    return write(
        root,
        "full-snapshot",
        out -> {
          var zip = new ZipOutputStream(out);
          zip.setLevel(Deflater.NO_COMPRESSION);
          for (String name : registry.list()) {
            var c = registry.get(name);
            if (c.isPresent()) {
              zip.putNextEntry(new ZipEntry("collections/" + name + ".snapshot"));
              c.get().snapshot(new NonClosing(zip));
              zip.closeEntry();
            }
          }
          zip.finish();
        });
  }

  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private Description write(Path dir, String prefix, Content content) {
    String name = prefix + "-" + STAMP.format(Instant.now()) + ".snapshot";
    Path file = dir.resolve(name);
    Path tmp = dir.resolve("." + name + ".tmp");
    try {
      Files.createDirectories(dir);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (var out =
          new DigestOutputStream(
              new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), sha)) {
        content.writeTo(out);
      }
      try (var ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      String checksum = HexFormat.of().formatHex(sha.digest());
      Files.writeString(dir.resolve(name + ".checksum"), checksum);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return describe(file);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the temporary file is skipped by listings and overwritten by the next attempt
      }
      throw new StorageException.Io("cannot write snapshot " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- shard snapshots: <root>/<collection>/shards/<id>/ ----

  private Path shardDir(String collection, int shard) {
    Collection c = registry.require(collection);
    if (!c.shardIds().contains(shard)) {
      throw new StorageException.NotFound(
          "Shard " + shard + " of collection `" + collection + "` is not on this node");
    }
    return root.resolve(collection).resolve("shards").resolve(Integer.toString(shard));
  }

  /** Snapshots one local shard now (see {@link Collection#snapshotShard}). */
  public Description createShard(String collection, int shard) {
    Path dir = shardDir(collection, shard);
    Collection c = registry.require(collection);
    return write(dir, collection + "-shard-" + shard, out -> c.snapshotShard(shard, out));
  }

  /**
   * A snapshot of one local shard for a single download ({@code GET .../shards/{id}/snapshot}): a
   * hidden file, never listed, that the caller deletes once it is sent.
   */
  public Path streamShard(String collection, int shard) {
    Path dir = shardDir(collection, shard);
    Collection c = registry.require(collection);
    Path file = null;
    try {
      Files.createDirectories(dir);
      file = Files.createTempFile(dir, ".stream-", ".snapshot");
      try (var out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        c.snapshotShard(shard, out);
      }
      return file;
    } catch (IOException e) {
      deleteQuietly(file);
      throw new StorageException.Io("cannot write a shard snapshot: " + e.getMessage(), e);
    }
  }

  /**
   * A hidden file in the snapshots directory of {@code collection} to download a snapshot into
   * (recovery from a URL); the caller deletes it after the recovery.
   */
  public Path incoming(String collection) {
    try {
      String problem = CollectionNames.problem(collection);
      if (problem != null) {
        throw new StorageException.BadInput(problem);
      }
      Path dir = root.resolve(collection);
      Files.createDirectories(dir);
      return Files.createTempFile(dir, ".download-", ".snapshot");
    } catch (IOException e) {
      throw new StorageException.Io("cannot create a download file: " + e.getMessage(), e);
    }
  }

  /** Deletes a file if it exists; failures are left to the next cleanup. */
  public static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a hidden leftover: never listed as a snapshot
    }
  }

  public List<Description> listShard(String collection, int shard) {
    return listIn(shardDir(collection, shard));
  }

  public Path shardFile(String collection, int shard, String name) {
    return existing(shardDir(collection, shard), name);
  }

  public void deleteShard(String collection, int shard, String name) {
    deleteFile(shardFile(collection, shard, name));
  }

  /**
   * Stores an uploaded shard snapshot (checked against {@code expectedChecksum} first, when given)
   * and returns its file.
   */
  public Path uploadShard(String collection, int shard, byte[] archive, String expectedChecksum) {
    Path dir = shardDir(collection, shard);
    checkChecksum(archive, expectedChecksum);
    return dir.resolve(
        write(dir, collection + "-shard-" + shard + "-upload", out -> out.write(archive)).name());
  }

  private static void checkChecksum(byte[] archive, String expectedChecksum) {
    if (expectedChecksum == null) {
      return;
    }
    try {
      String actual =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
      if (!actual.equalsIgnoreCase(expectedChecksum)) {
        throw new StorageException.BadInput(
            "Checksum mismatch: the uploaded snapshot is not the one given");
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public List<Description> list(String collection) {
    registry.require(collection);
    return listIn(root.resolve(collection));
  }

  public List<Description> listFull() {
    return listIn(root);
  }

  private List<Description> listIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Description> out = new ArrayList<>();
      for (Path f : files.sorted().toList()) {
        if (Files.isRegularFile(f) && NAME.matcher(f.getFileName().toString()).matches()) {
          out.add(describe(f));
        }
      }
      return out;
    } catch (IOException e) {
      throw new StorageException.Io("cannot list snapshots in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Description describe(Path file) throws IOException {
    Path sum = file.resolveSibling(file.getFileName() + ".checksum");
    String checksum = Files.exists(sum) ? Files.readString(sum).strip() : null;
    return new Description(
        file.getFileName().toString(),
        Files.getLastModifiedTime(file).toInstant(),
        Files.size(file),
        checksum);
  }

  /** The file of a collection snapshot, or NotFound. */
  public Path file(String collection, String name) {
    registry.require(collection);
    return existing(root.resolve(collection), name);
  }

  public Path fullFile(String name) {
    return existing(root, name);
  }

  private static Path existing(Path dir, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new StorageException.NotFound("Snapshot " + name + " not found");
    }
    Path f = dir.resolve(name);
    if (!Files.isRegularFile(f)) {
      throw new StorageException.NotFound("Snapshot " + name + " not found");
    }
    return f;
  }

  /** Deletes a collection snapshot and its checksum; NotFound when absent. */
  public void delete(String collection, String name) {
    deleteFile(file(collection, name));
  }

  public void deleteFull(String name) {
    deleteFile(fullFile(name));
  }

  private static void deleteFile(Path f) {
    try {
      Files.delete(f);
      Files.deleteIfExists(f.resolveSibling(f.getFileName() + ".checksum"));
    } catch (IOException e) {
      throw new StorageException.Io("cannot delete " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * Resolves a {@code file://} recovery location, which must name a snapshot under the snapshots
   * directory (a client cannot make the node read arbitrary files).
   */
  public Path local(URI location) {
    Path p;
    try {
      p = Path.of(location).toAbsolutePath().normalize();
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new StorageException.BadInput("bad snapshot location " + location);
    }
    Path base = root.toAbsolutePath().normalize();
    if (!p.startsWith(base)) {
      throw new StorageException.BadInput(
          "Snapshot location must be inside the snapshots directory " + base);
    }
    if (!Files.isRegularFile(p)) {
      throw new StorageException.NotFound("Snapshot file " + p + " does not exist");
    }
    return p;
  }

  /** SHA-256 (hex) of a file. */
  public static String sha256(Path file) {
    try (var in = Files.newInputStream(file)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new StorageException.Io("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Lets a nested writer finish its zip without closing the outer entry. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
