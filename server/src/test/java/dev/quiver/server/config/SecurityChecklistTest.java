package dev.quiver.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.server.config.SecurityChecklist.Item;
import dev.quiver.server.config.SecurityChecklist.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security checklist over configurations as an operator writes them (environment variables
 * through the real loader) and real certificate and key files: the default configuration names each
 * missing protection, a hardened one passes every item, and each weakness is caught alone.
 */
class SecurityChecklistTest {
  private static final String KEY = "k".repeat(40);
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path dir;

  private Map<String, Verdict> check(Map<String, String> env, Instant now) throws Exception {
    QuiverConfig config = new ConfigLoader().load(dir, null, env).config();
    Map<String, Verdict> verdicts = new LinkedHashMap<>();
    for (Item i : SecurityChecklist.evaluate(config, dir, now)) {
      verdicts.put(i.name(), i.verdict());
      if (i.verdict() != Verdict.PASS) {
        assertThat(i.fix()).as(i.name()).isNotBlank();
      }
    }
    return verdicts;
  }

  /** A self-signed certificate made by the JDK's keytool, and a key file beside it. */
  private void certificateAndKey(int validityDays) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Path store = dir.resolve("node.p12");
    run(
        keytool.toString(),
        "-genkeypair",
        "-keyalg",
        "EC",
        "-alias",
        "node",
        "-dname",
        "CN=node",
        "-validity",
        Integer.toString(validityDays),
        "-keystore",
        store.toString(),
        "-storepass",
        "changeit");
    run(
        keytool.toString(),
        "-exportcert",
        "-rfc",
        "-alias",
        "node",
        "-keystore",
        store.toString(),
        "-storepass",
        "changeit",
        "-file",
        dir.resolve("cert.pem").toString());
    Files.writeString(dir.resolve("key.pem"), "not read by the check, only its permissions");
    Files.setPosixFilePermissions(
        dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-------"));
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  private Map<String, String> hardened() {
    Map<String, String> env = new HashMap<>();
    env.put("QDRANT__SERVICE__API_KEY", KEY);
    env.put("QDRANT__SERVICE__READ_ONLY_API_KEY", "r".repeat(40));
    env.put("QDRANT__SERVICE__JWT_RBAC", "true");
    env.put("QDRANT__SERVICE__ENABLE_TLS", "true");
    env.put("QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE", "true");
    env.put("QDRANT__SERVICE__HOST", "10.0.0.5");
    env.put("QDRANT__TLS__CERT", "cert.pem");
    env.put("QDRANT__TLS__KEY", "key.pem");
    env.put("QDRANT__TLS__CA_CERT", "cert.pem");
    env.put("QDRANT__AUDIT__ENABLED", "true");
    env.put("QDRANT__SERVICE__ENABLE_SNAPSHOT_URL_RECOVERY", "false");
    return env;
  }

  @Test
  void theDefaultConfigurationNamesEachMissingProtection() throws Exception {
    Map<String, Verdict> v = check(Map.of(), NOW);
    assertThat(v)
        .containsEntry("api_key", Verdict.FAIL)
        .containsEntry("tls", Verdict.FAIL)
        .containsEntry("audit_log", Verdict.FAIL)
        .containsEntry("jwt_rbac", Verdict.WARN)
        .containsEntry("client_certificates", Verdict.WARN)
        .containsEntry("bind_address", Verdict.WARN)
        .containsEntry("p2p_tls", Verdict.PASS)
        .containsEntry("read_only_key", Verdict.PASS)
        .doesNotContainKeys("certificate", "key_file");
  }

  @Test
  void aHardenedConfigurationPassesEveryItem() throws Exception {
    certificateAndKey(365);
    Map<String, Verdict> v = check(hardened(), Instant.now());
    assertThat(v).containsKeys("certificate", "key_file");
    assertThat(v.values()).as("%s", v).containsOnly(Verdict.PASS);
  }

  @Test
  void eachWeaknessIsCaughtAlone() throws Exception {
    certificateAndKey(365);
    Instant now = Instant.now();
    var weak = hardened();
    weak.put("QDRANT__SERVICE__API_KEY", "short");
    assertThat(check(weak, now)).containsEntry("api_key", Verdict.WARN);
    var same = hardened();
    same.put("QDRANT__SERVICE__READ_ONLY_API_KEY", KEY);
    assertThat(check(same, now)).containsEntry("read_only_key", Verdict.FAIL);
    var cluster = hardened();
    cluster.put("QDRANT__CLUSTER__ENABLED", "true");
    assertThat(check(cluster, now)).containsEntry("p2p_tls", Verdict.FAIL);
    cluster.put("QDRANT__CLUSTER__P2P__ENABLE_TLS", "true");
    assertThat(check(cluster, now)).containsEntry("p2p_tls", Verdict.PASS);
    var urls = hardened();
    urls.put("QDRANT__SERVICE__ENABLE_SNAPSHOT_URL_RECOVERY", "true");
    urls.put("QDRANT__SERVICE__SNAPSHOT_URL_RECOVERY_ALLOW_PRIVATE", "true");
    assertThat(check(urls, now)).containsEntry("snapshot_url_recovery", Verdict.WARN);
    var missing = hardened();
    missing.put("QDRANT__TLS__CERT", "nowhere.pem");
    assertThat(check(missing, now)).containsEntry("certificate", Verdict.FAIL);
    Files.setPosixFilePermissions(
        dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(check(hardened(), now)).containsEntry("key_file", Verdict.FAIL);
    Files.setPosixFilePermissions(
        dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-r-----"));
    assertThat(check(hardened(), now)).containsEntry("key_file", Verdict.WARN);
  }

  @Test
  void certificatesAreJudgedByTheirDates() {
    Instant from = NOW.minus(Duration.ofDays(100));
    List<Verdict> verdicts =
        List.of(
            SecurityChecklist.expiry(from, NOW.plus(Duration.ofDays(200)), NOW).verdict(),
            SecurityChecklist.expiry(from, NOW.plus(Duration.ofDays(10)), NOW).verdict(),
            SecurityChecklist.expiry(from, NOW.minus(Duration.ofDays(1)), NOW).verdict(),
            SecurityChecklist.expiry(
                    NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(9)), NOW)
                .verdict());
    assertThat(verdicts).containsExactly(Verdict.PASS, Verdict.WARN, Verdict.FAIL, Verdict.FAIL);
  }
}
