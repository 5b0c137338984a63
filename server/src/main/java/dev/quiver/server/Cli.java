package dev.quiver.server;

import dev.quiver.server.config.BuildInfo;
import dev.quiver.server.migrate.MigrateCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command-line flags, as Qdrant's: {@code --uri} and {@code --bootstrap} (also from {@code
 * QDRANT_URI} / {@code QDRANT_BOOTSTRAP}), {@code --config-path}, {@code --version}, {@code
 * --help}. A picocli command: made, filled and run on the entry point's thread.
 */
@Command(
    name = "quiver",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    subcommands = {JwtCommand.class, SecurityCheckCommand.class, MigrateCommand.class},
    description = "Quiver: a Qdrant-compatible, security-first, clustered vector database.")
public final class Cli {

  @Option(
      names = "--uri",
      description =
          "P2P URI other peers use to reach this one, e.g. https://node1:6335. Required for the"
              + " first peer of a new cluster. Env: QDRANT_URI.")
  String uri;

  @Option(
      names = "--bootstrap",
      description =
          "P2P URI of an existing peer to join; absent means this peer starts a new cluster."
              + " Env: QDRANT_BOOTSTRAP.")
  String bootstrap;

  @Option(
      names = "--config-path",
      description = "Extra config file merged after config/*.yaml (must exist).")
  Path configPath;

  @Option(
      names = "--disable-telemetry",
      description = "Disable usage reporting (Quiver reports nothing either way).")
  boolean disableTelemetry;

  public String uri() {
    return blankToNull(uri);
  }

  public String bootstrap() {
    return blankToNull(bootstrap);
  }

  public Path configPath() {
    return configPath;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Parses {@code args}; returns null after printing help, version or a usage error. */
  static Parsed parse(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    Cli cli = new Cli();
    CommandLine cmd = new CommandLine(cli);
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      CommandLine.ParseResult result = cmd.parseArgs(args);
      if (CommandLine.printHelpIfRequested(result)) {
        return new Parsed(null, 0);
      }
      if (result.subcommand() != null) {
        Object sub = result.subcommand().commandSpec().userObject();
        int code =
            switch (sub) {
              case JwtCommand jwt -> jwt.run(env, out, err);
              case SecurityCheckCommand check -> check.run(env, Clock.systemUTC(), out, err);
              case MigrateCommand migrate -> migrate.run(env, out, err);
              default -> throw new IllegalStateException("unknown subcommand " + sub);
            };
        return new Parsed(null, code);
      }
      if (cli.uri() == null) {
        cli.uri = env.get("QDRANT_URI");
      }
      if (cli.bootstrap() == null) {
        cli.bootstrap = env.get("QDRANT_BOOTSTRAP");
      }
      return new Parsed(cli, 0);
    } catch (CommandLine.ParameterException e) {
      err.println(e.getMessage());
      cmd.usage(err);
      return new Parsed(null, 2);
    }
  }

  /** The parsed flags, or none with the exit code to use. */
  record Parsed(Cli cli, int exitCode) {}

  /** Prints Quiver's version and the Qdrant API version it speaks. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "quiver " + BuildInfo.VERSION + " (Qdrant API " + BuildInfo.QDRANT_API_VERSION + ")"
      };
    }
  }
}
