package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * One shard replica's state machine. A log entry is a batch of update operations; operation j of
 * entry i is applied to the local shard as op number {@code i * 2^16 + j}, so replaying the Raft
 * log over a shard that already holds a prefix of it skips that prefix. Queries run forwarded reads
 * on the local replica.
 */
final class ShardStateMachine extends BaseStateMachine {
  private static final Logger LOG = LogManager.getLogger(ShardStateMachine.class);

  /** Operations per log entry are below this; the batcher never builds larger entries. */
  static final int OPS_PER_ENTRY = 1 << 16;

  private final CollectionRegistry registry;
  private final String collection;
  private final int shard;

  ShardStateMachine(CollectionRegistry registry, String collection, int shard) {
    this.registry = registry;
    this.collection = collection;
    this.shard = shard;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    byte[] reply;
    try {
      List<UpdateOp> ops =
          Wire.decodeBatch(entry.getStateMachineLogEntry().getLogData().toByteArray());
      ShardWriter writer = registry.require(collection).writer(shard);
      reply =
          ShardCodec.write(
              out -> {
                for (int j = 0; j < ops.size(); j++) {
                  try {
                    writer.apply(index * OPS_PER_ENTRY + j, ops.get(j));
                    Wire.writeOk(out);
                  } catch (StorageException e) {
                    Wire.writeError(out, e);
                  }
                }
              });
    } catch (ShardCodec.Malformed e) {
      LOG.error(
          "{}/{}: entry {} does not decode, skipped: {}", collection, shard, index, e.getMessage());
      reply = new byte[0];
    } catch (StorageException e) {
      // the collection is gone here (dropped while the entry was in flight): nothing to apply
      LOG.warn("{}/{}: entry {} not applied: {}", collection, shard, index, e.getMessage());
      reply = new byte[0];
    }
    updateLastAppliedTermIndex(entry.getTerm(), index);
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] reply;
    try {
      reply = answer(request.getContent().toByteArray());
    } catch (RuntimeException e) {
      reply = ShardCodec.write(out -> Wire.writeError(out, e));
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  private byte[] answer(byte[] bytes) {
    Wire.Read read;
    try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      read = Wire.decodeRead(in);
    } catch (IOException e) {
      throw new StorageException.BadInput("malformed forwarded read: " + e.getMessage());
    }
    ShardReader reader = registry.require(collection).reader(shard);
    return ShardCodec.write(
        out -> {
          switch (read) {
            case Wire.Search s -> {
              List<ScoredPoint> found = reader.search(s.request());
              Wire.writeOk(out);
              out.writeInt(found.size());
              for (ScoredPoint p : found) {
                ShardCodec.writeScored(out, p);
              }
            }
            case Wire.Retrieve r -> {
              var found = reader.retrieve(r.ids(), r.withPayload(), r.withVectors());
              Wire.writeOk(out);
              out.writeInt(found.size());
              for (var p : found) {
                ShardCodec.writeRecord(out, p);
              }
            }
            case Wire.Scroll s -> {
              var page =
                  reader.scroll(
                      s.filter(), s.offset(), s.limit(), s.withPayload(), s.withVectors());
              Wire.writeOk(out);
              out.writeInt(page.points().size());
              for (var p : page.points()) {
                ShardCodec.writeRecord(out, p);
              }
              out.writeBoolean(page.nextOffset() != null);
              if (page.nextOffset() != null) {
                ShardCodec.writeId(out, page.nextOffset());
              }
            }
            case Wire.Count c -> {
              long n = reader.count(c.filter());
              Wire.writeOk(out);
              out.writeLong(n);
            }
            case Wire.PayloadMatch m -> {
              boolean any = reader.anyPayloadMatches(m.matches());
              Wire.writeOk(out);
              out.writeBoolean(any);
            }
          }
        });
  }
}
