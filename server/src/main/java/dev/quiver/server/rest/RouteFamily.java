package dev.quiver.server.rest;

import java.util.Map;

/**
 * A family of REST routes: registers its handlers by operation id. Implementations are thread-safe.
 */
interface RouteFamily {
  /** Adds this family's handlers to {@code handlers}, keyed by the action table's operation ids. */
  void register(Map<String, Router.Handler> handlers);
}
