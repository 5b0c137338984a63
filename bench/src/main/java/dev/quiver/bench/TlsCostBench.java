package dev.quiver.bench;

import dev.quiver.server.Node;
import dev.quiver.server.config.ConfigLoader;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.grpc.Points.QueryPoints;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What TLS costs in throughput: the same query load (8 concurrent keep-alive clients) against one
 * in-process node in plain text, with TLS on the JDK engine and with TLS on BoringSSL, on REST
 * (HTTP/1.1 JSON) and gRPC (the official Java client). Prints a markdown table with each case's
 * throughput as a ratio to plain text measured in the same run.
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl bench exec:exec@tls-cost}
 * (arguments: seconds per case, default 10; clients, default 8).
 */
public final class TlsCostBench {
  private static final int DIM = 384;
  private static final int POINTS = 2000;

  private TlsCostBench() {}

  /** One node under test and the clients that talk to it. */
  private record Target(String mode, Node node, HttpClient http, String base, QdrantClient grpc) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path dir = Scratch.dir("quiver-tls-bench");
    Path tls = Files.createDirectories(dir.resolve("tls"));
    makeCertificates(tls);
    String query = queryJson(new Random(42));
    QueryPoints grpcQuery = grpcQuery(new Random(42));
    List<Target> targets = new ArrayList<>();
    for (String mode : List.of("plain", "tls-jdk", "tls-boringssl")) {
      targets.add(start(dir, tls, mode));
    }
    System.clearProperty("dev.quiver.tls.provider");
    try {
      // All three nodes live in this JVM and are measured in turns, in a rotating order, so that
      // JIT warm-up and machine noise fall on every mode alike; each figure is the median.
      Map<String, List<Double>> results = new HashMap<>();
      for (int round = -1; round < rounds; round++) {
        for (int k = 0; k < targets.size(); k++) {
          Target t = targets.get(Math.floorMod(k + round, targets.size()));
          double rest =
              run(
                  round < 0 ? 2 : seconds,
                  clients,
                  () -> post(t.http(), t.base() + "/collections/bench/points/query", query));
          double grpc =
              run(round < 0 ? 2 : seconds, clients, () -> t.grpc().queryAsync(grpcQuery).get());
          if (round >= 0) {
            results.computeIfAbsent("REST " + t.mode(), x -> new ArrayList<>()).add(rest);
            results.computeIfAbsent("gRPC " + t.mode(), x -> new ArrayList<>()).add(grpc);
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%n%d clients, %d rounds of %d s per case, %d points x %d dims, query limit 10, median of rounds%n%n",
          clients,
          rounds,
          seconds,
          POINTS,
          DIM);
      System.out.println("| API | transport | queries/s | vs plain |");
      System.out.println("|---|---|---|---|");
      for (String api : List.of("REST", "gRPC")) {
        double plain = median(results.get(api + " plain"));
        for (String mode : List.of("plain", "tls-jdk", "tls-boringssl")) {
          System.out.println(row(api, mode, median(results.get(api + " " + mode)), plain));
        }
      }
    } finally {
      for (Target t : targets) {
        t.grpc().close();
        t.node().close();
      }
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }

  private static Target start(Path dir, Path tls, String mode) throws Exception {
    if (mode.equals("tls-jdk")) {
      System.setProperty("dev.quiver.tls.provider", "jdk");
    } else {
      System.clearProperty("dev.quiver.tls.provider");
    }
    int http = freePort();
    int grpc = freePort();
    Map<String, String> env = new HashMap<>();
    env.put("QDRANT__SERVICE__HOST", "127.0.0.1");
    env.put("QDRANT__SERVICE__HTTP_PORT", String.valueOf(http));
    env.put("QDRANT__SERVICE__GRPC_PORT", String.valueOf(grpc));
    env.put("QDRANT__STORAGE__STORAGE_PATH", dir.resolve("storage-" + mode).toString());
    boolean tlsOn = !mode.equals("plain");
    if (tlsOn) {
      env.put("QDRANT__SERVICE__ENABLE_TLS", "true");
      env.put("QDRANT__TLS__CERT", tls.resolve("cert.pem").toString());
      env.put("QDRANT__TLS__KEY", tls.resolve("key.pem").toString());
      env.put("QDRANT__TLS__CA_CERT", tls.resolve("cacert.pem").toString());
    }
    Node node = Node.start(new ConfigLoader().load(dir, null, env).config());
    HttpClient client = httpClient(tlsOn ? sslContext(tls.resolve("cacert.pem")) : null);
    String base = (tlsOn ? "https" : "http") + "://127.0.0.1:" + http;
    load(client, base);
    ManagedChannel channel = channel(grpc, tlsOn ? tls.resolve("cacert.pem") : null);
    return new Target(
        mode,
        node,
        client,
        base,
        new QdrantClient(QdrantGrpcClient.newBuilder(channel, true, false).build()));
  }

  private static String row(String api, String mode, double qps, double plain) {
    return String.format(Locale.ROOT, "| %s | %s | %.0f | %.2f |", api, mode, qps, qps / plain);
  }

  /** Runs {@code call} from {@code clients} threads: 2 s warm-up, then {@code seconds} measured. */
  private static double run(int seconds, int clients, Call call) throws Exception {
    ExecutorService pool =
        Executors.newFixedThreadPool(clients, Thread.ofPlatform().name("tls-client-", 0).factory());
    try {
      for (int phase = 0; phase < 2; phase++) {
        long duration = phase == 0 ? 2 : seconds;
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<Long>> counts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          counts.add(
              pool.submit(
                  () -> {
                    long n = 0;
                    while (!stop.get()) {
                      call.run();
                      n++;
                    }
                    return n;
                  }));
        }
        long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(duration));
        stop.set(true);
        long total = 0;
        for (Future<Long> f : counts) {
          total += f.get();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (phase == 1) {
          return total / secs;
        }
      }
      throw new IllegalStateException();
    } finally {
      pool.shutdownNow();
    }
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void load(HttpClient client, String base) throws Exception {
    post(
        client,
        base + "/collections/bench",
        "{\"vectors\":{\"size\":" + DIM + ",\"distance\":\"Cosine\"}}",
        "PUT");
    Random r = new Random(7);
    for (int start = 0; start < POINTS; start += 250) {
      StringBuilder sb = new StringBuilder("{\"points\":[");
      for (int i = start; i < start + 250; i++) {
        sb.append(i > start ? "," : "")
            .append("{\"id\":")
            .append(i)
            .append(",\"vector\":")
            .append(vector(r))
            .append('}');
      }
      post(client, base + "/collections/bench/points?wait=true", sb.append("]}").toString(), "PUT");
    }
  }

  private static String vector(Random r) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < DIM; i++) {
      sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.4f", r.nextGaussian()));
    }
    return sb.append(']').toString();
  }

  private static String queryJson(Random r) {
    return "{\"query\":" + vector(r) + ",\"limit\":10}";
  }

  private static QueryPoints grpcQuery(Random r) {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return QueryPoints.newBuilder()
        .setCollectionName("bench")
        .setQuery(QueryFactory.nearest(v))
        .setLimit(10)
        .build();
  }

  private static void post(HttpClient client, String url, String body) throws Exception {
    post(client, url, body, "POST");
  }

  private static void post(HttpClient client, String url, String body, String method)
      throws Exception {
    var r =
        client.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("content-type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          url + " -> " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
    }
  }

  static HttpClient httpClient(SSLContext ssl) {
    var b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
    if (ssl != null) {
      b.sslContext(ssl);
    }
    return b.build();
  }

  static ManagedChannel channel(int port, Path ca) throws Exception {
    return channel(port, ca, false, null);
  }

  /**
   * With {@code direct}, responses are handled on the channel's event loop, not an executor; {@code
   * headers}, when not null, are sent with every call.
   */
  static ManagedChannel channel(int port, Path ca, boolean direct, Metadata headers)
      throws Exception {
    var b = NettyChannelBuilder.forAddress("127.0.0.1", port);
    if (direct) {
      b.directExecutor();
    }
    if (headers != null) {
      b.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    if (ca != null) {
      b.sslContext(GrpcSslContexts.forClient().trustManager(ca.toFile()).build());
    } else {
      b.usePlaintext();
    }
    return b.build();
  }

  static SSLContext sslContext(Path ca) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static void makeCertificates(Path tls) throws Exception {
    exec(
        tls,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "cacert.pem",
        "-days",
        "2",
        "-subj",
        "/CN=bench-ca");
    exec(tls, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem");
    exec(
        tls,
        "openssl",
        "req",
        "-new",
        "-key",
        "key.pem",
        "-out",
        "node.csr",
        "-subj",
        "/CN=localhost");
    Files.writeString(tls.resolve("node.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    exec(
        tls,
        "openssl",
        "x509",
        "-req",
        "-in",
        "node.csr",
        "-CA",
        "cacert.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "node.ext");
  }

  private static void exec(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
