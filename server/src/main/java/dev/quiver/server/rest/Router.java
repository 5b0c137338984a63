package dev.quiver.server.rest;

import dev.quiver.security.Action;
import dev.quiver.security.ActionTable;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The REST route table: method plus path template ({@code /collections/{collection_name}}) to a
 * handler. Matching works on decoded segments: the path is split on {@code /} first and each
 * segment percent-decoded afterwards, so {@code %2F} never creates a segment and {@code ..} is just
 * a literal that matches no template. One trailing slash is ignored, as in Qdrant. Built once, then
 * read-only and thread-safe.
 */
final class Router {

  /** Handles a matched request. */
  interface Handler {
    RestResponse handle(RestRequest request) throws Exception;
  }

  /** A route of the action table. */
  record Route(HttpMethod method, String template, Action action) {}

  /** A matched route and the values of its path parameters. */
  record Match(Route route, Map<String, String> params) {}

  private final List<Route> routes = new ArrayList<>();

  /** Every REST route of the table; literal segments win over parameters. */
  static Router of(ActionTable table) {
    Router r = new Router();
    table.restActions().stream()
        .sorted(Comparator.comparingInt(a -> a.path().split("\\{", -1).length))
        .forEach(a -> r.routes.add(new Route(HttpMethod.valueOf(a.httpMethod()), a.path(), a)));
    return r;
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  /** The route for {@code method} and raw (undecoded, query-less) {@code path}, or null. */
  Match match(HttpMethod method, String rawPath) {
    List<String> segments = segments(rawPath);
    if (segments == null) {
      return null;
    }
    for (Route r : routes) {
      if (!r.method().equals(method)) {
        continue;
      }
      Map<String, String> params = matchTemplate(r.template(), segments);
      if (params != null) {
        return new Match(r, params);
      }
    }
    return null;
  }

  private static Map<String, String> matchTemplate(String template, List<String> segments) {
    List<String> parts =
        template.equals("/") ? List.of() : List.of(template.substring(1).split("/"));
    if (parts.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i);
      String s = segments.get(i);
      if (p.startsWith("{") && p.endsWith("}")) {
        params.put(p.substring(1, p.length() - 1), s);
      } else if (!p.equals(s)) {
        return null;
      }
    }
    return params;
  }

  /** Decoded segments of an absolute path; null if it is not one or is badly encoded. */
  static List<String> segments(String rawPath) {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      return null;
    }
    String p =
        rawPath.length() > 1 && rawPath.endsWith("/")
            ? rawPath.substring(0, rawPath.length() - 1)
            : rawPath;
    if (p.equals("/")) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String raw : p.substring(1).split("/", -1)) {
      if (raw.isEmpty()) {
        return null;
      }
      String decoded = percentDecode(raw);
      if (decoded == null) {
        return null;
      }
      out.add(decoded);
    }
    return out;
  }

  /** Percent-decoding as UTF-8; {@code +} stays {@code +} in paths. Null on a bad escape. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
