package dev.quiver.server.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.server.query.Queries;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RestJsonTest {
  private static com.fasterxml.jackson.databind.JsonNode j(String s) {
    return Json.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  private static Value.Struct indexParams(String schema) {
    return CollectionJson.createFieldIndex(
            j("{\"field_name\":\"f\",\"field_schema\":" + schema + "}"))
        .spec()
        .params();
  }

  /** Each index type takes Qdrant's options for it, checked by type; others are refused by name. */
  @Test
  void payloadIndexOptionsAreCheckedByType() {
    assertThat(
            indexParams(
                    "{\"type\":\"keyword\",\"is_tenant\":true,\"prefix\":true,"
                        + "\"memory\":\"cold\",\"enable_hnsw\":false}")
                .fields())
        .containsEntry("memory", new Value.Str("cold"))
        .containsEntry("prefix", new Value.Bool(true));
    assertThat(
            indexParams(
                    "{\"type\":\"integer\",\"lookup\":false,\"range\":true,"
                        + "\"is_principal\":true,\"on_disk\":true}")
                .fields())
        .containsEntry("lookup", new Value.Bool(false));
    assertThat(indexParams("{\"type\":\"text\",\"memory\":\"pinned\"}").fields())
        .containsEntry("memory", new Value.Str("pinned"));
    assertThatThrownBy(() -> indexParams("{\"type\":\"integer\",\"prefix\":true}"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("`field_schema.prefix` is not supported");
    assertThatThrownBy(() -> indexParams("{\"type\":\"bool\",\"is_tenant\":true}"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("field_schema.is_tenant");
    assertThatThrownBy(() -> indexParams("{\"type\":\"geo\",\"colour\":1}"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("field_schema.colour");
    assertThatThrownBy(() -> indexParams("{\"type\":\"keyword\",\"memory\":\"warm\"}"))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("unknown variant `warm`, expected one of `cold`, `cached`, `pinned`");
    assertThatThrownBy(() -> indexParams("{\"type\":\"float\",\"on_disk\":\"yes\"}"))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("expected a boolean at field_schema.on_disk");
  }

  @Test
  void createCollectionSingleAndNamed() {
    var single =
        CollectionJson.createCollection(j("{\"vectors\":{\"size\":4,\"distance\":\"Manhattan\"}}"));
    assertThat(single.vectors()).containsOnlyKeys(CollectionConfig.DEFAULT_VECTOR);
    assertThat(single.vectors().get("").distance()).isEqualTo(Distance.MANHATTAN);
    var named =
        CollectionJson.createCollection(
            j("{\"vectors\":{\"a\":{\"size\":2,\"distance\":\"Dot\"}},\"replication_factor\":2}"));
    assertThat(named.vectors()).containsOnlyKeys("a");
    assertThat(named.replicationFactor()).isEqualTo(2);
  }

  /**
   * {@code "auto"} sets the optimizer threads back to the automatic choice; a number fixes them.
   */
  @Test
  void maxOptimizationThreadsTakesAutoOrANumber() {
    CollectionConfig base =
        new CollectionConfig(
            Map.of("", new VectorParams(2, Distance.DOT, null)),
            1,
            1,
            1,
            true,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT);
    CollectionConfig fixed =
        CollectionJson.updateCollection(
                j("{\"optimizers_config\":{\"max_optimization_threads\":3}}"))
            .apply(base);
    assertThat(fixed.optimizers().maxOptimizationThreads()).isEqualTo(3);
    CollectionConfig auto =
        CollectionJson.updateCollection(
                j("{\"optimizers_config\":{\"max_optimization_threads\":\"auto\"}}"))
            .apply(fixed);
    assertThat(auto.optimizers().maxOptimizationThreads()).isNull();
    CollectionConfig kept =
        CollectionJson.updateCollection(j("{\"optimizers_config\":{\"indexing_threshold\":5}}"))
            .apply(fixed);
    assertThat(kept.optimizers().maxOptimizationThreads()).isEqualTo(3);
    assertThatThrownBy(
            () ->
                CollectionJson.updateCollection(
                    j("{\"optimizers_config\":{\"max_optimization_threads\":\"many\"}}")))
        .isInstanceOf(RequestException.Malformed.class);
  }

  @Test
  void shapeErrorsAre400AndRuleErrorsAre422() {
    assertThatThrownBy(() -> Json.parse("{".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(RequestException.Malformed.class);
    assertThatThrownBy(() -> Json.parse("{} {}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(RequestException.Malformed.class);
    assertThatThrownBy(
            () ->
                CollectionJson.createCollection(
                    j("{\"vectors\":{\"size\":-1,\"distance\":\"Dot\"}}")))
        .isInstanceOf(RequestException.Malformed.class);
    assertThatThrownBy(
            () ->
                CollectionJson.createCollection(
                    j("{\"vectors\":{\"size\":70000,\"distance\":\"Dot\"}}")))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessage(
            "Validation error in JSON body: [vectors.size: value 70000 invalid, must be from 1 to 65536]");
    assertThatThrownBy(
            () ->
                CollectionJson.createCollection(
                    j("{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"shard_number\":0}")))
        .isInstanceOf(RequestException.Invalid.class);
    // a node's list holds 2m neighbours, persisted with a 16-bit length
    assertThatThrownBy(
            () ->
                CollectionJson.createCollection(
                    j(
                        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
                            + "\"hnsw_config\":{\"m\":40000}}")))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("value 40000 invalid, must be from 0 to 32767");
    // payload_m too (a tenant's list holds 2 payload_m neighbours); negative is a shape error
    assertThatThrownBy(
            () ->
                CollectionJson.createCollection(
                    j(
                        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
                            + "\"hnsw_config\":{\"payload_m\":40000}}")))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("payload_m: value 40000 invalid, must be from 0 to 32767");
    assertThatThrownBy(
            () ->
                CollectionJson.createCollection(
                    j(
                        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
                            + "\"hnsw_config\":{\"payload_m\":-1}}")))
        .isInstanceOf(RequestException.class);
    assertThat(
            CollectionJson.createCollection(
                    j(
                        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
                            + "\"hnsw_config\":{\"payload_m\":16,\"m\":0}}"))
                .hnsw()
                .payloadM())
        .isEqualTo(16);
    assertThatThrownBy(() -> PointWriteJson.upsert(j("{\"points\":[{\"id\":-5,\"vector\":[1]}]}")))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("points[0].id");
    assertThatThrownBy(
            () -> PointWriteJson.upsert(j("{\"points\":[{\"id\":1,\"vector\":[1,\"x\"]}]}")))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("points[0].vector[1]");
    assertThatThrownBy(
            () -> QueryJson.query(j("{\"query\":[1],\"filter\":{\"must\":[{\"key\":\"a\"}]}}")))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("filter.must[0]");
  }

  @Test
  void filtersParseInEveryForm() {
    var q =
        QueryJson.query(
            j(
                "{\"query\":[1],\"filter\":{\"must\":{\"key\":\"city\",\"match\":{\"value\":\"Berlin\"}},"
                    + "\"should\":[{\"key\":\"n\",\"range\":{\"gte\":1,\"lt\":5}},{\"has_id\":[1,2]},"
                    + "{\"key\":\"t\",\"range\":{\"gt\":\"2026-01-01T00:00:00Z\"}}],"
                    + "\"must_not\":[{\"is_empty\":{\"key\":\"x\"}},{\"nested\":{\"key\":\"items\",\"filter\":{\"must\":[{\"key\":\"sku\",\"match\":{\"any\":[\"a\",\"b\"]}}]}}}],"
                    + "\"min_should\":{\"conditions\":[{\"key\":\"loc\",\"geo_radius\":{\"center\":{\"lon\":13.4,\"lat\":52.5},\"radius\":1000}}],\"min_count\":1}}}"));
    var f = q.stage().filter();
    org.assertj.core.api.Assertions.assertThat(f.must()).hasSize(1);
    org.assertj.core.api.Assertions.assertThat(f.should()).hasSize(3);
    org.assertj.core.api.Assertions.assertThat(f.should().get(2))
        .isInstanceOfSatisfying(
            dev.quiver.storage.Condition.Range.class,
            r -> org.assertj.core.api.Assertions.assertThat(r.datetime()).isTrue());
    org.assertj.core.api.Assertions.assertThat(f.mustNot().get(1))
        .isInstanceOf(dev.quiver.storage.Condition.Nested.class);
    org.assertj.core.api.Assertions.assertThat(f.minShould().minCount()).isEqualTo(1);
  }

  @Test
  void idsAreUnsignedIntegersOrUuids() {
    assertThat(ValueJson.parsePointId("18446744073709551615")).isEqualTo(PointId.of(-1L));
    UUID u = UUID.randomUUID();
    assertThat(ValueJson.parsePointId(u.toString())).isEqualTo(PointId.of(u));
    assertThat(ValueJson.parsePointId(u.toString().replace("-", ""))).isEqualTo(PointId.of(u));
    assertThat(ValueJson.parsePointId("-1")).isNull();
    assertThat(ValueJson.parsePointId("abc")).isNull();
    assertThat(ValueJson.pointId(PointId.of(-1L)).asText()).isEqualTo("18446744073709551615");
  }

  @Test
  void payloadRoundTripsThroughJson() {
    var node =
        j(
            "{\"a\":1,\"b\":2.5,\"c\":\"x\",\"d\":[true,null],\"e\":{\"f\":{}},\"big\":18446744073709551615}");
    Value v = ValueJson.value(node);
    assertThat(((Value.Struct) v).fields().get("a")).isEqualTo(new Value.Int(1));
    assertThat(((Value.Struct) v).fields().get("big")).isInstanceOf(Value.Double.class);
    String doc = "{\"a\":1,\"b\":2.5,\"c\":\"x\",\"d\":[true,null],\"e\":{\"f\":{}}}";
    assertThat(ValueJson.json(ValueJson.value(j(doc))).toString()).isEqualTo(doc);
  }

  @Test
  void selectorsFollowQdrantDefaults() {
    var search = ReadJson.search(j("{\"vector\":{\"name\":\"img\",\"vector\":[1,2]},\"limit\":3}"));
    assertThat(search.vectorName()).isEqualTo("img");
    assertThat(search.withPayload().enabled()).isFalse();
    var retrieve = ReadJson.retrieve(j("{\"ids\":[1],\"with_vectors\":[\"img\"]}"));
    assertThat(retrieve.withPayload().enabled()).isTrue();
    assertThat(retrieve.withVectors().wants("img")).isTrue();
    assertThat(retrieve.withVectors().wants("other")).isFalse();
    var q =
        QueryJson.query(
            j("{\"query\":{\"nearest\":[1,2]},\"with_payload\":{\"exclude\":[\"x\"]}}"));
    assertThat(q.stage().limit()).isEqualTo(10);
    assertThat(q.withPayload().exclude()).containsExactly("x");
  }

  @Test
  void anImageOrObjectToEmbedIsRefusedAndADocumentIsEmbedded() {
    for (String input :
        new String[] {
          "{\"image\": \"https://example.com/cat.png\", \"model\": \"qdrant/clip-vit-b-32-vision\"}",
          "{\"object\": {\"x\": 1}, \"model\": \"m\"}"
        }) {
      assertThatThrownBy(() -> QueryJson.example(j(input), "query"))
          .isInstanceOf(RequestException.Unsupported.class)
          .hasMessageContaining("images and objects are not supported");
    }
    assertThat(QueryJson.example(j("{\"text\": \"fox\", \"model\": \"qdrant/bm25\"}"), "query"))
        .isInstanceOf(Queries.Example.Sparse.class);
  }
}
