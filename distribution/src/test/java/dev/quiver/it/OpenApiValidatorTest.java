package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The validator used by the ITs must reject what the spec forbids, or those ITs prove nothing. */
class OpenApiValidatorTest {
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode j(String s) throws Exception {
    return json.readTree(s);
  }

  @Test
  void acceptsAValidCollectionsList() throws Exception {
    var v = new OpenApiValidator();
    JsonNode schema = v.responseSchema("/collections", "GET", 200);
    assertThat(
            v.validate(
                schema,
                j(
                    "{\"result\":{\"collections\":[{\"name\":\"a\"}]},\"status\":\"ok\",\"time\":0.1}")))
        .isEmpty();
  }

  @Test
  void rejectsMissingRequiredWrongTypesEnumsAndNonNullInNullBranches() throws Exception {
    var v = new OpenApiValidator();
    JsonNode list = v.responseSchema("/collections", "GET", 200);
    assertThat(
            v.validate(
                list, j("{\"result\":{\"collections\":[{}]},\"status\":\"ok\",\"time\":0.1}")))
        .anyMatch(e -> e.contains("missing required property name"));
    assertThat(
            v.validate(
                list, j("{\"result\":{\"collections\":\"a\"},\"status\":\"ok\",\"time\":0.1}")))
        .anyMatch(e -> e.contains("expected array"));
    JsonNode scored = v.component("ScoredPoint");
    assertThat(v.validate(scored, j("{\"id\":-1,\"version\":1,\"score\":0.5}"))).isNotEmpty();
    assertThat(v.validate(scored, j("{\"id\":1,\"version\":1,\"score\":0.5,\"payload\":[1]}")))
        .isNotEmpty();
    assertThat(v.validate(scored, j("{\"id\":\"not-a-uuid\",\"version\":1,\"score\":0.5}")))
        .isNotEmpty();
    assertThat(
            v.validate(
                scored,
                j(
                    "{\"id\":\"5c56c793-69f3-4fbf-87e6-c4bf54c28c26\",\"version\":1,\"score\":0.5,\"payload\":null,\"vector\":[1.0]}")))
        .isEmpty();
    JsonNode info = v.component("CollectionInfo");
    assertThat(
            v.validate(
                info,
                j(
                    "{\"status\":\"purple\",\"optimizer_status\":\"ok\",\"segments_count\":1,\"payload_schema\":{},\"config\":{}}")))
        .anyMatch(e -> e.contains("purple"));
  }

  @Test
  void errorsUseTheErrorEnvelope() throws Exception {
    var v = new OpenApiValidator();
    JsonNode schema = v.responseSchema("/collections/{collection_name}", "GET", 404);
    assertThat(v.validate(schema, j("{\"status\":{\"error\":\"Not found\"},\"time\":0.0}")))
        .isEmpty();
    assertThat(v.validate(schema, j("{\"status\":{\"error\":5},\"time\":0.0}"))).isNotEmpty();
  }
}
