package dev.quiver.storage;

import java.nio.file.Path;

/**
 * The engine's errors. Each kind maps to exactly one wire status at the edges (the server's HTTP
 * and gRPC mappers); messages are Qdrant's wording without the kind prefix, which the edges add.
 * Immutable.
 */
public abstract sealed class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A collection, point or other addressed thing does not exist (404 / NOT_FOUND). */
  public static final class NotFound extends StorageException {
    private static final long serialVersionUID = 1L;

    public NotFound(String message) {
      super(message, null);
    }

    public static NotFound collection(String name) {
      return new NotFound("Collection `" + name + "` doesn't exist!");
    }
  }

  /** The thing to create exists already (409 / ALREADY_EXISTS). */
  public static final class AlreadyExists extends StorageException {
    private static final long serialVersionUID = 1L;

    public AlreadyExists(String message) {
      super(message, null);
    }
  }

  /**
   * The request cannot be applied as given, e.g. a wrong vector dimension (400 / INVALID_ARGUMENT).
   */
  public static final class BadInput extends StorageException {
    private static final long serialVersionUID = 1L;

    public BadInput(String message) {
      super(message, null);
    }
  }

  /**
   * The request does not fit the state it meets, in the cases Qdrant answers as a bad request, e.g.
   * a shard transfer that conflicts with a running one (400 / INVALID_ARGUMENT, "Bad request: ").
   */
  public static final class BadRequest extends StorageException {
    private static final long serialVersionUID = 1L;

    public BadRequest(String message) {
      super(message, null);
    }
  }

  /** A file on disk is not what its reader understands (500 / DATA_LOSS). */
  public static final class Corrupted extends StorageException {
    private static final long serialVersionUID = 1L;

    public Corrupted(Path file, String problem) {
      super("Corrupted file " + file + ": " + problem, null);
    }
  }

  /** An I/O failure underneath (500 / INTERNAL). */
  public static final class Io extends StorageException {
    private static final long serialVersionUID = 1L;

    public Io(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A resource quota refuses the write: this node's memory or disk is at its limit (507 /
   * RESOURCE_EXHAUSTED). Deleting data, or raising the limit, lets writes through again.
   */
  public static final class InsufficientStorage extends StorageException {
    private static final long serialVersionUID = 1L;

    public InsufficientStorage(String message) {
      super(message, null);
    }
  }

  /**
   * The data is not reachable now: no leader for a shard, too few replicas, a peer timed out (503 /
   * UNAVAILABLE). Raised by the cluster layer; retrying later may succeed.
   */
  public static final class Unavailable extends StorageException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The request ran past its {@code timeout} (REST 408, gRPC DEADLINE_EXCEEDED) or its client went
   * away; nothing it wrote is undone, a read just stops.
   */
  public static final class Timeout extends StorageException {
    private static final long serialVersionUID = 1L;

    public Timeout(String message) {
      super(message, null);
    }
  }

  /**
   * The request would hold more than a documented cap allows (results, conditions, batch items):
   * the client gets 400 / INVALID_ARGUMENT naming the cap, before memory is spent on it.
   */
  public static final class OverLimit extends StorageException {
    private static final long serialVersionUID = 1L;

    public OverLimit(String message) {
      super(message, null);
    }
  }
}
