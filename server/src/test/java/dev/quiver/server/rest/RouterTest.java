package dev.quiver.server.rest;

import static io.netty.handler.codec.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouterTest {
  private final Router router = Router.of(dev.quiver.security.ActionTable.standard());

  private String op(String method, String path) {
    Router.Match m = router.match(io.netty.handler.codec.http.HttpMethod.valueOf(method), path);
    return m == null ? null : m.route().action().operation();
  }

  @Test
  void matchesTemplatesAndExtractsDecodedParams() {
    assertThat(op("GET", "/")).isEqualTo("root");
    assertThat(op("GET", "/collections")).isEqualTo("get_collections");
    assertThat(op("GET", "/collections/"))
        .as("one trailing slash is ignored")
        .isEqualTo("get_collections");
    Router.Match m = router.match(GET, "/collections/my%20coll");
    assertThat(m.params()).containsEntry("collection_name", "my coll");
    assertThat(op("PUT", "/collections/x/points")).isEqualTo("upsert_points");
    assertThat(op("GET", "/collections/x/points")).as("method matters").isNull();
    assertThat(op("POST", "/collections/aliases"))
        .as("literal beats parameter")
        .isEqualTo("update_aliases");
    assertThat(op("GET", "/collections/c/points/7")).isEqualTo("get_point");
    assertThat(op("POST", "/collections/c/points/scroll")).isEqualTo("scroll_points");
    assertThat(op("POST", "/collections/c/snapshots/upload"))
        .isEqualTo("recover_from_uploaded_snapshot");
  }

  @Test
  void pathTricksDoNotReachOtherRoutes() {
    assertThat(op("GET", "/healthz/../collections")).isNull();
    assertThat(op("GET", "/healthz/..%2fcollections")).isNull();
    assertThat(op("GET", "/healthz%2f..%2fcollections")).isNull();
    assertThat(op("GET", "//collections")).isNull();
    assertThat(op("GET", "/collections//")).isNull();
    assertThat(op("GET", "/healthz/")).isEqualTo("healthz");
    assertThat(op("GET", "/healthzz")).isNull();
    assertThat(op("GET", "collections")).isNull();
    Router.Match encodedSlash = router.match(GET, "/collections/a%2Fb");
    assertThat(encodedSlash.route().action().operation()).isEqualTo("get_collection");
    assertThat(encodedSlash.params())
        .containsEntry("collection_name", "a/b"); // rejected later as a name
  }

  @Test
  void badPercentEscapesMatchNothing() {
    assertThat(op("GET", "/collections/%zz")).isNull();
    assertThat(op("GET", "/collections/abc%2")).isNull();
    assertThat(Router.percentDecode("a+b%C3%A9")).isEqualTo("a+bé");
  }
}
