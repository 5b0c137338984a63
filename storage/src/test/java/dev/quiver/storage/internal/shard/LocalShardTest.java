package dev.quiver.storage.internal.shard;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.ShardContractTest;
import java.nio.file.Path;

class LocalShardTest extends ShardContractTest {
  @Override
  protected TestShard open(Path dir, CollectionConfig config) {
    LocalShard shard = new LocalShard(dir, config);
    return new TestShard() {
      @Override
      public java.util.List<dev.quiver.storage.ScoredPoint> search(
          dev.quiver.storage.SearchRequest r) {
        return shard.search(r);
      }

      @Override
      public java.util.List<dev.quiver.storage.PointRecord> retrieve(
          java.util.List<dev.quiver.storage.PointId> ids,
          dev.quiver.storage.WithPayload p,
          dev.quiver.storage.WithVectors v) {
        return shard.retrieve(ids, p, v);
      }

      @Override
      public long count() {
        return shard.count();
      }

      @Override
      public long count(dev.quiver.storage.Filter filter) {
        return shard.count(filter);
      }

      @Override
      public dev.quiver.storage.ScrollPage scroll(
          dev.quiver.storage.Filter filter,
          dev.quiver.storage.PointId offset,
          int limit,
          dev.quiver.storage.WithPayload withPayload,
          dev.quiver.storage.WithVectors withVectors) {
        return shard.scroll(filter, offset, limit, withPayload, withVectors);
      }

      @Override
      public boolean anyPayloadMatches(dev.quiver.storage.Filter filter) {
        return shard.anyPayloadMatches(filter);
      }

      @Override
      public boolean apply(long opNum, dev.quiver.storage.UpdateOp op) {
        return shard.apply(opNum, op);
      }

      @Override
      public long lastAppliedOp() {
        return shard.lastAppliedOp();
      }

      @Override
      public long flush() {
        return shard.flush();
      }

      @Override
      public void awaitIndexed() {
        shard.awaitIndexed();
      }

      @Override
      public void close() {
        shard.close();
      }
    };
  }
}
