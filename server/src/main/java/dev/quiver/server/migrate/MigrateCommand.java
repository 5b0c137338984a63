package dev.quiver.server.migrate;

import dev.quiver.security.tls.ClientTls;
import dev.quiver.security.tls.TlsMaterialException;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
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
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver migrate}: copies collections from a running Qdrant or Quiver into a Quiver node
 * ({@link Migration}), reading the source over REST ({@code http}, {@code https}) or gRPC ({@code
 * grpc}, {@code grpcs}) and writing the target over REST. Exit status 0 when every collection was
 * copied and verified, 1 when one was not, 2 when a call failed. A picocli command: made, filled
 * and run on the entry point's thread.
 */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description =
        "Copy collections (configuration, payload indexes, points with every vector and payload,"
            + " aliases) from a Qdrant or Quiver node (REST or gRPC) into a Quiver node (REST)."
            + " Resumable: rerun with the same --state to continue.")
public final class MigrateCommand {
  @Option(
      names = "--from",
      required = true,
      description =
          "Source URL: REST (http://qdrant:6333, https://...) or gRPC (grpc://qdrant:6334,"
              + " grpcs://... for TLS)")
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
      description =
          "PEM file of the CA certificates to trust for https and grpcs URLs (else the JDK's).")
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
  public int run(Map<String, String> env, PrintWriter out, PrintWriter err) {
    if (batch < 1 || batch > 10_000 || timeoutSeconds < 1) {
      err.println("quiver migrate: --batch must be 1 to 10000 and --timeout at least 1");
      return 2;
    }
    String problem = problem(from, "--from", SOURCE_SCHEMES);
    if (problem == null) {
      problem = problem(to, "--to", TARGET_SCHEMES);
    }
    if (problem == null
        && (caCert != null || clientCert != null || clientKey != null)
        && !secure(from)
        && !secure(to)) {
      problem =
          "--ca-cert, --client-cert and --client-key apply to https and grpcs URLs; neither"
              + " --from nor --to uses TLS";
    }
    if (problem != null) {
      err.println("quiver migrate: " + problem);
      return 2;
    }
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    String fromKey = fromApiKey != null ? fromApiKey : env.get("QUIVER_FROM_API_KEY");
    String toKey = toApiKey != null ? toApiKey : env.get("QUIVER_TO_API_KEY");
    try (Source source = source(fromKey, timeout)) {
      Migration m =
          new Migration(
              new Migration.Settings(collections, batch, state),
              source,
              new RestEndpoint(to, toKey, http(timeout), timeout),
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

  private static final Set<String> SOURCE_SCHEMES = Set.of("http", "https", "grpc", "grpcs");
  private static final Set<String> TARGET_SCHEMES = Set.of("http", "https");

  /** Why a URL cannot be used, or null: a known scheme and a host. */
  private static String problem(URI url, String option, Set<String> schemes) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme) || url.getHost() == null) {
      return option
          + " "
          + url
          + ": expected "
          + String.join(", ", new TreeSet<>(schemes))
          + " with a host, e.g. "
          + (option.equals("--from") ? "grpc://qdrant:6334" : "http://quiver:6333");
    }
    return null;
  }

  private static boolean secure(URI url) {
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    return scheme.equals("https") || scheme.equals("grpcs");
  }

  /** An HTTP client with the TLS options, when any is given. */
  private HttpClient http(Duration timeout) {
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(timeout);
    if (caCert != null || clientCert != null || clientKey != null) {
      http.sslContext(
          ClientTls.context(
              caCert, clientCert, clientKey, "--ca-cert", "--client-cert", "--client-key"));
    }
    return http.build();
  }

  /** The source: REST for http(s), gRPC for grpc(s) (6334 when the URL names no port). */
  private Source source(String key, Duration timeout) {
    String scheme = from.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.startsWith("http")) {
      return new RestSource(new RestEndpoint(from, key, http(timeout), timeout));
    }
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    if (scheme.equals("grpcs")) {
      ClientTls.Managers tls =
          ClientTls.managers(
              caCert, clientCert, clientKey, "--ca-cert", "--client-cert", "--client-key");
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
      if (!tls.keys().isEmpty()) {
        b.keyManager(tls.keys().toArray(new KeyManager[0]));
      }
      if (!tls.trust().isEmpty()) {
        b.trustManager(tls.trust().toArray(new TrustManager[0]));
      }
      credentials = b.build();
    }
    return new GrpcSource(
        from.getHost(), from.getPort() < 0 ? 6334 : from.getPort(), credentials, key, timeout);
  }
}
