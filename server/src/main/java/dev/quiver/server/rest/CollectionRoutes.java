package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.guard.StrictMode;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.request.NamedVectors;
import dev.quiver.storage.Filter;
import dev.quiver.storage.UpdateResult;
import java.util.Map;

/**
 * The collection routes: create, read, change and drop collections, their aliases, named vectors,
 * payload indexes and optimizations. Each decodes with the JSON codecs, calls the dispatcher and
 * encodes; no logic of its own. Thread-safe.
 */
final class CollectionRoutes implements RouteFamily {
  private final Dispatcher dispatcher;
  private final CreateCollection.CollectionDefaults defaults;

  CollectionRoutes(Dispatcher dispatcher, CreateCollection.CollectionDefaults defaults) {
    this.dispatcher = dispatcher;
    this.defaults = defaults;
  }

  @Override
  public void register(Map<String, Router.Handler> h) {
    h.put("get_collections", this::listCollections);
    h.put("get_collection", this::getCollection);
    h.put("create_collection", this::createCollection);
    h.put("delete_collection", this::deleteCollection);
    h.put(
        "update_collection",
        r -> {
          String name = Handlers.target(dispatcher, r);
          var update = CollectionJson.updateCollection(r.json());
          dispatcher.catalog().updateCollection(name, update::apply);
          return Handlers.done(r);
        });
    h.put("collection_exists", this::collectionExists);
    h.put(
        "update_aliases",
        r -> {
          dispatcher.catalog().changeAliases(CollectionJson.aliasActions(r.json()));
          return Handlers.done(r);
        });
    h.put("get_collections_aliases", r -> aliases(r, null));
    h.put("get_collection_aliases", r -> aliases(r, Handlers.target(dispatcher, r)));
    h.put(
        "create_vector_name",
        r -> {
          CollectionJson.VectorNameConfig config = CollectionJson.vectorNameConfig(r.json());
          if (config.sparse() != null) {
            NamedVectors.createSparse(
                dispatcher, Handlers.target(dispatcher, r), r.path("vector_name"), config.sparse());
          } else {
            NamedVectors.create(
                dispatcher, Handlers.target(dispatcher, r), r.path("vector_name"), config.dense());
          }
          return indexDone(r);
        });
    h.put(
        "delete_vector_name",
        r -> {
          NamedVectors.delete(dispatcher, Handlers.target(dispatcher, r), r.path("vector_name"));
          return indexDone(r);
        });
    h.put("create_field_index", this::createFieldIndex);
    h.put("delete_field_index", this::deleteFieldIndex);
    h.put("get_optimizations", this::optimizations);
  }

  private RestResponse listCollections(RestRequest r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("collections");
    dispatcher.catalog().listCollections().stream()
        .filter(r.principal().access().visible())
        .forEach(n -> arr.addObject().put("name", n));
    return RestResponse.ok(o, r.startedNanos());
  }

  private RestResponse getCollection(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ObjectNode info =
        (ObjectNode) CollectionInfoJson.collectionInfo(dispatcher.catalog().collectionInfo(name));
    ObjectNode schema = info.putObject("payload_schema");
    dispatcher
        .catalog()
        .payloadIndexes(name)
        .forEach(
            (field, spec) ->
                schema.set(
                    field,
                    CollectionJson.payloadIndexInfo(
                        spec, dispatcher.points().count(name, Filter.hasValue(field)))));
    return RestResponse.ok(info, r.startedNanos());
  }

  private RestResponse createCollection(RestRequest r) {
    String name = Handlers.collectionName(r);
    CreateCollection request = CollectionJson.createCollection(r.json());
    dispatcher
        .catalog()
        .createCollection(
            name, defaults.resolve(request, dispatcher.catalog().defaultShardNumber()));
    return Handlers.done(r);
  }

  private RestResponse deleteCollection(RestRequest r) {
    boolean deleted = dispatcher.catalog().deleteCollection(Handlers.collectionName(r));
    return RestResponse.ok(Json.MAPPER.getNodeFactory().booleanNode(deleted), r.startedNanos());
  }

  private RestResponse collectionExists(RestRequest r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("exists", dispatcher.catalog().collectionExists(Handlers.collectionName(r)));
    return RestResponse.ok(o, r.startedNanos());
  }

  /** {@code {"aliases": [{"alias_name", "collection_name"}]}}, of one collection or all. */
  private RestResponse aliases(RestRequest r, String collection) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("aliases");
    dispatcher
        .catalog()
        .aliases()
        .forEach(
            (alias, target) -> {
              if ((collection == null || collection.equals(target))
                  && r.principal().access().visible().test(target)) {
                arr.addObject().put("alias_name", alias).put("collection_name", target);
              }
            });
    return RestResponse.ok(o, r.startedNanos());
  }

  /**
   * {@code GET /collections/{c}/optimizations}: Quiver's one background optimization is building
   * the vector index of points written past {@code indexing_threshold}; it is reported as queued
   * while points wait for it.
   */
  private RestResponse optimizations(RestRequest r) {
    var info = dispatcher.catalog().collectionInfo(Handlers.target(dispatcher, r));
    long waiting =
        info.optimizing() ? Math.max(0, info.pointsCount() - info.indexedVectorsCount()) : 0;
    ObjectNode o = Json.MAPPER.createObjectNode();
    ObjectNode summary = o.putObject("summary");
    summary.put("queued_optimizations", info.optimizing() ? 1 : 0);
    summary.put("queued_segments", info.optimizing() ? 1 : 0);
    summary.put("queued_points", waiting);
    summary.put("idle_segments", Math.max(0, info.segmentsCount() - (info.optimizing() ? 1 : 0)));
    o.putArray("running");
    return RestResponse.ok(o, r.startedNanos());
  }

  private RestResponse createFieldIndex(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    r.checkOrdering();
    CollectionJson.FieldIndex index = CollectionJson.createFieldIndex(r.json());
    var existing = dispatcher.catalog().payloadIndexes(name);
    if (!existing.containsKey(index.field())) {
      StrictMode.of(dispatcher, name).newPayloadIndex(existing.size());
    }
    dispatcher.catalog().setPayloadIndex(name, index.field(), index.spec());
    return indexDone(r);
  }

  private RestResponse deleteFieldIndex(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    r.checkOrdering();
    dispatcher.catalog().setPayloadIndex(name, r.path("field_name"), null);
    return indexDone(r);
  }

  /** A payload index change is applied (and committed in a cluster) when the call returns. */
  /** A completed configuration change, answered as Qdrant answers them ({@code UpdateResult}). */
  private static RestResponse indexDone(RestRequest r) {
    return RestResponse.ok(
        PointWriteJson.updateResult(new UpdateResult(0, UpdateResult.Status.COMPLETED)),
        r.startedNanos());
  }
}
