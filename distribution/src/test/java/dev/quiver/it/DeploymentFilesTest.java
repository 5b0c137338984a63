package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.quiver.server.config.ConfigLoader;
import dev.quiver.server.config.LoadedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose files, Kubernetes manifests and Dockerfile, read as YAML / text and checked for their
 * wiring: ports, mounts, commands, peer URIs, and that every {@code QDRANT__*} variable they set is
 * a setting Quiver's own configuration loader knows. (No Docker engine runs here; the topology
 * itself is exercised by {@code LocalClusterScriptIT}.)
 */
class DeploymentFilesTest {
  static final Path COMPOSE = Path.of("..", "compose");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path empty;

  /** The environment of the security guide's compose node, word for word. */
  static final List<String> GUIDE_ENV =
      List.of(
          "QDRANT__CLUSTER__ENABLED=true",
          "QDRANT__CLUSTER__P2P__PORT=6335",
          "QDRANT__CLUSTER__P2P__ENABLE_TLS=true",
          "QDRANT__SERVICE__ENABLE_TLS=true",
          "QDRANT__SERVICE__API_KEY=cluster_secret_key");

  static JsonNode yaml(Path file) throws Exception {
    return YAML.readTree(Files.readString(file));
  }

  static List<JsonNode> documents(Path file) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      while (it.hasNext()) {
        docs.add((JsonNode) it.next());
      }
    }
    return docs;
  }

  /** Loads the variables through Quiver's loader: a bad or unknown setting fails here. */
  void assertRealSettings(Map<String, String> env) throws Exception {
    assertThat(env).isNotEmpty();
    LoadedConfig loaded = new ConfigLoader().load(empty, null, env);
    assertThat(loaded.ignoredKeys()).as("unknown settings in %s", env.keySet()).isEmpty();
  }

  static Map<String, String> envList(JsonNode list) {
    Map<String, String> env = new LinkedHashMap<>();
    list.forEach(
        e -> {
          String s = e.asText();
          int eq = s.indexOf('=');
          env.put(s.substring(0, eq), s.substring(eq + 1));
        });
    return env;
  }

  @Test
  void singleNodeComposeHasAnApiKeyAPersistentVolumeAndTheRestPort() throws Exception {
    JsonNode svc = yaml(COMPOSE.resolve("docker-compose.yml")).path("services").path("quiver");
    assertThat(svc.path("image").asText()).startsWith("quiver/quiver");
    assertThat(svc.path("ports").toString()).contains("6333:6333");
    Map<String, String> env = envList(svc.path("environment"));
    assertThat(env).containsKey("QDRANT__SERVICE__API_KEY");
    env.replaceAll((k, v) -> "a-key"); // the file takes it from ${QUIVER_API_KEY}
    assertRealSettings(env);
    assertThat(svc.path("volumes").toString()).contains(":/qdrant/storage");
    assertHardened("quiver", svc);
  }

  /**
   * What the compose files add to Qdrant's: no capabilities but the entry point's, read-only root.
   */
  static void assertHardened(String name, JsonNode svc) {
    assertThat(svc.path("read_only").asBoolean()).as(name + " read_only").isTrue();
    assertThat(svc.path("cap_drop").toString()).as(name).isEqualTo("[\"ALL\"]");
    assertThat(svc.path("cap_add").toString())
        .as(name)
        .isEqualTo("[\"CHOWN\",\"SETUID\",\"SETGID\",\"SETPCAP\"]");
    assertThat(svc.path("security_opt").toString()).as(name).contains("no-new-privileges:true");
    assertThat(svc.path("tmpfs").toString()).as(name).contains("/tmp");
  }

  @Test
  void clusterComposeIsTheGuidesFileHardened() throws Exception {
    JsonNode services = yaml(COMPOSE.resolve("cluster-tls/docker-compose.yml")).path("services");
    // the container suite runs the guide's file itself, with only the image name changed
    JsonNode guide =
        yaml(Path.of("src/test/containers/guide-cluster-compose.yml")).path("services");
    assertThat(services.size()).isEqualTo(3);
    for (int n = 1; n <= 3; n++) {
      String name = "qdrant_node_" + n;
      JsonNode svc = services.path(name);
      for (String key : List.of("image", "volumes", "command")) {
        assertThat(svc.path(key)).as(name + " " + key).isEqualTo(guide.path(name).path(key));
      }
      // the guide's environment, and the audit log on (hardening)
      List<String> guideEnv = new ArrayList<>();
      guide.path(name).path("environment").forEach(e -> guideEnv.add(e.asText()));
      List<String> added = new ArrayList<>();
      svc.path("environment").forEach(e -> added.add(e.asText()));
      added.removeAll(guideEnv);
      assertThat(added).as(name).containsExactly("QDRANT__AUDIT__ENABLED=true");
      assertHardened(name, svc);
      assertThat(svc.path("image").asText()).as(name).isEqualTo("quiver/quiver:latest");
      assertThat(guideEnv).as(name).isEqualTo(GUIDE_ENV);
      assertRealSettings(envList(svc.path("environment")));
      assertThat(svc.path("volumes").toString())
          .contains("./tls:/qdrant/tls:z")
          .contains("./node" + n + "_storage:/qdrant/storage:z");
      String command = svc.path("command").asText();
      assertThat(command).startsWith("./qdrant ");
      assertThat(command).contains("--uri 'https://" + name + ":6335'");
      if (n == 1) {
        assertThat(command).isEqualTo("./qdrant --uri 'https://qdrant_node_1:6335'");
      } else {
        assertThat(command).contains("--bootstrap 'https://qdrant_node_1:6335'");
      }
    }
    String script = Files.readString(COMPOSE.resolve("cluster-tls/gen-certs.sh"));
    assertThat(script)
        .contains("qdrant_node_1 qdrant_node_2 qdrant_node_3")
        .contains("cacert.pem")
        .contains("cert.pem")
        .contains("key.pem")
        .contains("serverAuth,clientAuth");
    assertThat(Files.isExecutable(COMPOSE.resolve("cluster-tls/gen-certs.sh"))).isTrue();
  }

  @Test
  void kubernetesStatefulSetWiresTheGuidesSecretAndPolicy() throws Exception {
    Path k8s = COMPOSE.resolve("kubernetes");
    JsonNode set = yaml(k8s.resolve("statefulset.yaml"));
    assertThat(set.path("kind").asText()).isEqualTo("StatefulSet");
    List<JsonNode> services = documents(k8s.resolve("service.yaml"));
    JsonNode headless =
        services.stream()
            .filter(
                s ->
                    s.path("metadata")
                        .path("name")
                        .asText()
                        .equals(set.path("spec").path("serviceName").asText()))
            .findFirst()
            .orElseThrow();
    assertThat(headless.path("spec").path("clusterIP").asText()).isEqualTo("None");
    JsonNode labels = set.path("spec").path("template").path("metadata").path("labels");
    assertThat(labels.path("app").asText()).isEqualTo("qdrant");
    assertThat(headless.path("spec").path("selector").path("app").asText()).isEqualTo("qdrant");

    JsonNode container = set.path("spec").path("template").path("spec").path("containers").get(0);
    assertThat(container.path("ports").findValuesAsText("containerPort"))
        .containsExactly("6333", "6334", "6335");
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode e : container.path("env")) {
      JsonNode ref = e.path("valueFrom").path("secretKeyRef");
      if (!ref.isMissingNode()) {
        assertThat(ref.path("name").asText()).isEqualTo("qdrant-secrets");
        assertThat(ref.path("key").asText()).isIn("api-key", "read-only-api-key");
        env.put(e.path("name").asText(), "from-secret");
      } else {
        env.put(e.path("name").asText(), e.path("value").asText());
      }
    }
    assertThat(env).containsKeys("QDRANT__SERVICE__API_KEY", "QDRANT__CLUSTER__P2P__ENABLE_TLS");
    assertRealSettings(env);
    String command = container.path("command").toString();
    assertThat(command)
        .contains("./qdrant --uri")
        .contains("./qdrant --bootstrap")
        .contains("quiver-0." + headless.path("metadata").path("name").asText())
        .contains(":" + env.get("QDRANT__CLUSTER__P2P__PORT"));

    JsonNode mount = container.path("volumeMounts").get(0);
    assertThat(mount.path("mountPath").asText()).isEqualTo("/qdrant/tls");
    assertThat(mount.path("readOnly").asBoolean()).isTrue();
    JsonNode tls = set.path("spec").path("template").path("spec").path("volumes").get(0);
    assertThat(tls.path("secret").path("secretName").asText()).isEqualTo("qdrant-secrets");
    Map<String, String> items = new LinkedHashMap<>();
    tls.path("secret")
        .path("items")
        .forEach(i -> items.put(i.path("key").asText(), i.path("path").asText()));
    assertThat(items)
        .containsExactly(
            org.assertj.core.api.Assertions.entry("tls-cert", "cert.pem"),
            org.assertj.core.api.Assertions.entry("tls-key", "key.pem"),
            org.assertj.core.api.Assertions.entry("tls-ca", "cacert.pem"));
    assertThat(container.path("volumeMounts").toString()).contains("/qdrant/storage");

    List<JsonNode> policies = documents(k8s.resolve("networkpolicy.yaml"));
    JsonNode seed = policies.getFirst();
    assertThat(seed.path("metadata").path("name").asText()).isEqualTo("qdrant-network-policy");
    assertThat(seed.path("spec").path("podSelector").path("matchLabels").path("app").asText())
        .isEqualTo("qdrant");
    JsonNode ingress = seed.path("spec").path("ingress");
    assertThat(
            ingress
                .get(0)
                .path("from")
                .get(0)
                .path("podSelector")
                .path("matchLabels")
                .path("app")
                .asText())
        .isEqualTo("my-application");
    assertThat(ingress.get(0).path("ports").get(0).path("port").asInt()).isEqualTo(6333);
    assertThat(ingress.get(1).path("ports").get(0).path("port").asInt()).isEqualTo(6335);
    assertThat(seed.path("spec").path("egress").get(0).path("ports").get(0).path("port").asInt())
        .isEqualTo(6335);
  }

  @Test
  void dockerfileIsLaidOutLikeQdrantsImage() throws Exception {
    String d = Files.readString(Path.of("Dockerfile"));
    assertThat(d.lines().filter(l -> l.startsWith("FROM ")).toList())
        .as("an unpacking stage and the image, both on the chosen base")
        .containsExactly("FROM ${BASE_IMAGE} AS unpack", "FROM ${BASE_IMAGE}");
    assertThat(d)
        .contains("ARG BASE_IMAGE=eclipse-temurin:25-jre")
        .contains("COPY distribution/target/quiver-*.tar.gz")
        .contains("WORKDIR /qdrant")
        .contains("ENV RUN_MODE=production")
        .contains("EXPOSE 6333 6334 6335")
        .contains("HEALTHCHECK")
        .contains("ENTRYPOINT [\"/usr/local/bin/quiver-entrypoint\"]")
        .contains("CMD [\"./qdrant\"]")
        .contains("/qdrant/storage")
        .contains("/qdrant/snapshots");
    // the container starts as root for the entry point, which always drops to uid 10001
    assertThat(d.lines().filter(l -> l.startsWith("USER ")).toList()).isEmpty();
    String entrypoint = Files.readString(Path.of("docker/entrypoint.sh"));
    assertThat(entrypoint)
        .contains(
            "exec setpriv --reuid=\"$UID_Q\" --regid=\"$GID_Q\" --clear-groups --inh-caps=-all")
        .contains("--no-new-privs")
        .doesNotContain("chown -R /qdrant")
        .doesNotContain("chown -R \"$dir");
    assertThat(Files.readString(Path.of("docker/healthcheck.sh"))).contains("/healthz");
    for (String script : List.of("docker/entrypoint.sh", "docker/healthcheck.sh")) {
      assertThat(Files.isExecutable(Path.of(script))).as(script).isTrue();
    }
    String production = Files.readString(Path.of("src/main/dist/config/production.yaml"));
    assertThat(production).contains("host: 0.0.0.0");
  }
}
