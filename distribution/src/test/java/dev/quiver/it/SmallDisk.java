package dev.quiver.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small file system (a tmpfs of a given size) mounted over one directory in a mount namespace of
 * its own, so a node started through {@link #enter} meets a real full disk ({@code ENOSPC}) while
 * nothing else on the machine is touched. A holder process keeps the namespace (and the files)
 * alive across node restarts until {@link #close()}. Needs {@code unshare} and {@code nsenter}
 * (util-linux) and either root or unprivileged user namespaces. Not thread-safe.
 */
final class SmallDisk implements AutoCloseable {
  private static final String FILLER = ".filler";
  private final Path dir;
  private final Process holder;

  private SmallDisk(Path dir, Process holder) {
    this.dir = dir;
    this.holder = holder;
  }

  /** Mounts a tmpfs of {@code bytes} over {@code dir} (created if missing) in a new namespace. */
  static SmallDisk mount(Path dir, long bytes) throws Exception {
    Files.createDirectories(dir);
    Process holder =
        new ProcessBuilder(
                "unshare",
                "--user",
                "--map-root-user",
                "--mount",
                "sh",
                "-c",
                "mount -t tmpfs -o size="
                    + bytes
                    + " tmpfs \"$0\" && echo mounted && exec sleep 3600",
                dir.toString())
            .redirectErrorStream(true)
            .start();
    String first =
        new String(holder.getInputStream().readNBytes(8), StandardCharsets.US_ASCII).strip();
    if (!first.equals("mounted")) {
      holder.destroyForcibly();
      throw new IllegalStateException("could not mount a tmpfs in a new namespace: " + first);
    }
    return new SmallDisk(dir, holder);
  }

  /** nsenter into the holder's namespaces (same pid as the program it runs, no fork). */
  private List<String> nsenter() {
    return List.of(
        "nsenter",
        "-t",
        Long.toString(holder.pid()),
        "--user",
        "--mount",
        "--preserve-credentials",
        "--");
  }

  /**
   * The command prefix that runs a program inside the namespace in working directory {@code cwd}
   * (the program and its arguments follow); the program keeps the prefix's pid. The directory is
   * entered by path once inside: a directory opened outside would resolve relative paths against
   * the mounts outside.
   */
  List<String> enter(Path cwd) {
    List<String> command = new ArrayList<>(nsenter());
    command.addAll(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.toString()));
    return command;
  }

  /**
   * Runs {@code script} (sh) inside the namespace; returns its output; fails on a non-zero exit.
   */
  String run(String script) throws Exception {
    List<String> command = new ArrayList<>(nsenter());
    command.addAll(List.of("sh", "-c", script, dir.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("`" + script + "` failed in the namespace: " + out);
    }
    return out;
  }

  /** Bytes free on the small file system. */
  long free() throws Exception {
    String out = run("df -B1 --output=avail \"$0\" | tail -1");
    return Long.parseLong(out.strip());
  }

  /** Fills the file system with a filler file until only about {@code leave} bytes are free. */
  void fillLeaving(long leave) throws Exception {
    long fill = free() - leave;
    if (fill > 0) {
      run("fallocate -l " + fill + " \"$0/" + FILLER + "\"");
    }
  }

  /** Removes the filler: the space it took is free again. */
  void unfill() throws Exception {
    run("rm -f \"$0/" + FILLER + "\"");
  }

  @Override
  public void close() throws IOException {
    holder.destroyForcibly();
    try {
      holder.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
