package dev.quiver.server.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.server.request.RequestException;
import dev.quiver.server.request.StrictModeSettings;
import dev.quiver.storage.Value;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How strict mode settings are checked and merged, as {@code PATCH} merges them in Qdrant. */
public class StrictModeTest {
  private static Value.Struct s(Object... kv) {
    Map<String, Value> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(
          (String) kv[i],
          switch (kv[i + 1]) {
            case Boolean b -> new Value.Bool(b);
            case Integer n -> new Value.Int(n);
            case Double d -> new Value.Double(d);
            case Value v -> v;
            default -> throw new IllegalArgumentException();
          });
    }
    return new Value.Struct(m);
  }

  @Test
  void aPatchReplacesTheFieldsItSetsAndKeepsTheOthers() {
    Value.Struct first =
        StrictModeSettings.merged(
            null,
            s("enabled", true, "max_query_limit", 10, "search_max_oversampling", 1.5),
            "JSON body");
    Value.Struct second =
        StrictModeSettings.merged(
            first, s("max_query_limit", 3, "max_timeout", Value.Null.INSTANCE), "JSON body");
    assertThat(second.fields())
        .containsEntry("enabled", new Value.Bool(true))
        .containsEntry("max_query_limit", new Value.Int(3))
        .containsEntry("search_max_oversampling", new Value.Double(1.5))
        .doesNotContainKey("max_timeout");
    Value.Struct sparse =
        StrictModeSettings.merged(
            second,
            s("sparse_config", s("a", s("max_length", 5), "b", s("max_length", 7))),
            "JSON body");
    Value.Struct again =
        StrictModeSettings.merged(
            sparse, s("sparse_config", s("a", s("max_length", 9))), "JSON body");
    assertThat(again.fields().get("sparse_config"))
        .isEqualTo(s("a", s("max_length", 9), "b", s("max_length", 7)));
  }

  @Test
  void badValuesAndUnknownFieldsAreRefusedByName() {
    assertThatThrownBy(() -> StrictModeSettings.merged(null, s("max_query_limit", 0), "JSON body"))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("strict_mode_config.max_query_limit");
    assertThatThrownBy(() -> StrictModeSettings.merged(null, s("enabled", 1), "JSON body"))
        .isInstanceOf(RequestException.Malformed.class);
    assertThatThrownBy(() -> StrictModeSettings.merged(null, s("max_timeout", -1), "JSON body"))
        .isInstanceOf(RequestException.Malformed.class);
    assertThatThrownBy(
            () ->
                StrictModeSettings.merged(
                    null, s("max_collection_payload_size_bytes", -1), "JSON body"))
        .isInstanceOf(RequestException.Malformed.class);
    assertThatThrownBy(
            () -> StrictModeSettings.merged(null, s("max_resident_memory_percent", 90), "body"))
        .hasMessageContaining("PUT /quotas");
    assertThatThrownBy(
            () -> StrictModeSettings.merged(null, s("indexing_threshold", 1), "JSON body"))
        .hasMessageContaining("strict_mode_config.indexing_threshold");
    assertThatThrownBy(
            () ->
                StrictModeSettings.merged(
                    null, s("sparse_config", s("a", s("max_len", 1))), "JSON body"))
        .hasMessageContaining("strict_mode_config.sparse_config.a.max_len");
  }
}
