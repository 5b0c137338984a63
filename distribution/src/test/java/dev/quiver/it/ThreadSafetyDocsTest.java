package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The house rule "thread-safety stated on every public type", checked over the main code of every
 * module: the documentation comment of each public top-level class and interface says how it may be
 * shared (thread-safe, immutable, stateless, confined to one thread, one writer with concurrent
 * readers, ...). Records and enums are values and need no sentence.
 */
class ThreadSafetyDocsTest {
  private static final Pattern DECLARATION =
      Pattern.compile(
          "^public (?:final |abstract |sealed |non-sealed )*(class|interface) \\w+",
          Pattern.MULTILINE);
  private static final Pattern STATED =
      Pattern.compile(
          "thread[- ]safe|immutable|stateless|confined|single[- ]writer|one writer|one thread"
              + "|entry point's thread|readers run concurrently|lock-free",
          Pattern.CASE_INSENSITIVE);

  @Test
  void everyPublicTypeSaysHowItMayBeShared() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<Path> sources = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path m : modules.toList()) {
        Path main = m.resolve("src/main/java");
        if (Files.isDirectory(main) && !m.getFileName().toString().equals("bench")) {
          try (Stream<Path> files = Files.walk(main)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
          }
        }
      }
    }
    assertThat(sources).hasSizeGreaterThan(100);
    List<String> silent = new ArrayList<>();
    for (Path f : sources) {
      String src = Files.readString(f, StandardCharsets.UTF_8);
      Matcher d = DECLARATION.matcher(src);
      if (!d.find()) {
        continue; // a record, an enum or an annotation
      }
      int end = src.lastIndexOf("*/", d.start());
      int start = end < 0 ? -1 : src.lastIndexOf("/**", end);
      String doc = start < 0 ? "" : src.substring(start, end);
      if (!STATED.matcher(doc).find()) {
        silent.add(root.relativize(f).toString());
      }
    }
    assertThat(silent).as("public types whose documentation says nothing of sharing").isEmpty();
  }
}
