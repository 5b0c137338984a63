package dev.quiver.bench;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The packaged server of one load mode (plain, TLS + API key, JWT) started in its own process on
 * free loopback ports. Not thread-safe: started and stopped by one benchmark thread.
 */
record LoadServer(Process process, int http, int grpc, String mode, Path tls) {
  static LoadServer start(Path dir, Path tls, String mode) throws Exception {
    return start(dir, tls, mode, System.getProperty("java.class.path"));
  }

  /** A server of this mode running the code on {@code classpath} (another build, for A/B). */
  static LoadServer start(Path dir, Path tls, String mode, String classpath) throws Exception {
    Files.createDirectories(dir);
    int http = TlsCostBench.freePort();
    int grpc = TlsCostBench.freePort();
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx1g"));
    // -Dbench.load.jfr=true records each server process (server.jfr in its directory)
    if (Boolean.getBoolean("bench.load.jfr")) {
      command.add(
          "-XX:StartFlightRecording=filename=" + dir.resolve("server.jfr") + ",settings=profile");
    }
    // -Dbench.load.serverJvm="-Dx=y -XX:..." adds options to the server's JVM (experiments)
    String extra = System.getProperty("bench.load.serverJvm", "");
    if (!extra.isBlank() && !extra.startsWith("$")) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(List.of("-cp", classpath, "dev.quiver.server.Main"));
    var pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.putAll(nodeEnv(dir, http, grpc));
    if (!mode.equals("plain")) {
      env.put("QDRANT__SERVICE__ENABLE_TLS", "true");
      env.put("QDRANT__TLS__CERT", tls.resolve("cert.pem").toString());
      env.put("QDRANT__TLS__KEY", tls.resolve("key.pem").toString());
      env.put("QDRANT__TLS__CA_CERT", tls.resolve("cacert.pem").toString());
    }
    if (mode.equals("tls+jwt")) {
      env.put("QDRANT__SERVICE__API_KEY", LoadGen.KEY);
      env.put("QDRANT__SERVICE__JWT_RBAC", "true");
    }
    if (mode.equals("tls+key")) {
      env.put("QDRANT__SERVICE__API_KEY", LoadGen.KEY);
    }
    pb.directory(dir.toFile()).redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("server.log").toFile());
    Process p = pb.start();
    LoadServer s = new LoadServer(p, http, grpc, mode, tls);
    s.awaitReady();
    return s;
  }

  LoadTarget target() throws Exception {
    boolean secure = !mode.equals("plain");
    var ssl = secure ? TlsCostBench.sslContext(tls.resolve("cacert.pem")) : null;
    String token =
        mode.equals("tls+jwt") ? jwt(LoadGen.KEY) : mode.equals("tls+key") ? LoadGen.KEY : null;
    // The token goes in the api-key header (which also takes a JWT) from a channel interceptor,
    // not the client's withApiKey: its CallCredentials hop through grpc's shared executor on
    // every call, about 15 µs of client CPU per request on the two cores the server uses too,
    // which would be charged to the server's TLS+JWT cost. The server sees the same header.
    Metadata headers = null;
    if (token != null) {
      headers = new Metadata();
      headers.put(Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER), token);
    }
    ManagedChannel channel =
        // the official client's callbacks only complete futures: run them on its event loop
        TlsCostBench.channel(grpc, secure ? tls.resolve("cacert.pem") : null, true, headers);
    var grpcClient = QdrantGrpcClient.newBuilder(channel, true);
    return new LoadTarget(
        TlsCostBench.httpClient(ssl),
        (secure ? "https" : "http") + "://" + (secure ? "localhost" : "127.0.0.1") + ":" + http,
        token,
        new QdrantClient(grpcClient.build()),
        new KeepAliveHttp(secure ? "localhost" : "127.0.0.1", http, ssl, token));
  }

  void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    LoadTarget t = target();
    try {
      while (System.nanoTime() < deadline) {
        try {
          if (t.http().send(t.get("/readyz"), HttpResponse.BodyHandlers.ofString()).statusCode()
              == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(200);
      }
    } finally {
      t.close();
    }
    throw new IllegalStateException("the server did not start: see " + mode + "/server.log");
  }

  void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /** An HS256 JWT with global manage access, signed with the API key (as {@code quiver jwt}). */
  private static String jwt(String key) throws Exception {
    var enc = Base64.getUrlEncoder().withoutPadding();
    String header =
        enc.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String claims =
        enc.encodeToString(
            ("{\"access\":\"m\",\"exp\":" + (System.currentTimeMillis() / 1000 + 86400) + "}")
                .getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String sig =
        enc.encodeToString(
            mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII)));
    return header + "." + claims + "." + sig;
  }

  /**
   * The settings of a benchmark node: loopback only, the given ports, its data under {@code dir},
   * warnings only in its log.
   */
  static Map<String, String> nodeEnv(Path dir, int http, int grpc) {
    Map<String, String> env = new HashMap<>();
    env.put("QDRANT__SERVICE__HOST", "127.0.0.1");
    env.put("QDRANT__SERVICE__HTTP_PORT", String.valueOf(http));
    env.put("QDRANT__SERVICE__GRPC_PORT", String.valueOf(grpc));
    env.put("QDRANT__STORAGE__STORAGE_PATH", dir.resolve("storage").toString());
    env.put("QDRANT__STORAGE__SNAPSHOTS_PATH", dir.resolve("snapshots").toString());
    env.put("QDRANT__LOG_LEVEL", "WARN");
    return env;
  }
}
