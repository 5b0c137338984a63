package dev.quiver.server.rest;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.server.request.RequestException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The body check: a field an operation does not read is named, at every level it looks at. */
class RequestFieldsTest {
  private static JsonNode j(String s) {
    return Json.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  private static void refused(String operation, String body, String field) {
    assertThatThrownBy(() -> RequestFields.check(operation, j(body)))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("`" + field + "` is not supported by Quiver");
  }

  @Test
  void fieldsAnOperationReadsPassAndNullsAreAccepted() {
    assertThatCode(
            () ->
                RequestFields.check(
                    "query_points",
                    j(
                        "{\"query\":[1],\"prefetch\":[],\"limit\":3,\"with_vectors\":true,"
                            + "\"shard_key\":null,\"update_filter\":null}")))
        .doesNotThrowAnyException();
    assertThatCode(() -> RequestFields.check("search_points", j("{\"vector\":[1],\"top\":3}")))
        .doesNotThrowAnyException();
    // operations checked by their own decoders, or without a JSON body, are left alone here
    assertThatCode(() -> RequestFields.check("create_collection", j("{\"anything\":1}")))
        .doesNotThrowAnyException();
  }

  @Test
  void unreadFieldsAreNamedAtTheTopInBatchItemsAndInBatchOperations() {
    refused("query_points", "{\"query\":[1],\"filtr\":{}}", "filtr");
    refused("upsert_points", "{\"points\":[],\"update_filtr\":{}}", "update_filtr");
    refused("query_points_groups", "{\"group_by\":\"g\",\"offset\":1}", "offset");
    refused("search_point_groups", "{\"group_by\":\"g\",\"top\":1}", "top");
    refused(
        "create_shard_key", "{\"shard_key\":\"k\",\"initial_state\":\"Active\"}", "initial_state");
    refused(
        "query_batch_points", "{\"searches\":[{\"query\":[1]},{\"top\":2}]}", "searches[1].top");
    refused(
        "batch_update",
        "{\"operations\":[{\"upsert\":{\"points\":[]}},{\"set_payload\":{\"payload\":{},"
            + "\"keys\":[\"a\"]}}]}",
        "operations[1].set_payload.keys");
  }
}
