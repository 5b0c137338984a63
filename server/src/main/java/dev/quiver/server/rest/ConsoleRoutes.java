package dev.quiver.server.rest;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web console at {@code /dashboard} (where Qdrant serves its Web UI): one page and its assets,
 * read from the jar once at start. They hold no data and need no credential; the page asks for an
 * API key or a JWT, keeps it in the browser's session storage only, and sends it with each request
 * to the node's REST API exactly as Qdrant's clients do, so every answer is authorized as any other
 * request. Every response carries a strict Content-Security-Policy (scripts, styles and requests to
 * this origin only, no inline code, no framing). Immutable and thread-safe.
 */
final class ConsoleRoutes implements RouteFamily {
  /**
   * Only this origin, no inline script or style, no plugins, no framing, no form posts elsewhere;
   * images from the page itself (the projection is drawn on a canvas).
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  static final Map<String, String> SECURITY_HEADERS =
      Map.of(
          "Content-Security-Policy", CONTENT_SECURITY_POLICY,
          "X-Content-Type-Options", "nosniff",
          "X-Frame-Options", "DENY",
          "Referrer-Policy", "no-referrer",
          "Cache-Control", "no-cache");

  private static final String ROOT = "/dev/quiver/server/console/";

  private record Asset(String contentType, byte[] bytes) {}

  private final Asset page;
  private final Map<String, Asset> assets;

  ConsoleRoutes() {
    this.page = load(ROOT + "index.html", "text/html; charset=utf-8");
    this.assets =
        Map.of(
            "console.js", load(ROOT + "console.js", "text/javascript; charset=utf-8"),
            "console.css", load(ROOT + "console.css", "text/css; charset=utf-8"),
            // the request model the query console completes from: Qdrant's OpenAPI document
            "openapi.json", load("/openapi/openapi.json", RestResponse.JSON));
  }

  private static Asset load(String resource, String contentType) {
    try (InputStream in = ConsoleRoutes.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the console asset " + resource + " is not in the jar");
      }
      return new Asset(contentType, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void register(Map<String, Router.Handler> h) {
    h.put("console", r -> serve(page));
    h.put(
        "console_asset",
        r -> {
          Asset a = assets.get(r.path("asset"));
          if (a == null) {
            return RestResponse.error(
                    HttpResponseStatus.NOT_FOUND,
                    "Not found: no such console file",
                    r.startedNanos())
                .withHeaders(SECURITY_HEADERS);
          }
          return serve(a);
        });
  }

  private static RestResponse serve(Asset a) {
    return new RestResponse(HttpResponseStatus.OK, a.contentType(), a.bytes())
        .withHeaders(SECURITY_HEADERS);
  }
}
