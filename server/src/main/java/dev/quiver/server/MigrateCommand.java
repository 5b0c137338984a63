package dev.quiver.server;

import dev.quiver.security.tls.ClientTls;
import dev.quiver.security.tls.TlsMaterialException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver migrate}: copies collections from a running Qdrant or Quiver into a Quiver node
 * over Qdrant's REST API ({@link Migration}). Exit status 0 when every collection was copied and
 * verified, 1 when one was not, 2 when a call failed. A picocli command: made, filled and run on
 * the entry point's thread.
 */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description =
        "Copy collections (configuration, payload indexes, points with every vector and payload,"
            + " aliases) from a Qdrant or Quiver node into a Quiver node over the REST API."
            + " Resumable: rerun with the same --state to continue.")
public final class MigrateCommand {
  @Option(
      names = "--from",
      required = true,
      description = "Source REST URL, e.g. http://qdrant:6333")
  URI from;

  @Option(
      names = "--to",
      required = true,
      description = "Target REST URL, e.g. https://quiver:6333")
  URI to;

  @Option(
      names = "--from-api-key",
      description = "API key (or JWT) for the source. Env: QUIVER_FROM_API_KEY.")
  String fromApiKey;

  @Option(
      names = "--to-api-key",
      description = "API key (or JWT) for the target. Env: QUIVER_TO_API_KEY.")
  String toApiKey;

  @Option(
      names = "--collection",
      description = "A collection to copy (repeatable); all the source has when absent.")
  List<String> collections = new ArrayList<>();

  @Option(names = "--batch", description = "Points a page: 1 to 10000 (default 256).")
  int batch = 256;

  @Option(
      names = "--state",
      description = "Where progress is kept between runs (default quiver-migrate-state.json).")
  Path state = Path.of("quiver-migrate-state.json");

  @Option(
      names = "--ca-cert",
      description = "PEM file of the CA certificates to trust for https URLs (else the JDK's).")
  Path caCert;

  @Option(
      names = "--client-cert",
      description =
          "PEM certificate (chain) to present to servers that require client certificates.")
  Path clientCert;

  @Option(names = "--client-key", description = "The private key of --client-cert (PEM).")
  Path clientKey;

  @Option(names = "--timeout", description = "Seconds a call may take (default 60).")
  int timeoutSeconds = 60;

  /** Migrates and prints the outcome of each collection; returns the exit code. */
  int run(Map<String, String> env, PrintWriter out, PrintWriter err) {
    if (batch < 1 || batch > 10_000 || timeoutSeconds < 1) {
      err.println("quiver migrate: --batch must be 1 to 10000 and --timeout at least 1");
      return 2;
    }
    try {
      HttpClient.Builder http =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds));
      if (caCert != null || clientCert != null || clientKey != null) {
        http.sslContext(
            ClientTls.context(
                caCert, clientCert, clientKey, "--ca-cert", "--client-cert", "--client-key"));
      }
      Migration m =
          new Migration(
              new Migration.Settings(
                  from,
                  fromApiKey != null ? fromApiKey : env.get("QUIVER_FROM_API_KEY"),
                  to,
                  toApiKey != null ? toApiKey : env.get("QUIVER_TO_API_KEY"),
                  collections,
                  batch,
                  state,
                  Duration.ofSeconds(timeoutSeconds)),
              http.build(),
              err);
      boolean all = true;
      for (Migration.Outcome o : m.run()) {
        all &= o.verified();
        out.printf(
            Locale.ROOT,
            "%-4s  %s: %,d points%s%n",
            o.verified() ? "ok" : "FAIL",
            o.collection(),
            o.points(),
            o.problem() == null ? ", counts and sampled points match" : " — " + o.problem());
      }
      out.flush();
      return all ? 0 : 1;
    } catch (IOException | TlsMaterialException e) {
      err.println(
          "quiver migrate: "
              + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("quiver migrate: interrupted; rerun to continue");
      return 2;
    }
  }
}
