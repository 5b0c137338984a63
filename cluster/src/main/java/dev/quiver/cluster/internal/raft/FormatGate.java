package dev.quiver.cluster.internal.raft;

import java.util.function.Consumer;

/**
 * Which {@link WireFormat} this node writes: the cluster's format, which the metadata log records
 * ({@link Wire.RaiseFormat}) once every member has said it reads it ({@link FormatUpgrade}), and
 * never above this node's {@code ceiling} ({@code cluster.p2p.max_format_version}). A cluster of
 * new and previous-release nodes therefore writes the previous format until the last node is
 * upgraded; from then on a node reading only an older format cannot rejoin (its log holds entries
 * it cannot read), which it is told instead of applying something else. Thread-safe.
 */
final class FormatGate {
  private final int ceiling;
  private final Consumer<String> onRefused;
  private volatile int cluster;
  private volatile boolean stopped;

  /** A gate that only throws when it refuses (for tests and tools). */
  FormatGate(int ceiling) {
    this(ceiling, reason -> {});
  }

  /**
   * @param ceiling the newest format this node reads and writes, at most {@link WireFormat#NEWEST}
   * @param onRefused told why, at each refusal, when this node cannot read its log (the node stops)
   */
  FormatGate(int ceiling, Consumer<String> onRefused) {
    this.onRefused = onRefused;
    if (ceiling < 0 || ceiling > WireFormat.NEWEST) {
      throw new IllegalArgumentException(
          "cluster.p2p.max_format_version must be 0 to " + WireFormat.NEWEST + ", not " + ceiling);
    }
    this.ceiling = ceiling;
  }

  /** The newest format this node reads. */
  int ceiling() {
    return ceiling;
  }

  /** The format the cluster writes, as applied here. */
  int cluster() {
    return cluster;
  }

  /**
   * The format to answer {@code request} in: the request's own (never above what this node writes;
   * a request above it is refused when it is read).
   */
  int replyFormat(byte[] request) {
    return Math.min(WireFormat.versionOf(request), ceiling);
  }

  /** The format of what this node sends now. */
  int writing() {
    return Math.min(cluster, ceiling);
  }

  /**
   * The metadata log (or its snapshot) says the cluster writes {@code version} from here on. Above
   * this node's ceiling it is refused: the log from here holds messages this node cannot read.
   */
  void raised(int version) {
    if (version > ceiling) {
      throw refuse(
          "the cluster writes message format "
              + version
              + " and this node reads formats up to "
              + ceiling
              + "; a node cannot go back below its cluster's format: run the newer release here");
    }
    if (version > cluster) {
      cluster = version;
    }
  }

  /**
   * This node cannot go on applying its log: an entry (or the snapshot it starts from) is in a
   * format it does not read.
   */
  static final class Refused extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /**
   * This node cannot apply its log ({@code reason}): from now on its state machines apply nothing
   * ({@link #stopped()}), the node is told (it stops), and the exception is returned for a caller
   * that throws it. A state machine does not throw it out of an apply: Ratis 3.3's updater then
   * retries in a loop that never ends, and holds the server's close up.
   */
  Refused refuse(String reason) {
    stopped = true;
    onRefused.accept(reason);
    return new Refused(reason);
  }

  /**
   * Whether this node met an entry it cannot read: its state machines leave every entry unapplied
   * (nor do they count it applied) until the node stops, so a newer release applies them on the
   * next start.
   */
  boolean stopped() {
    return stopped;
  }

  /** Back to the state of a snapshot (which may be older than what was applied before). */
  void reset(int version) {
    cluster = 0;
    raised(version);
  }
}
