package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/configuration.md} is generated from the shipped {@code config.yaml}: every key (also
 * the commented-out optional ones), its default and the comment above it. This test regenerates the
 * text and fails when the file differs; {@code -DupdateDocs=true} rewrites it.
 */
class ConfigReferenceTest {
  static final Path CONFIG =
      Path.of(
          "..",
          "server",
          "src",
          "main",
          "resources",
          "dev",
          "quiver",
          "server",
          "config",
          "config.yaml");
  static final Path DOC = Path.of("..", "docs", "configuration.md");
  static final Pattern KEY = Pattern.compile("^( *)([a-z_0-9]+):(?: (.*))?$");

  record Entry(String path, String value, boolean optional, String description) {}

  static List<Entry> entries(List<String> lines) {
    List<Entry> out = new ArrayList<>();
    Deque<String[]> stack = new ArrayDeque<>(); // {indent, name}
    List<String> comment = new ArrayList<>();
    for (String raw : lines) {
      boolean optional = false;
      String line = raw;
      String trimmed = raw.strip();
      if (trimmed.startsWith("#")) {
        String inner = trimmed.substring(1);
        inner = inner.startsWith(" ") ? inner.substring(1) : inner;
        int indent = raw.indexOf('#');
        Matcher m = KEY.matcher(inner.stripLeading());
        if (m.matches() && !inner.stripLeading().startsWith("#")) {
          int extra = inner.length() - inner.stripLeading().length();
          line = " ".repeat(indent + extra) + inner.stripLeading();
          optional = true;
        } else {
          String text = inner.strip();
          if (text.startsWith("#")) {
            text = text.substring(1).strip();
          }
          if (!text.isEmpty()) {
            comment.add(text);
          }
          continue;
        }
      } else if (trimmed.isEmpty()) {
        comment.clear();
        continue;
      }
      Matcher m = KEY.matcher(line);
      if (!m.matches()) {
        continue;
      }
      int indent = m.group(1).length();
      while (!stack.isEmpty() && Integer.parseInt(stack.peek()[0]) >= indent) {
        stack.pop();
      }
      List<String> names = new ArrayList<>();
      stack.descendingIterator().forEachRemaining(s -> names.add(s[1]));
      names.add(m.group(2));
      String path = String.join(".", names);
      String value = m.group(3);
      if (value == null || value.isBlank()) {
        stack.push(new String[] {String.valueOf(indent), m.group(2)});
        if (!comment.isEmpty()) {
          out.add(new Entry(path, null, optional, String.join(" ", comment)));
        }
      } else {
        out.add(new Entry(path, value.strip(), optional, String.join(" ", comment)));
      }
      comment.clear();
    }
    return out;
  }

  static String render(List<Entry> entries) {
    StringBuilder b = new StringBuilder();
    b.append("# Configuration reference\n\n")
        .append(
            "<!-- Generated from server/src/main/resources/dev/quiver/server/config/config.yaml by\n")
        .append(
            "     ConfigReferenceTest (-DupdateDocs=true); edit the YAML comments, not this file. -->\n\n")
        .append(
            "Quiver reads Qdrant's configuration keys. Later layers win key by key: the built-in\n")
        .append(
            "defaults below, `config/config.yaml`, `config/$RUN_MODE.yaml`, `config/local.yaml`,\n")
        .append(
            "the file given with `--config-path`, then environment variables: `a.b_c` is set with\n")
        .append(
            "`QDRANT__A__B_C`. Keys marked *optional* are unset unless configured (the value shown is\n")
        .append("an example).\n");
    String section = null;
    for (Entry e : entries) {
      if (e.value() == null && !e.path().contains(".")) {
        continue; // a top-level section is its own heading
      }
      String top =
          e.path().contains(".") ? e.path().substring(0, e.path().indexOf('.')) : "(top level)";
      if (!top.equals(section)) {
        section = top;
        b.append("\n## ")
            .append(top)
            .append("\n\n| key | default | environment | meaning |\n|---|---|---|---|\n");
      }
      String env = "QDRANT__" + e.path().toUpperCase().replace(".", "__");
      b.append("| `")
          .append(e.path())
          .append("` | ")
          .append(
              e.value() == null
                  ? "(section)"
                  : (e.optional() ? "*optional*, e.g. " : "")
                      + "`"
                      + e.value().replace("|", "\\|")
                      + "`")
          .append(" | `")
          .append(env)
          .append("` | ")
          .append(e.description().replace("|", "\\|"))
          .append(" |\n");
    }
    return b.toString();
  }

  @Test
  void theReferenceMatchesTheShippedConfiguration() throws Exception {
    List<Entry> entries = entries(Files.readAllLines(CONFIG));
    assertThat(entries)
        .extracting(Entry::path)
        .contains("service.api_key", "cluster.p2p.enable_tls", "tls.cert_ttl");
    String expected = render(entries);
    if (Boolean.getBoolean("updateDocs")) {
      Files.writeString(DOC, expected);
    }
    assertThat(Files.exists(DOC) ? Files.readString(DOC) : "")
        .as(
            "docs/configuration.md is out of date: run ./mvnw -pl distribution test -Dtest=ConfigReferenceTest -DupdateDocs=true")
        .isEqualTo(expected);
    for (Entry e : entries) {
      if (e.value() != null) {
        assertThat(e.description()).as("%s has no comment in config.yaml", e.path()).isNotBlank();
      }
    }
  }
}
