package dev.quiver.cluster;

import dev.quiver.cluster.internal.SingleNodeDispatcher;
import dev.quiver.storage.CollectionRegistry;

/** Chooses the dispatcher at start-up. */
public final class Dispatchers {
  private Dispatchers() {}

  /** The single-node dispatcher over local storage; it takes ownership of {@code registry}. */
  public static Dispatcher singleNode(CollectionRegistry registry) {
    return new SingleNodeDispatcher(registry);
  }
}
