package dev.quiver.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CliTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private Cli.Parsed parse(Map<String, String> env, String... args) {
    return Cli.parse(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void parsesClusterFlagsAndConfigPath() {
    Cli cli =
        parse(
                Map.of(),
                "--uri",
                "https://node1:6335",
                "--bootstrap",
                "https://node0:6335",
                "--config-path",
                "c.yaml")
            .cli();
    assertThat(cli.uri()).isEqualTo("https://node1:6335");
    assertThat(cli.bootstrap()).isEqualTo("https://node0:6335");
    assertThat(cli.configPath()).isEqualTo(Path.of("c.yaml"));
  }

  @Test
  void environmentSuppliesUriAndBootstrapButFlagsWin() {
    var env = Map.of("QDRANT_URI", "http://a:6335", "QDRANT_BOOTSTRAP", "http://b:6335");
    Cli fromEnv = parse(env).cli();
    assertThat(fromEnv.uri()).isEqualTo("http://a:6335");
    assertThat(fromEnv.bootstrap()).isEqualTo("http://b:6335");
    assertThat(parse(env, "--uri", "http://c:6335").cli().uri()).isEqualTo("http://c:6335");
  }

  @Test
  void absentFlagsAreNull() {
    Cli cli = parse(Map.of()).cli();
    assertThat(cli.uri()).isNull();
    assertThat(cli.bootstrap()).isNull();
    assertThat(cli.configPath()).isNull();
  }

  @Test
  void versionAndHelpPrintAndStop() {
    Cli.Parsed v = parse(Map.of(), "--version");
    assertThat(v.cli()).isNull();
    assertThat(v.exitCode()).isZero();
    assertThat(out.toString()).contains("quiver").contains("Qdrant API");
    Cli.Parsed h = parse(Map.of(), "--help");
    assertThat(h.cli()).isNull();
    assertThat(out.toString()).contains("--uri").contains("--bootstrap").contains("--config-path");
  }

  /** TLS files for a migration between plain URLs would go unused: refused, not ignored. */
  @Test
  void migrateRefusesTlsOptionsWithoutATlsUrl() {
    Cli.Parsed p =
        parse(
            Map.of(),
            "migrate",
            "--from",
            "grpc://127.0.0.1:1",
            "--to",
            "http://127.0.0.1:1",
            "--ca-cert",
            "ca.pem");
    assertThat(p.exitCode()).isEqualTo(2);
    assertThat(err.toString()).contains("neither --from nor --to uses TLS");
    Cli.Parsed scheme =
        parse(Map.of(), "migrate", "--from", "ftp://127.0.0.1:1", "--to", "http://127.0.0.1:1");
    assertThat(scheme.exitCode()).isEqualTo(2);
    assertThat(err.toString()).contains("--from ftp://127.0.0.1:1: expected");
  }

  @Test
  void unknownFlagIsAUsageError() {
    Cli.Parsed p = parse(Map.of(), "--nope");
    assertThat(p.cli()).isNull();
    assertThat(p.exitCode()).isEqualTo(2);
    assertThat(err.toString()).contains("--nope");
  }

  @Test
  void securityCheckPrintsTheChecklistAndFailsOnAFailedItem() throws Exception {
    Cli.Parsed text = parse(Map.of(), "security-check");
    assertThat(text.cli()).isNull();
    assertThat(text.exitCode()).isEqualTo(1);
    assertThat(out.toString())
        .contains("FAIL  api_key")
        .contains("fix: set service.api_key")
        .contains("FAIL  tls");
    out.getBuffer().setLength(0);
    Cli.Parsed json =
        parse(Map.of("QDRANT__SERVICE__API_KEY", "a".repeat(64)), "security-check", "--json");
    assertThat(json.exitCode()).isEqualTo(1);
    JsonNode items = new ObjectMapper().readTree(out.toString());
    assertThat(items.isArray()).isTrue();
    assertThat(items.get(0).get("item").asText()).isEqualTo("api_key");
    assertThat(items.get(0).get("verdict").asText()).isEqualTo("pass");
  }
}
