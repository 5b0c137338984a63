package dev.quiver.server;

import dev.quiver.security.Access;
import dev.quiver.security.Tokens;
import dev.quiver.security.ValueExists;
import dev.quiver.server.config.ConfigException;
import dev.quiver.server.config.ConfigLoader;
import dev.quiver.server.config.QuiverConfig;
import dev.quiver.server.config.ServiceSection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver jwt}: mints a JWT for this node from its configured {@code service.api_key} (the
 * same configuration layers as the server, so {@code --config-path} and {@code QDRANT__*} apply). A
 * picocli command: made, filled and run on the entry point's thread.
 */
@Command(
    name = "jwt",
    mixinStandardHelpOptions = true,
    description = "Print a JWT signed with the configured service.api_key (or alt_api_key).")
public final class JwtCommand {

  @Option(names = "--access", description = "Global access: r (read) or m (manage).")
  String access;

  @Option(
      names = "--collection",
      description = "Per-collection access NAME:r|rw|prw (repeatable); replaces --access.")
  List<String> collections = new ArrayList<>();

  @Option(names = "--exp", description = "Lifetime, e.g. 30s, 15m, 1h, 7d (default: no expiry).")
  String exp;

  @Option(names = "--subject", description = "Subject recorded in audit entries.")
  String subject;

  @Option(
      names = "--value-exists",
      description =
          "Valid only while COLLECTION holds a point with KEY=VALUE: COLLECTION:KEY=VALUE"
              + " (repeatable for more matches on the same collection).")
  List<String> valueExists = new ArrayList<>();

  @Option(names = "--use-alt-key", description = "Sign with service.alt_api_key.")
  boolean useAltKey;

  @Option(names = "--config-path", description = "Extra config file, as for the server.")
  Path configPath;

  /** Mints and prints the token; returns the exit code. */
  int run(Map<String, String> env, PrintWriter out, PrintWriter err) {
    QuiverConfig config;
    try {
      config = new ConfigLoader().load(Path.of("").toAbsolutePath(), configPath, env).config();
    } catch (ConfigException e) {
      err.println("quiver jwt: " + e.getMessage());
      return 1;
    }
    ServiceSection s = config.service();
    String secret = useAltKey ? s.altApiKey() : s.apiKey();
    if (!ServiceSection.isSet(secret)) {
      err.println(
          "quiver jwt: service."
              + (useAltKey ? "alt_api_key" : "api_key")
              + " is not set; it is the signing key");
      return 1;
    }
    if (!s.jwtRbac()) {
      err.println(
          "quiver jwt: warning: service.jwt_rbac is off, the node will not accept this token");
    }
    try {
      Map<String, Access.Mode> modes = new LinkedHashMap<>();
      for (String c : collections) {
        int i = c.lastIndexOf(':');
        if (i <= 0) {
          throw new IllegalArgumentException("--collection wants NAME:r|rw|prw, got " + c);
        }
        modes.put(
            c.substring(0, i), Access.Mode.valueOf(c.substring(i + 1).toUpperCase(Locale.ROOT)));
      }
      if (access != null && !access.equals("r") && !access.equals("m")) {
        throw new IllegalArgumentException("--access wants r or m, got " + access);
      }
      Instant expiresAt = exp == null ? null : Instant.now().plus(duration(exp));
      out.println(Tokens.mint(secret, access, modes, expiresAt, subject, valueExists()));
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("quiver jwt: " + e.getMessage());
      return 2;
    }
  }

  private ValueExists valueExists() {
    if (valueExists.isEmpty()) {
      return null;
    }
    String collection = null;
    List<ValueExists.Match> matches = new ArrayList<>();
    for (String v : valueExists) {
      int colon = v.indexOf(':');
      int eq = v.indexOf('=', colon + 1);
      if (colon <= 0 || eq < 0) {
        throw new IllegalArgumentException("--value-exists wants COLLECTION:KEY=VALUE, got " + v);
      }
      String c = v.substring(0, colon);
      if (collection != null && !collection.equals(c)) {
        throw new IllegalArgumentException("--value-exists matches must name one collection");
      }
      collection = c;
      matches.add(new ValueExists.Match(v.substring(colon + 1, eq), scalar(v.substring(eq + 1))));
    }
    return new ValueExists(collection, matches);
  }

  private static Object scalar(String s) {
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return s;
    }
  }

  static Duration duration(String s) {
    if (s.length() < 2) {
      throw new IllegalArgumentException("bad duration " + s);
    }
    long n;
    try {
      n = Long.parseLong(s.substring(0, s.length() - 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad duration " + s + " (use e.g. 30s, 15m, 1h, 7d)");
    }
    return switch (s.charAt(s.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      case 'd' -> Duration.ofDays(n);
      default ->
          throw new IllegalArgumentException("bad duration " + s + " (use e.g. 30s, 15m, 1h, 7d)");
    };
  }
}
