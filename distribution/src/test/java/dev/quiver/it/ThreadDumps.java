package dev.quiver.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Thread dumps of the nodes this test JVM started, taken when a request to one of them times out:
 * written under {@code target/thread-dumps}, and the request threads in Quiver's code and the Raft
 * apply threads printed to standard output so a CI log shows where a node hung. Diagnostics only;
 * failures to dump are reported, never thrown.
 */
final class ThreadDumps {
  private static final Path DIR = Path.of("target", "thread-dumps");
  private static final String JCMD =
      Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();

  private ThreadDumps() {}

  /** Dumps every Java process descended from this JVM; {@code why} is printed with each. */
  static void ofNodes(String why) {
    List<ProcessHandle> nodes = new ArrayList<>();
    ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
        .forEach(nodes::add);
    for (ProcessHandle node : nodes) {
      try {
        Files.createDirectories(DIR);
        Path file =
            DIR.resolve(node.pid() + "-" + Instant.now().toEpochMilli() + ".txt").toAbsolutePath();
        // Thread.dump_to_file lists virtual threads too (requests run on them); Thread.print does
        // not
        Process jcmd =
            new ProcessBuilder(
                    JCMD,
                    Long.toString(node.pid()),
                    "Thread.dump_to_file",
                    "-format=text",
                    file.toString())
                .redirectErrorStream(true)
                .start();
        jcmd.getInputStream().transferTo(OutputStream.nullOutputStream());
        if (!jcmd.waitFor(20, TimeUnit.SECONDS) || !Files.exists(file)) {
          jcmd.destroyForcibly();
          System.out.println("thread dump of pid " + node.pid() + " failed");
          continue;
        }
        String dump = Files.readString(file);
        System.out.println("thread dump of pid " + node.pid() + " (" + why + ") in " + file);
        for (String thread : dump.split("\n\n")) {
          boolean request = thread.contains("\"request-") && thread.contains("dev.quiver.");
          if (request || thread.contains("StateMachineUpdater")) {
            System.out.println(clip(thread, 60));
          }
        }
      } catch (IOException e) {
        System.out.println("thread dump of pid " + node.pid() + " failed: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String clip(String thread, int lines) {
    String[] all = thread.split("\n");
    if (all.length <= lines) {
      return thread;
    }
    return String.join("\n", List.of(all).subList(0, lines)) + "\n\t...";
  }
}
