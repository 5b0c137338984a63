package dev.quiver.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  private final ConfigLoader loader = new ConfigLoader();

  private void write(String relative, String yaml) throws IOException {
    Path p = dir.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
  }

  private QuiverConfig load(Map<String, String> env) throws ConfigException {
    return loader.load(dir, null, env).config();
  }

  @Test
  void defaultsAreQdrants() throws Exception {
    QuiverConfig c = load(Map.of());
    assertThat(c.service().host()).isEqualTo("0.0.0.0");
    assertThat(c.service().httpPort()).isEqualTo(6333);
    assertThat(c.service().grpcPort()).isEqualTo(6334);
    assertThat(c.service().maxRequestSizeMb()).isEqualTo(32);
    assertThat(c.service().enableCors()).isTrue();
    assertThat(c.service().enableTls()).isFalse();
    assertThat(c.service().apiKey()).isNull();
    assertThat(c.storage().storagePath()).isEqualTo("./storage");
    assertThat(c.storage().snapshotsPath()).isEqualTo("./snapshots");
    assertThat(c.storage().hnswIndex().m()).isEqualTo(16);
    assertThat(c.storage().hnswIndex().efConstruct()).isEqualTo(100);
    assertThat(c.storage().wal().walCapacityMb()).isEqualTo(32);
    assertThat(c.cluster().enabled()).isFalse();
    assertThat(c.cluster().p2p().port()).isEqualTo(6335);
    assertThat(c.tls().cert()).isEqualTo("./tls/cert.pem");
    assertThat(c.tls().caCert()).isEqualTo("./tls/cacert.pem");
    assertThat(c.tls().certTtl()).isEqualTo(3600L);
    assertThat(c.audit().enabled()).isFalse();
    assertThat(c.audit().maxLogFiles()).isEqualTo(7);
    assertThat(c.logLevel()).isEqualTo("INFO");
  }

  @Test
  void layersMergeKeyByKeyInQdrantsOrder() throws Exception {
    write("config/config.yaml", "service:\n  http_port: 7000\n  enable_cors: false\n");
    write("config/development.yaml", "service:\n  http_port: 7001\n  grpc_port: 7002\n");
    write("config/local.yml", "service:\n  http_port: 7003\n  host: 127.0.0.1\n");
    write("extra.yaml", "service:\n  http_port: 7004\nstorage:\n  storage_path: /data\n");
    var loaded =
        loader.load(dir, Path.of("extra.yaml"), Map.of("QDRANT__SERVICE__HTTP_PORT", "7005"));
    ServiceSection s = loaded.config().service();
    assertThat(s.httpPort()).isEqualTo(7005); // env wins over every file
    assertThat(s.grpcPort()).isEqualTo(7002); // from development.yaml (the default RUN_MODE)
    assertThat(s.host()).isEqualTo("127.0.0.1"); // from local.yml
    assertThat(s.enableCors()).isFalse(); // from config.yaml, untouched by later layers
    assertThat(s.maxRequestSizeMb()).isEqualTo(32); // built-in default
    assertThat(loaded.config().storage().storagePath()).isEqualTo("/data");
    assertThat(loaded.sources()).hasSize(6).endsWith("environment");
  }

  @Test
  void configPathBeatsLocalFiles() throws Exception {
    write("config/local.yaml", "service:\n  http_port: 7003\n");
    write("extra.yaml", "service:\n  http_port: 7004\n");
    assertThat(loader.load(dir, Path.of("extra.yaml"), Map.of()).config().service().httpPort())
        .isEqualTo(7004);
  }

  @Test
  void runModeSelectsItsFile() throws Exception {
    write("config/development.yaml", "service:\n  http_port: 7001\n");
    write("config/production.yaml", "service:\n  http_port: 7002\n");
    assertThat(load(Map.of("RUN_MODE", "production")).service().httpPort()).isEqualTo(7002);
    assertThat(load(Map.of()).service().httpPort()).isEqualTo(7001);
  }

  @Test
  void environmentNamesAreCaseInsensitiveAndNest() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("qdrant__service__api_key", "lower");
    env.put("QDRANT__CLUSTER__P2P__ENABLE_TLS", "yes");
    env.put("QDRANT__STORAGE__HNSW_INDEX__M", "32");
    env.put("QDRANT__LOG_LEVEL", "debug");
    env.put("QDRANT_SERVICE__HTTP_PORT", "1"); // single underscore: not a config variable
    env.put("QDRANT__", "x");
    QuiverConfig c = load(env);
    assertThat(c.service().apiKey()).isEqualTo("lower");
    assertThat(c.cluster().p2p().enableTls()).isTrue();
    assertThat(c.storage().hnswIndex().m()).isEqualTo(32);
    assertThat(c.logLevel()).isEqualTo("debug");
    assertThat(c.service().httpPort()).isEqualTo(6333);
  }

  @ParameterizedTest
  @CsvSource({
    "true,true",
    "false,false",
    "yes,true",
    "no,false",
    "on,true",
    "off,false",
    "1,true",
    "0,false",
    "TRUE,true",
    "Yes,true",
    "OFF,false"
  })
  void booleansFromTheEnvironmentAreLenient(String text, boolean expected) throws Exception {
    assertThat(load(Map.of("QDRANT__SERVICE__ENABLE_CORS", text)).service().enableCors())
        .isEqualTo(expected);
  }

  @Test
  void emptyKeyFromEnvironmentIsKeptAsEmpty() throws Exception {
    QuiverConfig c = load(Map.of("QDRANT__SERVICE__API_KEY", ""));
    assertThat(c.service().apiKey()).isEmpty();
    assertThat(ServiceSection.isSet(c.service().apiKey())).isFalse();
  }

  @Test
  void wrongTypeNamesKeyAndValue() {
    assertThatThrownBy(() -> load(Map.of("QDRANT__SERVICE__HTTP_PORT", "abc")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("service.http_port")
        .hasMessageContaining("abc")
        .hasMessageContaining("integer");
  }

  @Test
  void badBooleanNamesKeyAndValue() {
    assertThatThrownBy(() -> load(Map.of("QDRANT__SERVICE__ENABLE_TLS", "maybe")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("service.enable_tls")
        .hasMessageContaining("maybe");
  }

  @Test
  void unknownEnumValueNamesKeyValueAndChoices() throws Exception {
    write("config/config.yaml", "audit:\n  enabled: true\n  rotation: weekly\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("audit.rotation")
        .hasMessageContaining("weekly")
        .hasMessageContaining("daily")
        .hasMessageContaining("hourly");
  }

  @Test
  void wrongTypeInFileNamesKey() throws Exception {
    write("config/config.yaml", "storage:\n  wal:\n    wal_capacity_mb: [1, 2]\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("storage.wal.wal_capacity_mb");
  }

  @Test
  void missingConfigPathStopsTheStart() {
    assertThatThrownBy(() -> loader.load(dir, Path.of("nope.yaml"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope.yaml");
  }

  @Test
  void invalidYamlNamesTheFile() throws Exception {
    write("config/config.yaml", "service: [unclosed\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("config.yaml");
  }

  @Test
  void nullGrpcPortDisablesGrpc() throws Exception {
    write("config/config.yaml", "service:\n  grpc_port: null\n");
    assertThat(load(Map.of()).service().grpcPort()).isNull();
  }

  @Test
  void unknownKeysAreReportedButQdrantKeysAreNot() throws Exception {
    write(
        "config/config.yaml",
        "service:\n  htp_port: 1\nstorage:\n  performance:\n    max_search_threads: 0\nnonsense: 1\n");
    var loaded = loader.load(dir, null, Map.of());
    assertThat(loaded.ignoredKeys()).containsExactlyInAnyOrder("service.htp_port", "nonsense");
  }

  @ParameterizedTest
  @CsvSource({
    "QDRANT__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS, 4,"
        + " storage.performance.max_search_threads = 4",
    "QDRANT__STORAGE__SNAPSHOTS_CONFIG__SNAPSHOTS_STORAGE, s3,"
        + " storage.snapshots_config.snapshots_storage = s3",
  })
  void aQdrantSettingQuiverDoesNotImplementStopsTheStartUnlessAtItsDefault(
      String variable, String value, String named) throws Exception {
    assertThatThrownBy(() -> load(Map.of(variable, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Quiver does not implement " + named);
    // Qdrant's own defaults, as its config.yaml spells them, are accepted
    write(
        "config/config.yaml",
        "storage:\n  node_type: \"Normal\"\n  snapshots_config:\n    snapshots_storage: local\n"
            + "  performance:\n    max_search_threads: 0\n    update_rate_limit: null\n");
    assertThat(load(Map.of()).storage().performance().optimizerCpuBudget()).isZero();
  }

  @Test
  void aQdrantSettingsSubSectionQuiverDoesNotKnowIsRefusedByName() throws Exception {
    write(
        "config/config.yaml",
        "storage:\n  snapshots_config:\n    s3_config:\n      bucket: b\n      secret_key: x\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("storage.snapshots_config.s3_config");
  }

  @Test
  void performanceSettingsQuiverActsOnAreBoundAndChecked() throws Exception {
    QuiverConfig c =
        load(
            Map.of(
                "QDRANT__STORAGE__PERFORMANCE__OPTIMIZER_CPU_BUDGET", "-1",
                "QDRANT__STORAGE__PERFORMANCE__INCOMING_SHARD_TRANSFERS_LIMIT", "3",
                "QDRANT__STORAGE__PERFORMANCE__UPDATE_RATE_LIMIT", "8",
                "QDRANT__STORAGE__UPDATE_CONCURRENCY", "2"));
    assertThat(c.storage().performance().optimizerCpuBudget()).isEqualTo(-1);
    assertThat(c.storage().performance().incomingShardTransfersLimit()).isEqualTo(3);
    assertThat(c.storage().performance().outgoingShardTransfersLimit()).isEqualTo(1);
    assertThat(c.storage().updateConcurrency()).isEqualTo(2);
    assertThat(c.storage().performance().updateRateLimit()).isEqualTo(8);
    assertThatThrownBy(() -> load(Map.of("QDRANT__STORAGE__PERFORMANCE__UPDATE_RATE_LIMIT", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("update_rate_limit must be at least 1");
    assertThat(c.storage().listener()).isFalse();
    assertThat(load(Map.of("QDRANT__STORAGE__NODE_TYPE", "Listener")).storage().listener())
        .isTrue();
    assertThatThrownBy(() -> load(Map.of("QDRANT__STORAGE__NODE_TYPE", "Backup")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("node_type must be \"Normal\" or \"Listener\"");
    assertThatThrownBy(() -> load(Map.of("QDRANT__STORAGE__UPDATE_CONCURRENCY", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("update_concurrency must be at least 1");
    assertThatThrownBy(
            () ->
                load(Map.of("QDRANT__STORAGE__PERFORMANCE__OUTGOING_SHARD_TRANSFERS_LIMIT", "-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("outgoing_shard_transfers_limit must not be negative");
  }

  @Test
  void secretsNeverAppearInToStringOrErrors() throws Exception {
    QuiverConfig c =
        load(
            Map.of(
                "QDRANT__SERVICE__API_KEY",
                "s3cr3t-key",
                "QDRANT__SERVICE__READ_ONLY_API_KEY",
                "r0-key"));
    assertThat(c.toString()).doesNotContain("s3cr3t-key").doesNotContain("r0-key");
    write("config/config.yaml", "service:\n  api_key:\n    nested: s3cr3t-key\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("service.api_key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t-key"));
  }
}
