package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ReadCodec;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.StaleReadException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * One shard replica's state machine. A log entry is a batch of update operations; operation j of
 * entry i is applied to the local shard as op number {@code i * 2^16 + j}, so replaying the Raft
 * log over a shard that already holds a prefix of it skips that prefix. Queries run forwarded reads
 * on the local replica.
 *
 * <p>Snapshots: every {@code compact_shard_log_entries} entries one is taken; it is an archive of
 * the local shard as of the last applied entry (which also checkpoints the shard, the durable state
 * when the shard keeps no WAL). Ratis then purges the log up to it and ships the archive to a
 * replica that is too far behind for the log; that replica replaces its shard with it.
 */
final class ShardStateMachine extends SnapshottingStateMachine {
  private static final Logger LOG = LogManager.getLogger(ShardStateMachine.class);

  /** Operations per log entry are below this; the batcher never builds larger entries. */
  static final int OPS_PER_ENTRY = 1 << 16;

  private final CollectionRegistry registry;
  private final String collection;
  private final int shard;
  private final ClusterAudit audit;
  private final Duration fresh;
  private final FormatGate format;

  /**
   * @param snapshotEvery applied entries between snapshots of the shard
   * @param fresh how recently a follower must have heard from its leader to serve reads
   * @param format the message formats this node reads
   */
  ShardStateMachine(
      CollectionRegistry registry,
      String collection,
      int shard,
      ClusterAudit audit,
      long snapshotEvery,
      Duration fresh,
      FormatGate format) {
    super(snapshotEvery);
    this.registry = registry;
    this.collection = collection;
    this.shard = shard;
    this.audit = audit;
    this.fresh = fresh;
    this.format = format;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    var latest = loadLatest();
    if (latest != null) {
      // a snapshot this replica took came with a checkpoint of the shard, so the shard's files are
      // at least as new; one the leader sent may not have been loaded before the node stopped
      long held = entriesHeld();
      if (held < latest.getIndex()) {
        long began = nanos();
        restore(latest);
        LOG.info(
            "{}/{}: loaded the snapshot at log index {} at start (the shard's files held entries up"
                + " to {}) in {} ms",
            collection,
            shard,
            latest.getIndex(),
            held,
            (nanos() - began) / 1_000_000);
      }
      updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
    }
  }

  /**
   * The index of the last log entry the local shard holds (its operation numbers are the entries'
   * indexes times {@link #OPS_PER_ENTRY}); -1 when the collection is not here.
   */
  private long entriesHeld() {
    try {
      return registry.require(collection).writer(shard).lastAppliedOp() / OPS_PER_ENTRY;
    } catch (StorageException gone) {
      return -1;
    }
  }

  /**
   * Records in the shard that it holds every entry up to {@code index}: the entries after its last
   * write (read barriers, Ratis' own entries) changed nothing in it, but a shard whose files held
   * fewer entries than its latest snapshot would load that snapshot again at the next start. Only
   * on the apply thread (a snapshot is taken there).
   */
  private void holdThrough(long index) {
    ShardWriter writer = registry.require(collection).writer(shard);
    if (writer.lastAppliedOp() < index * OPS_PER_ENTRY) {
      writer.apply(index * OPS_PER_ENTRY, new UpdateOp.DeletePoints(List.of()));
    }
  }

  private void restore(SingleFileSnapshotInfo snapshot) throws IOException {
    registry.require(collection).restoreShard(shard, snapshot.getFile().getPath());
  }

  private boolean caughtUp() {
    try {
      return ReplicaStates.caughtUp(getServer().getNow(null).getDivision(getGroupId()), fresh);
    } catch (IOException | RuntimeException notRunning) {
      return false;
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    working(true);
    try {
      return snapshot();
    } finally {
      working(false);
    }
  }

  private long snapshot() throws IOException {
    TermIndex applied = snapshotDue();
    if (applied == null) {
      return latestSnapshotIndex();
    }
    holdThrough(applied.getIndex());
    File file = snapshotFile(applied);
    File tmp = new File(file.getParentFile(), file.getName() + ".tmp");
    try (var out = new BufferedOutputStream(Files.newOutputStream(tmp.toPath()), 1 << 16)) {
      registry.require(collection).snapshotShard(shard, out);
    }
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    keepSnapshot(file, applied);
    LOG.info(
        "{}/{}: snapshot at log index {} ({} bytes)",
        collection,
        shard,
        applied.getIndex(),
        file.length());
    return applied.getIndex();
  }

  /** The shard becomes the archive the leader sent, unless it already holds its entries. */
  @Override
  void installed(SingleFileSnapshotInfo latest) throws IOException {
    if (entriesHeld() >= latest.getIndex()) {
      updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
      return; // Ratis applies the entries after it again: the shard skips those it holds
    }
    long began = nanos();
    restore(latest);
    updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
    String leader = leaderAddress();
    LOG.info(
        "{}/{}: caught up from the leader's snapshot at log index {} (leader at {}; {} bytes"
            + " loaded in {} ms)",
        collection,
        shard,
        latest.getIndex(),
        leader,
        latest.getFile().getPath().toFile().length(),
        (nanos() - began) / 1_000_000);
    audit.record(
        "install_shard_snapshot",
        "/collections/" + collection + "/shards/" + shard + "/snapshot@" + latest.getIndex(),
        collection,
        leader);
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    if (!format.stopped()) { // else an entry before this one is unapplied
      super.notifyTermIndexUpdated(term, index);
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    working(true);
    try {
      return apply(trx);
    } finally {
      working(false);
    }
  }

  private CompletableFuture<Message> apply(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    int version = format.replyFormat(data);
    if (format.stopped()) {
      return MetaStateMachine.notApplied(version, index);
    }
    byte[] reply;
    try {
      List<UpdateOp> ops = Wire.decodeBatch(data, format.ceiling());
      ShardWriter writer = registry.require(collection).writer(shard);
      reply =
          WireFormat.write(
              version,
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
    } catch (WireFormat.TooNew e) {
      // skipping it would leave this replica behind the others: the node stops instead
      LOG.error(
          "{}/{}: entry {} cannot be read here: {}", collection, shard, index, e.getMessage());
      format.refuse(e.getMessage());
      return MetaStateMachine.notApplied(version, index);
    } catch (ShardCodec.Malformed e) {
      LOG.error(
          "{}/{}: entry {} does not decode, skipped: {}", collection, shard, index, e.getMessage());
      reply = WireFormat.write(version, out -> {});
    } catch (StorageException e) {
      // the collection is gone here (dropped while the entry was in flight): nothing to apply
      LOG.warn("{}/{}: entry {} not applied: {}", collection, shard, index, e.getMessage());
      reply = WireFormat.write(version, out -> {});
    }
    updateLastAppliedTermIndex(entry.getTerm(), index);
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  /**
   * A read forwarded here. A replica still catching up with its leader refuses it (stale), so the
   * reader asks another replica, or the leader.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    if (!caughtUp()) {
      return CompletableFuture.failedFuture(
          new StaleReadException(collection + "/" + shard + ": this replica is catching up"));
    }
    byte[] bytes = request.getContent().toByteArray();
    int version = format.replyFormat(bytes);
    byte[] reply;
    try {
      reply = answer(bytes, version);
    } catch (RuntimeException e) {
      reply = WireFormat.write(version, out -> Wire.writeError(out, e));
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  private byte[] answer(byte[] bytes, int version) {
    Wire.Read read;
    try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      read = Wire.decodeRead(in, WireFormat.readHeader(in, format.ceiling()));
    } catch (IOException e) {
      throw new StorageException.BadInput("malformed forwarded read: " + e.getMessage());
    }
    ShardReader reader = registry.require(collection).reader(shard);
    return WireFormat.write(
        version,
        out -> {
          switch (read) {
            case Wire.Search s -> {
              List<ScoredPoint> found = reader.search(s.request());
              Wire.writeOk(out);
              out.writeInt(found.size());
              for (ScoredPoint p : found) {
                ReadCodec.writeScored(out, p);
              }
            }
            case Wire.Retrieve r -> {
              var found = reader.retrieve(r.ids(), r.withPayload(), r.withVectors());
              Wire.writeOk(out);
              out.writeInt(found.size());
              for (var p : found) {
                ReadCodec.writeRecord(out, p);
              }
            }
            case Wire.Scroll s -> {
              var page =
                  reader.scroll(
                      s.filter(), s.offset(), s.limit(), s.withPayload(), s.withVectors());
              Wire.writeOk(out);
              out.writeInt(page.points().size());
              for (var p : page.points()) {
                ReadCodec.writeRecord(out, p);
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
              boolean any = reader.anyPayloadMatches(m.filter());
              Wire.writeOk(out);
              out.writeBoolean(any);
            }
          }
        });
  }
}
