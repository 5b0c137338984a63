package dev.quiver.server.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Condition;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Filter conditions as REST decodes them: full-text kinds, has_vector, geo polygon checks. */
class FilterJsonTest {
  private static Condition first(String filter) {
    return FilterJson.parse(Json.parse(filter.getBytes(StandardCharsets.UTF_8)), "filter")
        .must()
        .getFirst();
  }

  @Test
  void textMatchesAndHasVector() {
    assertThat(first("{\"must\":[{\"key\":\"t\",\"match\":{\"text\":\"a b\"}}]}"))
        .isEqualTo(new Condition.MatchText("t", "a b", Condition.TextMatch.ALL));
    assertThat(first("{\"must\":[{\"key\":\"t\",\"match\":{\"text_any\":\"a b\"}}]}"))
        .isEqualTo(new Condition.MatchText("t", "a b", Condition.TextMatch.ANY));
    assertThat(first("{\"must\":[{\"key\":\"t\",\"match\":{\"phrase\":\"a b\"}}]}"))
        .isEqualTo(new Condition.MatchText("t", "a b", Condition.TextMatch.PHRASE));
    assertThat(first("{\"must\":[{\"has_vector\":\"image\"}]}"))
        .isEqualTo(new Condition.HasVector("image"));
    assertThat(first("{\"must\":[{\"key\":\"t\",\"match\":{\"prefix\":\"ab\"}}]}"))
        .isEqualTo(new Condition.MatchPrefix("t", "ab"));
    assertThatThrownBy(() -> first("{\"must\":[{\"key\":\"t\",\"match\":{\"prefix\":1}}]}"))
        .isInstanceOf(RequestException.class);
  }

  @Test
  void geoPolygonsMustBeClosedRingsOfFourPoints() {
    String open =
        "{\"must\":[{\"key\":\"loc\",\"geo_polygon\":{\"exterior\":{\"points\":["
            + "{\"lat\":0,\"lon\":0},{\"lat\":0,\"lon\":1},{\"lat\":1,\"lon\":1},{\"lat\":1,\"lon\":0}"
            + "]}}}]}";
    assertThatThrownBy(() -> first(open))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("filter.must[0].geo_polygon.exterior")
        .hasMessageContaining("the first and the last points should be the same");
    String small =
        "{\"must\":[{\"key\":\"loc\",\"geo_polygon\":{\"exterior\":{\"points\":["
            + "{\"lat\":0,\"lon\":0},{\"lat\":0,\"lon\":1},{\"lat\":0,\"lon\":0}]}}}]}";
    assertThatThrownBy(() -> first(small)).hasMessageContaining("the size must be at least 4");
    String closed =
        "{\"must\":[{\"key\":\"loc\",\"geo_polygon\":{\"exterior\":{\"points\":["
            + "{\"lat\":0,\"lon\":0},{\"lat\":0,\"lon\":1},{\"lat\":1,\"lon\":1},{\"lat\":0,\"lon\":0}"
            + "]}}}]}";
    assertThat(first(closed)).isInstanceOf(Condition.GeoPolygon.class);
  }
}
