package dev.quiver.server.rest;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionNames;

/** What every route family's handlers read from a request the same way. Stateless. */
final class Handlers {
  private Handlers() {}

  /** The collection the path names, an alias resolved to its collection. */
  static String target(Dispatcher dispatcher, RestRequest r) {
    return dispatcher.catalog().resolve(collectionName(r));
  }

  /** The validated {@code collection_name} path parameter, as given. */
  static String collectionName(RestRequest r) {
    String name = r.path("collection_name");
    String problem = CollectionNames.problem(name);
    if (problem != null) {
      throw new RequestException.Invalid("path parameters", "collection_name", problem);
    }
    return name;
  }

  /** Qdrant's answer to a change that is done: {@code "result": true}. */
  static RestResponse done(RestRequest r) {
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(true), r.startedNanos());
  }
}
