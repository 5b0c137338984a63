package dev.quiver.cluster.internal.local;

import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.cluster.internal.ShardRoutes;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import java.util.List;
import java.util.Map;

/**
 * Every shard is local: reads go to the shard's reader, whatever the consistency (the one copy
 * meets them all), and a write part takes the next operation number of its shard under that shard's
 * lock, so numbers are gap-free and in apply order. Thread-safe.
 */
final class LocalRoutes implements ShardRoutes {
  private final CollectionRegistry registry;
  private final ResourceQuota quota;

  LocalRoutes(CollectionRegistry registry, ResourceQuota quota) {
    this.registry = registry;
    this.quota = quota;
  }

  @Override
  public CollectionConfig config(String collection) {
    return registry.require(collection).config();
  }

  @Override
  public List<List<ShardReader>> readers(
      String collection, ReadConsistency consistency, ShardSelector selector) {
    Collection c = registry.require(collection);
    ShardLayout layout = LocalCatalog.layout(c);
    return Fanout.readers(layout, layout.groups(selector, false), c::reader);
  }

  @Override
  public UpdateResult write(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    quota.checkUpdate(op);
    Collection c = registry.require(collection);
    quota.checkFreeSpace(op, (long) c.config().wal().walCapacityMb() << 20);
    Map<Integer, UpdateOp> parts = LocalCatalog.layout(c).route(op, selector);
    long opNum = 0;
    for (var part : parts.entrySet()) {
      ShardWriter writer = c.writer(part.getKey());
      synchronized (writer) {
        opNum = writer.lastAppliedOp() + 1;
        writer.apply(opNum, part.getValue());
      }
    }
    if (wait) {
      for (int shard : parts.keySet()) {
        c.writer(shard).flush();
      }
      return new UpdateResult(opNum, UpdateResult.Status.COMPLETED);
    }
    return new UpdateResult(opNum, UpdateResult.Status.ACKNOWLEDGED);
  }

  @Override
  public long localPayloadBytes(String collection) {
    return registry.require(collection).payloadBytes();
  }
}
