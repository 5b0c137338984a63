package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The house rule "imports instead of inline fully-qualified names", checked over the main code of
 * every module: a qualified type name in code (not in comments, strings, imports) is allowed only
 * where its simple name is taken in that file by another type (imported, declared, a class of the
 * same package, or qualified from another package too), so the qualification is needed.
 */
class InlineNamesTest {
  private static final Pattern QUALIFIED =
      Pattern.compile(
          "(?<![\\w.@])((?:java|javax|dev|io|org|com)(?:\\.[a-z][a-z0-9_]*)+)\\.([A-Z]\\w*)");
  private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"");
  private static final Pattern IMPORT =
      Pattern.compile("^import (?!static)([\\w.]+)\\.(\\w+);", Pattern.MULTILINE);
  private static final Pattern DECLARED =
      Pattern.compile("\\b(?:class|interface|record|enum)\\s+([A-Z]\\w*)");

  @Test
  void mainCodeImportsWhatItCanImport() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<Path> sources = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path m : modules.toList()) {
        Path main = m.resolve("src/main/java");
        if (Files.isDirectory(main)) {
          try (Stream<Path> files = Files.walk(main)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
          }
        }
      }
    }
    assertThat(sources).hasSizeGreaterThan(100);
    List<String> needless = new ArrayList<>();
    for (Path f : sources) {
      needless.addAll(needless(f));
    }
    assertThat(needless).as("qualified names that an import would serve").isEmpty();
  }

  private static List<String> needless(Path file) throws IOException {
    String src = Files.readString(file);
    Map<String, String> imported = new HashMap<>();
    Matcher im = IMPORT.matcher(src);
    while (im.find()) {
      imported.put(im.group(2), im.group(1) + "." + im.group(2));
    }
    Set<String> taken = new HashSet<>();
    Matcher d = DECLARED.matcher(src);
    while (d.find()) {
      taken.add(d.group(1));
    }
    try (Stream<Path> siblings = Files.list(file.getParent())) {
      siblings.forEach(s -> taken.add(s.getFileName().toString().replace(".java", "")));
    }
    Map<String, Set<String>> qualified = new HashMap<>();
    List<String[]> uses = new ArrayList<>();
    boolean comment = false;
    int n = 0;
    for (String line : src.split("\n")) {
      n++;
      String t = line.strip();
      if (comment) {
        comment = !t.contains("*/");
        continue;
      }
      if (t.startsWith("/*")) {
        comment = !t.contains("*/");
        continue;
      }
      if (t.startsWith("import ") || t.startsWith("package ") || t.startsWith("*")) {
        continue;
      }
      String code = STRING.matcher(line).replaceAll("\"\"");
      int slashes = code.indexOf("//");
      if (slashes >= 0) {
        code = code.substring(0, slashes);
      }
      Matcher q = QUALIFIED.matcher(code);
      while (q.find()) {
        String simple = q.group(2);
        qualified.computeIfAbsent(simple, k -> new HashSet<>()).add(q.group(1));
        uses.add(new String[] {simple, file.getFileName() + ":" + n + " " + q.group()});
      }
    }
    List<String> out = new ArrayList<>();
    for (String[] use : uses) {
      String simple = use[0];
      boolean clash =
          qualified.get(simple).size() > 1
              || (imported.containsKey(simple)
                  && !qualified
                      .get(simple)
                      .contains(
                          imported.get(simple).substring(0, imported.get(simple).lastIndexOf('.'))))
              || taken.contains(simple);
      if (!clash) {
        out.add(use[1]);
      }
    }
    return out;
  }
}
