package dev.quiver.cluster.internal.raft;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;

/**
 * A state machine whose snapshot is one file in Ratis' snapshot directory: taken every {@code
 * every} applied entries (Ratis asks after each batch once its server-wide threshold is reached;
 * this machine declines until its own is), the newest one kept, and shipped by Ratis to a peer
 * whose log is behind the compacted part, which then {@linkplain #reinitialize() reinitializes}
 * from it. Holds the life-cycle steps Ratis expects around an install (pause, then resume).
 * Subclasses apply entries and take snapshots on Ratis' single apply thread.
 *
 * <p>One install at a time. Ratis 3.3 publishes a snapshot the leader sent and asks its apply
 * thread to load it, without waiting for the load of the previous one to end; when the second
 * request arrives while the first load runs, the end of that load clears it, the second snapshot is
 * never loaded, and the log (which now starts after it) has a hole the apply thread waits at for
 * good: a replica that acknowledges entries and applies none. So a snapshot that arrives while one
 * is being loaded, or within {@link #RELOAD_GRACE_NANOS} after, is refused (the leader sends it
 * again), and a load takes the newest snapshot published, however many arrived meanwhile.
 */
abstract class SnapshottingStateMachine extends BaseStateMachine {
  private static final Logger LOG = LogManager.getLogger(SnapshottingStateMachine.class);

  /**
   * How long after a load ends another snapshot is still refused: Ratis marks its apply thread
   * running again a few instructions after the load returns.
   */
  static final long RELOAD_GRACE_NANOS = 1_000_000_000L;

  protected final SimpleStateMachineStorage snapshots = new SimpleStateMachineStorage();

  /**
   * The newest snapshot in the directory, null for none. Kept here because Ratis' storage lists the
   * directory on every question while it holds none, and a leader's appenders ask before each batch
   * they send: every snapshot is taken or loaded through this class, which updates it.
   */
  private volatile SingleFileSnapshotInfo latest;

  private final long every;
  private final LongSupplier nanoClock;
  private volatile boolean reloading;
  private volatile long reloadEnded;
  private volatile long progressAt; // when the applied index last moved
  private volatile boolean working; // the apply thread is in this machine's code
  private volatile long stallReported = -1; // the applied index the last stall was logged at

  /**
   * @param every applied entries between snapshots; 0 or less takes none
   */
  SnapshottingStateMachine(long every) {
    this(every, System::nanoTime);
  }

  /**
   * @param every applied entries between snapshots; 0 or less takes none
   * @param nanoClock the time, for the grace after a load
   */
  SnapshottingStateMachine(long every, LongSupplier nanoClock) {
    this.every = every;
    this.nanoClock = nanoClock;
    this.reloadEnded = nanoClock.getAsLong() - RELOAD_GRACE_NANOS;
    this.progressAt = nanoClock.getAsLong();
  }

  /** The machine's clock, in nanoseconds. */
  final long nanos() {
    return nanoClock.getAsLong();
  }

  @Override
  protected boolean updateLastAppliedTermIndex(TermIndex next) {
    boolean moved = super.updateLastAppliedTermIndex(next);
    if (moved) {
      progressAt = nanoClock.getAsLong();
    }
    return moved;
  }

  /**
   * Marks the apply thread as in (true) or out of this machine's code, around an apply or a
   * snapshot; leaving counts as progress.
   */
  final void working(boolean in) {
    working = in;
    if (!in) {
      progressAt = nanoClock.getAsLong();
    }
  }

  /**
   * Whether this machine has stopped applying: entries up to {@code committed} are committed past
   * its applied index, which has not moved for {@code stallNanos} while the apply thread was not in
   * this machine's code (a long apply, snapshot or load is not a stall). Ratis' apply thread waits
   * silently at an entry its log does not hold; such a replica must serve no reads. The first time
   * a stall is seen at an applied index it is logged.
   */
  final boolean stalled(long committed, long stallNanos) {
    TermIndex applied = getLastAppliedTermIndex();
    if (reloading
        || working
        || applied == null
        || applied.getIndex() >= committed
        || nanoClock.getAsLong() - progressAt < stallNanos) {
      return false;
    }
    if (stallReported != applied.getIndex()) {
      stallReported = applied.getIndex();
      LOG.error(
          "{}: this replica has applied nothing for {} s while entries up to {} are committed"
              + " (applied {}); it serves no reads. If its log starts after the applied index, a"
              + " snapshot from the leader was not loaded: restarting the node loads it",
          getGroupId(),
          stallNanos / 1_000_000_000L,
          committed,
          applied.getIndex());
    }
    return true;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    var life = getLifeCycle();
    if (life.getCurrentState() == LifeCycle.State.NEW) {
      // Ratis pauses a RUNNING state machine before it installs a snapshot into it
      life.transition(LifeCycle.State.STARTING);
      life.transition(LifeCycle.State.RUNNING);
    }
    snapshots.init(storage);
    latest = snapshots.getLatestSnapshot();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  /** The index of the newest snapshot, -1 for none. */
  final long latestSnapshotIndex() {
    SnapshotInfo newest = latest;
    return newest == null ? -1 : newest.getIndex();
  }

  /**
   * The applied position when a snapshot is due ({@code every} entries past the newest one, or one
   * is wanted and something was applied since the newest), else null.
   */
  final TermIndex snapshotDue() {
    TermIndex applied = getLastAppliedTermIndex();
    if (applied == null || applied.getIndex() <= 0) {
      return null;
    }
    long since = applied.getIndex() - Math.max(0, latestSnapshotIndex());
    if (since > 0 && wanted.getAndSet(false)) {
      return applied;
    }
    return every > 0 && since >= every ? applied : null;
  }

  private final AtomicBoolean wanted = new AtomicBoolean();

  /**
   * The next snapshot request is answered with a snapshot of what is applied, however few entries
   * came since the last one.
   */
  final void wantSnapshot() {
    wanted.set(true);
  }

  /** The file a snapshot at {@code at} is written to. */
  final File snapshotFile(TermIndex at) {
    return snapshots.getSnapshotFile(at.getTerm(), at.getIndex());
  }

  /**
   * Makes the written {@code file} the newest snapshot (with its MD5 file) and drops older ones.
   */
  final long keepSnapshot(File file, TermIndex at) throws IOException {
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    latest =
        snapshots.updateLatestSnapshot(
            new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), at));
    snapshots.cleanupOldSnapshots(
        new SnapshotRetentionPolicy() {
          @Override
          public int getNumSnapshotsRetained() {
            return 1;
          }
        });
    return at.getIndex();
  }

  /**
   * Ratis pauses the state machine before it publishes a snapshot from the leader; refused while
   * the previous one is being loaded (see the class comment), which fails that install: the leader
   * sends the snapshot again.
   */
  @Override
  public void pause() {
    if (reloading || nanoClock.getAsLong() - reloadEnded < RELOAD_GRACE_NANOS) {
      throw new IllegalStateException(
          getGroupId() + ": still loading the previous snapshot from the leader");
    }
    var life = getLifeCycle();
    if (life.getCurrentState() == LifeCycle.State.RUNNING) {
      life.transition(LifeCycle.State.PAUSING);
      life.transition(LifeCycle.State.PAUSED);
    }
  }

  /**
   * Called after Ratis published a snapshot from the leader: back to running, then load the newest
   * snapshot, again while a newer one has been published meanwhile.
   */
  @Override
  public final void reinitialize() throws IOException {
    reloading = true;
    try {
      var life = getLifeCycle();
      if (life.getCurrentState() == LifeCycle.State.PAUSED) {
        life.transition(LifeCycle.State.STARTING);
        life.transition(LifeCycle.State.RUNNING);
      }
      long loaded = -1;
      for (SingleFileSnapshotInfo sent = loadLatest();
          sent != null && sent.getIndex() > loaded;
          sent = loadLatest()) {
        installed(sent);
        loaded = sent.getIndex();
      }
    } finally {
      reloadEnded = nanoClock.getAsLong();
      reloading = false;
    }
  }

  /** Lists the snapshot directory again (after Ratis placed a snapshot there) for the newest. */
  final SingleFileSnapshotInfo loadLatest() {
    SingleFileSnapshotInfo newest = snapshots.loadLatestSnapshot();
    if (newest != null) {
      latest = newest;
    }
    return newest;
  }

  /**
   * Takes the state of the snapshot the leader sent (its file is {@code latest.getFile()}); a state
   * already at or past it is kept.
   */
  abstract void installed(SingleFileSnapshotInfo latest) throws IOException;

  /** The P2P address of the group's leader (which sends snapshots); null when unknown. */
  final String leaderAddress() {
    try {
      var division = getServer().getNow(null).getDivision(getGroupId());
      var leader = division.getInfo().getLeaderId();
      var peer = leader == null ? null : division.getRaftConf().getPeer(leader);
      return peer == null ? null : peer.getAddress();
    } catch (IOException | RuntimeException unknown) {
      return null;
    }
  }
}
