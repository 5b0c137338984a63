package dev.quiver.server;

import dev.quiver.server.config.ConfigException;
import dev.quiver.server.config.ConfigLoader;
import dev.quiver.server.config.QuiverConfig;
import dev.quiver.server.config.SecurityChecklist;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver security-check}: the security guide's checklist evaluated against this node's
 * configuration (the same layers as the server, so {@code --config-path} and {@code QDRANT__*}
 * apply) and the files it names. Exit status 0 when nothing fails (warnings allowed), 1 when an
 * item fails, 2 when the configuration cannot be read. A picocli command: made, filled and run on
 * the entry point's thread.
 */
@Command(
    name = "security-check",
    mixinStandardHelpOptions = true,
    description =
        "Check this node's configuration against the security checklist: API keys, JWT, TLS on"
            + " every port, client and peer certificates, key files, bound address, audit log,"
            + " snapshot URL recovery.")
public final class SecurityCheckCommand {

  @Option(names = "--config-path", description = "Extra config file, as for the server.")
  Path configPath;

  @Option(names = "--json", description = "Print the items as a JSON array.")
  boolean json;

  /** Evaluates and prints the checklist; returns the exit code. */
  int run(Map<String, String> env, Clock clock, PrintWriter out, PrintWriter err) {
    Path base = Path.of("").toAbsolutePath();
    QuiverConfig config;
    try {
      config = new ConfigLoader().load(base, configPath, env).config();
    } catch (ConfigException e) {
      err.println("quiver security-check: " + e.getMessage());
      return 2;
    }
    List<SecurityChecklist.Item> items = SecurityChecklist.evaluate(config, base, clock.instant());
    if (json) {
      out.println(SecurityChecklist.json(items).toPrettyString());
    } else {
      for (SecurityChecklist.Item i : items) {
        out.printf(Locale.ROOT, "%-4s  %-21s %s%n", i.verdict(), i.name(), i.reason());
        if (i.fix() != null) {
          out.printf(Locale.ROOT, "      %-21s fix: %s%n", "", i.fix());
        }
      }
    }
    out.flush();
    return SecurityChecklist.passed(items) ? 0 : 1;
  }
}
