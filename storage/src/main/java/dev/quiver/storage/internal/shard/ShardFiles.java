package dev.quiver.storage.internal.shard;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.files.Archives;
import dev.quiver.storage.internal.files.FileFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.logging.log4j.LogManager;

/**
 * Where a shard keeps its files under its directory, and which of them are its data: {@code wal/},
 * {@code checkpoint.bin}, the vectors of each dense vector in {@code vectors/N/} (N from the
 * numbering in {@code vectors/names}, which only grows: a deleted vector's number is never reused;
 * a self-checking file of magic {@code QVNM}, version 1, whose plain-text predecessor is read and
 * rewritten), and the derived working files a snapshot leaves out because opening rebuilds them:
 * the HNSW graphs ({@code graph/N/}, each graph is in the checkpoint), the sparse indexes ({@code
 * sparse-index/}, from the vectors), the payload log ({@code payloads/}, from the checkpoint) and
 * the on-disk payload indexes ({@code payload-index/}, from the payloads). Not thread-safe: the
 * shard calls it under its write lock (and while opening).
 */
final class ShardFiles {
  /** Where on-disk sparse indexes keep their files. */
  private static final String SPARSE_INDEX_DIR = "sparse-index";

  /** Where the HNSW graphs keep their working files. */
  private static final String GRAPH_DIR = "graph";

  /** Where the payload log keeps its files. */
  static final String PAYLOAD_DIR = "payloads";

  /** Where payload indexes asked to be {@code on_disk} keep their files. */
  static final String PAYLOAD_INDEX_DIR = "payload-index";

  /** The name of a deleted vector's number ("" is the unnamed vector's). */
  private static final String DELETED = "\u0000";

  /** {@code vectors/names}: the names one a line, in the shared self-checking format. */
  static final int NAMES_MAGIC = 0x51564E4D; // "QVNM"

  private static final int NAMES_VERSION = 1;

  private final Path dir;

  /** The vector directories' names by number ({@code vectors/names}). */
  private final List<String> vectorDirNames;

  /**
   * The files of the shard in {@code dir}: the numbering of its vector directories read from {@code
   * vectors/names} (a shard written before that file numbered them in name order), with the names
   * new to the shard appended.
   */
  ShardFiles(Path dir, CollectionConfig config) {
    this.dir = dir;
    Path file = namesFile();
    List<String> names = new ArrayList<>();
    boolean changed = !Files.exists(file);
    if (!changed) {
      changed = readNames(file, names); // a file of the plain format is rewritten with a header
    }
    for (String name : new TreeMap<>(config.vectors()).keySet()) {
      if (!names.contains(name)) {
        names.add(name); // without the file: name order, as shards numbered them before it
        changed = true;
      }
    }
    vectorDirNames = names;
    if (changed) {
      writeNames(); // written only when it changes, not at every open
    }
  }

  /** The directory of dense vector {@code name}'s vectors, numbered for it if it is new. */
  Path vectorDir(String name) {
    return dir.resolve("vectors").resolve(String.valueOf(number(name)));
  }

  /** The working directory of dense vector {@code name}'s graph. */
  Path graphDir(String name) {
    return dir.resolve(GRAPH_DIR).resolve(String.valueOf(number(name)));
  }

  /**
   * The working directory of dense vector {@code name}'s tenant links, emptied of what an earlier
   * run left (the links are made again from the payloads).
   */
  Path tenantLinksDir(String name) {
    Path tenants = graphDir(name).resolve("tenants");
    try {
      Archives.deleteRecursively(tenants);
    } catch (IOException e) {
      throw new StorageException.Io(
          "cannot clear the tenant links in " + tenants + ": " + e.getMessage(), e);
    }
    return tenants;
  }

  /**
   * The directory of sparse vector {@code name}'s on-disk index: named by a hash of the name, which
   * may hold any character.
   */
  Path sparseIndexDir(String name) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return dir.resolve(SPARSE_INDEX_DIR).resolve(HexFormat.of().formatHex(h, 0, 12));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code file} is derived working data, rebuilt at open and left out of snapshots. */
  boolean derived(Path file) {
    return file.startsWith(dir.resolve(SPARSE_INDEX_DIR))
        || file.startsWith(dir.resolve(GRAPH_DIR))
        || file.startsWith(dir.resolve(PAYLOAD_DIR))
        || file.startsWith(dir.resolve(PAYLOAD_INDEX_DIR));
  }

  /**
   * Deletes dense vector {@code name}'s files and retires its number; a file that cannot be deleted
   * is logged and left (nothing reads it again).
   */
  void deleteVector(String name) {
    int number = vectorDirNames.indexOf(name);
    if (number < 0) {
      return; // it never had files
    }
    vectorDirNames.set(number, DELETED); // the number is not reused
    writeNames();
    try {
      Archives.deleteRecursively(dir.resolve("vectors").resolve(String.valueOf(number)));
      Archives.deleteRecursively(dir.resolve(GRAPH_DIR).resolve(String.valueOf(number)));
    } catch (IOException e) {
      LogManager.getLogger(ShardFiles.class)
          .warn("cannot delete the files of deleted vector {}: {}", name, e.toString());
    }
  }

  /** Copies the first {@code length} bytes of {@code f} into {@code zip} as entry {@code name}. */
  static void copyPrefix(ZipOutputStream zip, String name, Path f, long length) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          break;
        }
        zip.write(buf, 0, n);
        left -= n;
      }
    }
    zip.closeEntry();
  }

  private int number(String name) {
    int n = vectorDirNames.indexOf(name);
    if (n < 0) {
      vectorDirNames.add(name);
      writeNames();
      n = vectorDirNames.size() - 1;
    }
    return n;
  }

  /**
   * Reads {@code vectors/names} into {@code names}; true when it was in the plain format of shards
   * written before the file had a header (one name a line), which the caller then rewrites.
   */
  private static boolean readNames(Path file, List<String> names) {
    byte[] head = new byte[4];
    try (var in = Files.newInputStream(file)) {
      int n = in.readNBytes(head, 0, 4);
      boolean framed =
          n == 4 && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() == NAMES_MAGIC;
      if (!framed) {
        names.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
        return true;
      }
    } catch (IOException e) {
      throw new StorageException.Io("cannot read " + file + ": " + e.getMessage(), e);
    }
    String body =
        new String(FileFormat.read(file, NAMES_MAGIC, NAMES_VERSION), StandardCharsets.UTF_8);
    if (!body.isEmpty()) {
      names.addAll(List.of(body.split("\n", -1)));
    }
    return false;
  }

  private Path namesFile() {
    return dir.resolve("vectors").resolve("names");
  }

  private void writeNames() {
    Path file = namesFile();
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new StorageException.Io("cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    byte[] body = String.join("\n", vectorDirNames).getBytes(StandardCharsets.UTF_8);
    FileFormat.writeAtomically(file, NAMES_MAGIC, NAMES_VERSION, body);
  }
}
